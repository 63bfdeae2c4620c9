using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace SpeechToText.Audio;

/// <summary>
/// Decodes any format ffmpeg reads (mp3, flac, ogg/opus, m4a/aac, video containers, ...) by streaming
/// raw samples from an ffmpeg subprocess. Exactly as the reference Whisper implementation loads audio:
/// ffmpeg down-mixes (averaging channels), resamples, and writes 16-bit samples, divided here by 32768.
/// Memory use is bounded: samples are read as they are produced.
/// </summary>
public sealed class FfmpegAudioSource : AudioSource
{
    /// <summary>An environment variable that names the ffmpeg executable to use instead of "ffmpeg" on PATH.</summary>
    public const string ExecutableVariable = "STT_FFMPEG";

    const int StderrLinesKept = 20;

    readonly Process _process;
    readonly RawPcmAudioSource _stdout;
    readonly Queue<string> _stderr = new();
    readonly ILogger? _logger;
    bool _ended;
    volatile bool _interrupted;

    FfmpegAudioSource(string name, int sampleRate, string inputArgument, Stream? stdin, ReadOnlyMemory<byte> stdinPrefix, ILogger? logger)
    {
        Name = name;
        SampleRate = sampleRate;
        _logger = logger;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "-nostdin", "-hide_banner", "-loglevel", "error", "-i", inputArgument,
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", sampleRate.ToString(), "-f", "s16le", "pipe:1",
        })
        {
            start.ArgumentList.Add(argument);
        }
        if (stdin != null)
            start.ArgumentList.Remove("-nostdin");
        try
        {
            _process = Process.Start(start) ?? throw new Win32Exception("the process did not start");
        }
        catch (Win32Exception e)
        {
            throw new MissingDependencyException(
                $"{name}: decoding it needs ffmpeg, which was not found ({Executable}: {e.Message}). " +
                $"Install it (Debian/Ubuntu: apt-get install ffmpeg) or set {ExecutableVariable} to its path.", e);
        }
        _process.ErrorDataReceived += (_, line) =>
        {
            if (string.IsNullOrWhiteSpace(line.Data))
                return;
            lock (_stderr)
            {
                _stderr.Enqueue(line.Data.Trim());
                if (_stderr.Count > StderrLinesKept)
                    _stderr.Dequeue();
            }
        };
        _process.BeginErrorReadLine();
        _stdout = new RawPcmAudioSource(_process.StandardOutput.BaseStream, name, sampleRate);
        if (stdin != null)
            _ = PumpAsync(stdinPrefix, stdin, _process.StandardInput.BaseStream);
    }

    /// <summary>The ffmpeg executable: <see cref="ExecutableVariable"/> if set, else "ffmpeg" on PATH.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : "ffmpeg";

    /// <summary>Starts decoding the file at <paramref name="path"/> to mono at <paramref name="sampleRate"/> Hz.</summary>
    /// <exception cref="MissingDependencyException">ffmpeg is not installed.</exception>
    public static FfmpegAudioSource Open(string path, int sampleRate, ILogger? logger = null) =>
        new(path, sampleRate, "file:" + Path.GetFullPath(path), null, ReadOnlyMemory<byte>.Empty, logger);

    /// <summary>
    /// Starts decoding <paramref name="input"/> (e.g. stdin), whose first bytes were already read into
    /// <paramref name="prefix"/>, to mono at <paramref name="sampleRate"/> Hz.
    /// </summary>
    public static FfmpegAudioSource Open(Stream input, ReadOnlyMemory<byte> prefix, string name, int sampleRate, ILogger? logger = null) =>
        new(name, sampleRate, "pipe:0", input, prefix, logger);

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override int SampleRate { get; }

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        if (_ended)
            return 0;
        int read = _stdout.Read(destination);
        if (read == 0)
            Finish();
        return read;
    }

    void Finish()
    {
        _ended = true;
        _process.WaitForExit();
        if (_interrupted)
            throw new OperationCanceledException($"{Name}: decoding was interrupted");
        if (_process.ExitCode == 0)
            return;
        string message;
        lock (_stderr)
            message = _stderr.Count == 0 ? $"ffmpeg exited with code {_process.ExitCode}" : string.Join(" / ", _stderr);
        _logger?.LogDebug("ffmpeg said: {Message}", message);
        string reason = message.Contains("matches no streams", StringComparison.Ordinal)
            ? "contains no audio stream"
            : $"ffmpeg could not decode it: {message}";
        throw new AudioInputException(Name, reason);
    }

    static async Task PumpAsync(ReadOnlyMemory<byte> prefix, Stream input, Stream ffmpegStdin)
    {
        try
        {
            await ffmpegStdin.WriteAsync(prefix).ConfigureAwait(false);
            await input.CopyToAsync(ffmpegStdin).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it failed or had enough); its exit code tells the story.
        }
        finally
        {
            try
            {
                await ffmpegStdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Stops ffmpeg, which may be waiting for input that is still to come (a pipe left open) and does not always
    /// exit on SIGINT while it waits; the read waiting for its output then ends.
    /// </summary>
    protected internal override void Interrupt()
    {
        _interrupted = true;
        Stop();
    }

    void Stop()
    {
        try
        {
            _process.Kill(); // ffmpeg starts no process of its own
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // already gone, or going
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            base.Dispose(disposing);
            return;
        }
        Stop();
        _process.Dispose();
        base.Dispose(disposing);
    }
}
