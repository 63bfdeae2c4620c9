namespace SpeechToText.Audio;

/// <summary>
/// A forward-only source of mono float samples at a fixed rate, read in chunks so that audio of any
/// length is processed in bounded memory. Samples are nominally in [-1, 1].
/// </summary>
public abstract class AudioSource : IDisposable
{
    /// <summary>The name of the input, for messages (a file path or "stdin").</summary>
    public abstract string Name { get; }

    /// <summary>Samples per second of what <see cref="Read"/> returns.</summary>
    public abstract int SampleRate { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with the next samples and returns how many were written;
    /// 0 means the end of the audio. May return fewer than requested before the end.
    /// </summary>
    /// <exception cref="AudioInputException">The input is corrupt or cannot be decoded.</exception>
    public abstract int Read(Span<float> destination);

    /// <summary>
    /// Reads every remaining sample. Holds the whole audio in memory: 64 KB per second at 16 kHz.
    /// <paramref name="cancellation"/> also ends a read that is waiting for input, where the source can end it
    /// (see <see cref="Interrupt"/>: ffmpeg's output, standard input, a pipe).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public float[] ReadToEnd(CancellationToken cancellation = default)
    {
        var all = new List<float>();
        var chunk = new float[16384];
        try
        {
            using var interruption = cancellation.Register(Interrupt);
            int read;
            while ((read = Read(chunk)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                all.AddRange(chunk.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException e) when (cancellation.IsCancellationRequested && e.CancellationToken != cancellation)
        {
            throw new OperationCanceledException(e.Message, e, cancellation); // the interrupted source's, as the caller's
        }
        cancellation.ThrowIfCancellationRequested(); // an interrupted source may end early
        return [.. all];
    }

    /// <summary>
    /// Ends a <see cref="Read"/> that is waiting for input (a decoder, a pipe), if the source can: the input is
    /// abandoned, and that read and every later one return 0 or throw <see cref="OperationCanceledException"/>.
    /// May be called on any thread (on the reader's own when <see cref="ReadToEnd"/>'s token is already cancelled)
    /// and must not throw. By default nothing: files on disk never keep a read waiting; wrappers pass it on.
    /// </summary>
    protected internal virtual void Interrupt()
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the input (files, processes).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
