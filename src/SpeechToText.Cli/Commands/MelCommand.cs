using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Features;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt mel INPUT -o OUT.npy</c>: writes Whisper's log-mel features of an audio input.</summary>
internal static class MelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("input") { Description = "Audio file (WAV, or any format ffmpeg reads), or - for stdin" };
        var outputPath = new Option<string>("--output", "-o") { Description = "Where to write the .npy file (float32, [n_mels, frames])", Required = true };
        var melBins = new Option<int>("--n-mels") { Description = "Mel bins: 80, or 128 for large-v3", DefaultValueFactory = _ => MelFilterbank.Standard };
        melBins.AcceptOnlyFromAmong(MelFilterbank.Standard.ToString(), MelFilterbank.LargeV3.ToString());
        var window = new Option<bool>("--window")
        {
            Description = "Append 30 s of silence first, as the reference transcriber does; its 30 s windows are 3000-frame slices of the result",
        };

        var command = new Command("mel", "Compute Whisper's log-mel spectrogram of an audio input") { input, outputPath, melBins, window };
        command.SetAction(parsed => SttApp.Execute(parsed, error, loggers =>
        {
            var log = loggers.CreateLogger("mel");
            string path = parsed.GetValue(input)!;
            string destination = parsed.GetValue(outputPath)!;
            if (path != AudioInput.StandardInput && Path.GetFullPath(path) == Path.GetFullPath(destination))
                throw new UsageException($"--output {destination} is the input: the spectrogram would replace the audio");
            CompleteFile.CheckWritable(destination);
            var clock = Stopwatch.StartNew();
            using var audio = AudioInput.Open(path, log);
            var spectrogram = LogMelSpectrogram.Compute(
                audio, parsed.GetValue(melBins), parsed.GetValue(window) ? LogMelSpectrogram.WindowSamples : 0);
            NpyFile.Write(destination, spectrogram);
            log.LogInformation("wrote {Output}: {Mels} x {Frames} log-mel ({Seconds:F2} s of audio) in {Elapsed} ms",
                destination, spectrogram.MelBins, spectrogram.Frames, spectrogram.Frames / 100.0, clock.ElapsedMilliseconds);
            return ExitCode.Ok;
        }));
        return command;
    }
}
