using Microsoft.Extensions.Logging;

namespace SpeechToText.Audio;

/// <summary>
/// Opens any audio input as mono float samples at 16 kHz, the rate of every Whisper model.
/// WAV files are read by <see cref="WavReader"/> and converted by <see cref="Resampler"/>; every other
/// format, and WAV codecs the reader does not decode, go through ffmpeg.
/// </summary>
public static class AudioInput
{
    /// <summary>The sample rate of all model input, in Hz.</summary>
    public const int SampleRate = 16_000;

    /// <summary>The path that means standard input.</summary>
    public const string StandardInput = "-";

    const int SniffBytes = 12;

    /// <summary>
    /// Opens <paramref name="path"/> ("-" for standard input) as 16 kHz mono audio. <paramref name="cancellation"/>
    /// ends a wait for the first bytes of standard input or a pipe (a writer that is quiet).
    /// </summary>
    /// <exception cref="AudioInputException">The input is missing, empty, corrupt or not audio.</exception>
    /// <exception cref="MissingDependencyException">The input needs ffmpeg, which is not installed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled while the input's first bytes were awaited.</exception>
    public static AudioSource Open(string path, ILogger? logger = null, CancellationToken cancellation = default)
    {
        if (path == StandardInput)
            return Open(Console.OpenStandardInput(), "stdin", logger, cancellation);
        if (Directory.Exists(path))
            throw new AudioInputException(path, "is a directory, not an audio file");
        if (!File.Exists(path))
            throw new AudioInputException(path, "no such file");
        var file = OpenFile(path);
        if (!file.CanSeek)
        {
            // A named pipe or a device (bash's <(...), a FIFO): its bytes can be read once only, so it is read as a stream.
            try
            {
                return new StreamOwner(Open(file, path, logger, cancellation), file);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        byte[] head;
        using (file)
            head = ReadHead(file, path);
        if (head.Length == 0)
            throw new AudioInputException(path, "is empty (0 bytes)");
        if (!LooksLikeWav(head))
            return FfmpegAudioSource.Open(path, SampleRate, logger);
        try
        {
            return To16k(WavReader.Open(path, logger));
        }
        catch (UnsupportedWavCodecException unsupported)
        {
            return OpenWithFfmpegInstead(unsupported, () => FfmpegAudioSource.Open(path, SampleRate, logger));
        }
    }

    /// <summary>
    /// Opens a stream (e.g. standard input, a pipe or a network stream) as 16 kHz mono audio. A read waiting for the
    /// stream's next bytes ends when the source is interrupted (see <see cref="AudioSource.ReadToEnd"/>), and the wait
    /// for its first bytes when <paramref name="cancellation"/> is signalled.
    /// </summary>
    /// <param name="stream">The encoded audio; read forward only.</param>
    /// <param name="name">The input's name for messages.</param>
    /// <param name="logger">Receives warnings.</param>
    /// <param name="cancellation">Ends the wait for the stream's first bytes.</param>
    /// <exception cref="AudioInputException">The stream is empty, corrupt or not audio.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled while the first bytes were awaited.</exception>
    public static AudioSource Open(Stream stream, string name, ILogger? logger = null, CancellationToken cancellation = default)
    {
        var input = new InterruptibleStream(stream, name);
        var prefix = ReadHead(input, cancellation);
        if (prefix.Length == 0)
            throw new AudioInputException(name, "is empty (0 bytes)");
        if (!LooksLikeWav(prefix.Span))
            return FfmpegAudioSource.Open(stream, prefix, name, SampleRate, logger); // ffmpeg's own interrupt ends its wait
        // The WAV reader consumed the header, so a codec it cannot decode cannot be handed to ffmpeg afterwards.
        return new InterruptibleSource(To16k(new WavReader(new PrefixedStream(prefix, input), name, logger)), input);
    }

    /// <summary>Reads all of <paramref name="path"/> as 16 kHz mono samples (64 KB of memory per second of audio).</summary>
    public static float[] ReadAll(string path, ILogger? logger = null, CancellationToken cancellation = default)
    {
        using var source = Open(path, logger, cancellation);
        return source.ReadToEnd(cancellation);
    }

    static AudioSource OpenWithFfmpegInstead(UnsupportedWavCodecException unsupported, Func<AudioSource> openWithFfmpeg)
    {
        try
        {
            return openWithFfmpeg();
        }
        catch (MissingDependencyException missing)
        {
            throw new MissingDependencyException(
                $"{unsupported.Input}: {unsupported.Reason}. ffmpeg decodes it but was not found: install it " +
                $"(Debian/Ubuntu: apt-get install ffmpeg) or set {FfmpegAudioSource.ExecutableVariable} to its path.", missing);
        }
    }

    static AudioSource To16k(AudioSource source) =>
        source.SampleRate == SampleRate ? source : new ResampledAudioSource(source, SampleRate);

    static bool LooksLikeWav(ReadOnlySpan<byte> head) =>
        head.Length >= SniffBytes && (head[..4].SequenceEqual("RIFF"u8) || head[..4].SequenceEqual("RF64"u8)) && head[8..12].SequenceEqual("WAVE"u8);

    static FileStream OpenFile(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, e);
        }
    }

    static byte[] ReadHead(FileStream file, string path)
    {
        try
        {
            var head = new byte[SniffBytes];
            int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return head[..got];
        }
        catch (IOException e)
        {
            throw Unreadable(path, e);
        }
    }

    /// <summary>The stream's first <see cref="SniffBytes"/> bytes, or all of them if it has fewer.</summary>
    static ReadOnlyMemory<byte> ReadHead(InterruptibleStream stream, CancellationToken cancellation)
    {
        var head = new byte[SniffBytes];
        using var interruption = cancellation.Register(stream.Interrupt);
        try
        {
            return head.AsMemory(0, stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false));
        }
        catch (OperationCanceledException e) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Message, e, cancellation);
        }
    }

    static AudioInputException Unreadable(string path, Exception e) => new(path, $"cannot be read: {e.Message}", e);

    /// <summary>A source decoded from a stream that may keep a read waiting: interrupting it ends that read.</summary>
    sealed class InterruptibleSource(AudioSource source, InterruptibleStream stream) : AudioSource
    {
        public override string Name => source.Name;

        public override int SampleRate => source.SampleRate;

        public override int Read(Span<float> destination) => source.Read(destination);

        protected internal override void Interrupt()
        {
            stream.Interrupt();
            source.Interrupt();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                source.Dispose(); // and with it the stream
            base.Dispose(disposing);
        }
    }

    /// <summary>A source read from a stream opened for it: disposing the source closes the stream too.</summary>
    sealed class StreamOwner(AudioSource source, Stream stream) : AudioSource
    {
        public override string Name => source.Name;

        public override int SampleRate => source.SampleRate;

        public override int Read(Span<float> destination) => source.Read(destination);

        protected internal override void Interrupt() => source.Interrupt();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                source.Dispose();
                stream.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
