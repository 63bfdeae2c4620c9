using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SpeechToText.Tests.Streaming;

/// <summary>
/// A private PulseAudio daemon whose microphone hears what is played into it (scripts/virtual-mic), started for
/// the tests of one class and stopped after them. While it runs, PULSE_SERVER names its socket, so ALSA's "pulse"
/// device is its microphone.
/// </summary>
public sealed partial class VirtualMicrophone : IDisposable
{
    readonly TempDirectory _directory = new();
    readonly string? _previousServer = Environment.GetEnvironmentVariable("PULSE_SERVER");

    /// <summary>
    /// The ALSA device to capture from. "default" is the same in a fresh process such as stt live, but libasound
    /// decides what "default" is once, when it first loads its configuration, and other tests may have used ALSA
    /// in this process before the daemon ran.
    /// </summary>
    public const string Device = "pulse";

    public VirtualMicrophone()
    {
        Script("start");
        SetServer($"unix:{_directory.Path}/native");
    }

    /// <summary>
    /// Starts playing <paramref name="wav"/> into the microphone at real-time pace; disposing the playback stops it,
    /// so that a test which stops listening early does not leave the rest of its sample to the next test.
    /// </summary>
    public Playback Play(string wav) => new(Start("play", wav));

    /// <summary>One file playing into the microphone.</summary>
    public sealed class Playback(Process player) : IDisposable
    {
        public bool HasExited => player.HasExited;

        public Task WaitForExitAsync() => player.WaitForExitAsync();

        public void Dispose()
        {
            if (!player.HasExited)
                player.Kill();
            player.WaitForExit();
            player.Dispose();
        }
    }

    public void Dispose()
    {
        SetServer(_previousServer);
        Script("stop");
        _directory.Dispose();
    }

    /// <summary>Sets PULSE_SERVER for libasound: .NET's own environment is not the native one on Unix.</summary>
    static void SetServer(string? server)
    {
        int result = server == null ? unsetenv("PULSE_SERVER") : setenv("PULSE_SERVER", server, 1);
        if (result != 0)
            throw new InvalidOperationException($"PULSE_SERVER could not be set (errno {Marshal.GetLastPInvokeError()})");
        Environment.SetEnvironmentVariable("PULSE_SERVER", server);
    }

    /// <summary>
    /// Sends SIGTERM to process <paramref name="pid"/>: stt handles it as Ctrl+C. (SIGINT itself is ignored by
    /// processes started from a background job of a non-interactive shell, as a CI runner may start the tests.)
    /// </summary>
    public static void Stop(int pid)
    {
        if (kill(pid, 15) != 0)
            throw new InvalidOperationException($"SIGTERM could not be sent to {pid} (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int unsetenv(string name);

    void Script(string command)
    {
        using var process = Start(command);
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/virtual-mic {command} failed: {error}");
    }

    Process Start(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "virtual-mic"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(_directory.Path);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("scripts/virtual-mic did not start");
    }
}
