using System.CommandLine;
using Microsoft.Extensions.Logging;
using SpeechToText.Checkpoints;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt convert IN OUT</c>: between Hugging Face Whisper directories and whisper.cpp ggml files.</summary>
internal static class ConvertCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("input") { Description = "A Hugging Face Whisper directory or a ggml .bin file" };
        var destination = new Argument<string>("output") { Description = "A .bin path for ggml, anything else for a Hugging Face directory" };
        var type = new Option<string?>("--type") { Description = "f32 or f16 for the matrices (default: as the input stores them)" };
        type.AcceptOnlyFromAmong("f32", "f16");
        var command = new Command("convert", "Convert a model between the Hugging Face and whisper.cpp formats") { input, destination, type };
        command.SetAction(parsed => SttApp.Execute(parsed, error, loggers =>
        {
            string from = parsed.GetValue(input)!, to = parsed.GetValue(destination)!;
            var leftOut = CheckpointConverter.Convert(from, to, parsed.GetValue(type) switch { "f16" => true, "f32" => false, _ => null });
            var logger = loggers.CreateLogger("convert");
            foreach (string what in leftOut)
                logger.LogWarning("{Output} has no place for {What}: it is not carried over", to, what);
            logger.LogInformation("wrote {Output}", to);
            return ExitCode.Ok;
        }));
        return command;
    }
}
