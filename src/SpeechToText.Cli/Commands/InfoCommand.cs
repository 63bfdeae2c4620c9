using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using SpeechToText.Audio;
using SpeechToText.Modeling;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt info</c>: versions, and whether the programs and libraries stt uses are available.</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("info", "Show versions and whether ffmpeg and libtorch are available");
        command.SetAction(parsed => SttApp.Execute(parsed, error, _ =>
        {
            string version = typeof(SttApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            output.WriteLine($"stt {version.Split('+')[0]}");
            output.WriteLine($"libtorch: {(TorchRuntime.IsAvailable ? TorchRuntime.Version : "unavailable")}");
            output.WriteLine($"ffmpeg: {FfmpegVersion() ?? "not found (needed for formats other than WAV)"}");
            if (!TorchRuntime.IsAvailable)
                TorchRuntime.EnsureAvailable();
            return ExitCode.Ok;
        }));
        return command;
    }

    static string? FfmpegVersion()
    {
        try
        {
            var start = new ProcessStartInfo(FfmpegAudioSource.Executable, "-version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start);
            if (process == null)
                return null;
            string first = process.StandardOutput.ReadLine() ?? "";
            process.WaitForExit();
            return first.StartsWith("ffmpeg version ", StringComparison.Ordinal) ? first["ffmpeg version ".Length..].Split(' ')[0] : first;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
