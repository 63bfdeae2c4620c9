using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Cli.Commands;

/// <summary>
/// <c>stt language-model OUT</c>: counts a character language model of the sentences the corpora draw from
/// (never a held-out one), in the bundled model's alphabet, for beam search to fuse.
/// </summary>
internal static class LanguageModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = $"The language model to write, or a model directory to write it into (as {CharacterLanguageModel.FileName})" };
        var order = new Option<int>("--order") { Description = "Longest n-gram, in characters", DefaultValueFactory = _ => 6 };
        var minCount = new Option<int>("--min-count") { Description = "Drop n-grams (longer than one character) seen fewer times", DefaultValueFactory = _ => 2 };
        var weight = new Option<double>("--weight") { Description = "The fusion weight stored with it (0: not used unless --lm-weight asks)", DefaultValueFactory = _ => 0 };
        var command = new Command("language-model", "Count a character language model of the training sentences (held-out ones excluded)") { file, order, minCount, weight };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            var log = loggers.CreateLogger("language-model");
            if (parsed.GetValue(order) is < 1 or > CharacterLanguageModel.MaxOrder)
                throw new UsageException($"--order must be 1 to {CharacterLanguageModel.MaxOrder}");
            if (parsed.GetValue(minCount) < 1)
                throw new UsageException("--min-count must be 1 or more");
            if (!CharacterLanguageModel.IsValidWeight(parsed.GetValue(weight)))
                throw new UsageException("--weight must be a finite number, 0 or more");
            string path = parsed.GetValue(file)!;
            if (Directory.Exists(path))
                path = Path.Combine(path, CharacterLanguageModel.FileName);
            CompleteFile.CheckWritable(path); // before minutes of counting
            var clock = Stopwatch.StartNew();
            var sentences = SentenceSources.Load().Where(s => !SentenceSources.IsHeldOut(s)).ToList();
            var model = CharacterLanguageModel.Train(sentences, ModelRecipe.Characters, parsed.GetValue(order), parsed.GetValue(minCount), parsed.GetValue(weight));
            model.Save(path);
            log.LogInformation("{Sentences} sentences ({Characters} characters): {Path}, {Megabytes:F1} MB, in {Seconds:F0} s",
                sentences.Count, sentences.Sum(s => s.Length + 1), path, new FileInfo(path).Length / 1e6, clock.Elapsed.TotalSeconds);
            return ExitCode.Ok;
        })));
        return command;
    }
}
