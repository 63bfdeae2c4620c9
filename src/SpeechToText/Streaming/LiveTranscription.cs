using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using SpeechToText.Audio;

namespace SpeechToText.Streaming;

/// <summary>
/// Runs a <see cref="StreamingTranscriber"/> on a live source: the source is read on its own thread, so that
/// capture never waits for a decode (a microphone would otherwise overrun and lose audio), and the stream is
/// given everything that has arrived each time it is free.
/// </summary>
public static class LiveTranscription
{
    const int ReadSamples = AudioInput.SampleRate / 20; // 50 ms per read
    static readonly TimeSpan ReaderStopTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The events of <paramref name="stream"/> as <paramref name="source"/> delivers audio, until the source ends
    /// or <paramref name="cancellation"/> is signalled; either way the stream is then completed, so what was heard
    /// is committed. <paramref name="heard"/>, if given, sees every chunk of audio before the stream does.
    /// </summary>
    /// <exception cref="AudioInputException">The source failed (after the events of what it delivered).</exception>
    public static IEnumerable<StreamingEvent> Run(StreamingTranscriber stream, AudioSource source, Action<float[]>? heard = null,
        CancellationToken cancellation = default)
    {
        var chunks = Channel.CreateUnbounded<float[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var interruption = stop.Token.Register(source.Interrupt); // a read waiting on ffmpeg ends with the stream
        var reader = Task.Run(() => Read(source, chunks.Writer, stop.Token), CancellationToken.None);
        try
        {
            while (Wait(chunks.Reader, cancellation))
            {
                var events = Push(stream, Arrived(chunks.Reader, heard), cancellation);
                if (events == null)
                    break;
                foreach (var e in events)
                    yield return e;
            }
        }
        finally
        {
            stop.Cancel();
            // A read in progress ends within one period; after that the caller may dispose the source.
            ((IAsyncResult)reader).AsyncWaitHandle.WaitOne(ReaderStopTimeout);
        }
        // What arrived after the last push (during a decode the cancellation ended, or since) was heard all the same.
        if (Arrived(chunks.Reader, heard) is { Length: > 0 } late && Push(stream, late, cancellation) is { } lateEvents)
        {
            foreach (var e in lateEvents)
                yield return e;
        }
        foreach (var e in stream.Complete(CancellationToken.None)) // committed even after cancellation
            yield return e;
        if (reader.IsFaulted)
            throw reader.Exception.InnerException ?? reader.Exception;
    }

    /// <summary>
    /// The events of <paramref name="stream"/> fed <paramref name="source"/> (a recording, read faster than real time)
    /// on this thread, 50 ms at a time, as a live source would deliver it were every decode instant: the stream
    /// decodes every chunk of new audio as it would live, and the events do not depend on the machine's speed.
    /// When the source ends or <paramref name="cancellation"/> is signalled, the stream is completed.
    /// </summary>
    /// <exception cref="AudioInputException">The source failed (after the events of what it delivered).</exception>
    public static IEnumerable<StreamingEvent> Replay(StreamingTranscriber stream, AudioSource source, Action<float[]>? heard = null,
        CancellationToken cancellation = default)
    {
        var buffer = new float[ReadSamples];
        Exception? failure = null;
        while (!cancellation.IsCancellationRequested)
        {
            int read;
            try
            {
                read = source.Read(buffer);
            }
            catch (Exception e)
            {
                failure = e; // after what the source delivered is committed
                break;
            }
            if (read == 0)
                break;
            var chunk = buffer[..read];
            heard?.Invoke(chunk);
            var events = Push(stream, chunk, cancellation);
            if (events == null)
                break;
            foreach (var e in events)
                yield return e;
        }
        foreach (var e in stream.Complete(CancellationToken.None))
            yield return e;
        if (failure != null)
            ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The audio of every chunk that has arrived, in order; <paramref name="heard"/> sees each chunk first.</summary>
    static float[] Arrived(ChannelReader<float[]> chunks, Action<float[]>? heard)
    {
        var arrived = new List<float>();
        while (chunks.TryRead(out var chunk))
        {
            heard?.Invoke(chunk);
            arrived.AddRange(chunk);
        }
        return [.. arrived];
    }

    /// <summary>The events of <paramref name="samples"/>, or null when cancelled during their decode.</summary>
    static IReadOnlyList<StreamingEvent>? Push(StreamingTranscriber stream, float[] samples, CancellationToken cancellation)
    {
        try
        {
            return stream.Push(samples, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null; // the audio is in the stream; Complete decodes it
        }
    }

    static void Read(AudioSource source, ChannelWriter<float[]> chunks, CancellationToken stop)
    {
        try
        {
            var buffer = new float[ReadSamples];
            int read;
            while (!stop.IsCancellationRequested && (read = source.Read(buffer)) > 0)
                chunks.TryWrite(buffer[..read]);
            chunks.TryComplete();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            chunks.TryComplete(); // the source was interrupted: what it delivered is the audio
        }
        catch (Exception e) when (e is AudioInputException or IOException or ObjectDisposedException)
        {
            chunks.TryComplete(e);
            throw;
        }
    }

    /// <summary>Waits for audio; false when the source has ended (or failed) or the caller cancelled.</summary>
    static bool Wait(ChannelReader<float[]> chunks, CancellationToken cancellation)
    {
        try
        {
            return chunks.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception) when (chunks.Completion.IsFaulted)
        {
            return false; // the reader's error is thrown once the stream is completed
        }
    }
}
