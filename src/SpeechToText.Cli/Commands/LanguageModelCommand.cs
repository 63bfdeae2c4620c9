using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SpeechToText.Decoding;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Cli.Commands;

/// <summary>
/// <c>stt language-model OUT</c>: counts a character language model of the sentences the corpora draw from
/// (never a held-out one), in the bundled model's alphabet, for beam search to fuse; with <c>--words</c>, a word
/// n-gram model of the same sentences, fused beside it.
/// </summary>
internal static class LanguageModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file")
        {
            Description = $"The language model to write, or a model directory to write it into (as {CharacterLanguageModel.FileName}, or {WordLanguageModel.FileName} with --words)",
        };
        var words = new Option<bool>("--words") { Description = "Count a word n-gram model (fused beside the character one) instead of a character one" };
        var order = new Option<int?>("--order") { Description = "Longest n-gram, in characters (default 6), or in words with --words (default 3)" };
        var minCount = new Option<int>("--min-count") { Description = "Drop n-grams (longer than one character or word) seen fewer times; with --words, also words", DefaultValueFactory = _ => 2 };
        var weight = new Option<double>("--weight") { Description = "The fusion weight stored with it (0: not used unless --lm-weight or --word-lm-weight asks)", DefaultValueFactory = _ => 0 };
        var command = new Command("language-model", "Count a character (or word) language model of the training sentences (held-out ones excluded)") { file, words, order, minCount, weight };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            var log = loggers.CreateLogger("language-model");
            bool ofWords = parsed.GetValue(words);
            int maxOrder = ofWords ? WordLanguageModel.MaxOrder : CharacterLanguageModel.MaxOrder;
            int chosenOrder = parsed.GetValue(order) ?? (ofWords ? 3 : 6);
            if (chosenOrder < 1 || chosenOrder > maxOrder)
                throw new UsageException($"--order must be 1 to {maxOrder}{(ofWords ? " with --words" : "")}");
            if (parsed.GetValue(minCount) < 1)
                throw new UsageException("--min-count must be 1 or more");
            if (!ScoreWeight.IsValid(parsed.GetValue(weight)))
                throw new UsageException("--weight must be a finite number, 0 or more");
            string path = parsed.GetValue(file)!;
            if (Directory.Exists(path))
                path = Path.Combine(path, ofWords ? WordLanguageModel.FileName : CharacterLanguageModel.FileName);
            CompleteFile.CheckWritable(path); // before minutes of counting
            var clock = Stopwatch.StartNew();
            var sentences = SentenceSources.Load().Where(s => !SentenceSources.IsHeldOut(s)).ToList();
            if (ofWords)
                WordLanguageModel.Train(sentences, ModelRecipe.Characters, chosenOrder, parsed.GetValue(minCount), parsed.GetValue(weight)).Save(path);
            else
                CharacterLanguageModel.Train(sentences, ModelRecipe.Characters, chosenOrder, parsed.GetValue(minCount), parsed.GetValue(weight)).Save(path);
            log.LogInformation("{Sentences} sentences ({Characters} characters): {Path}, {Megabytes:F1} MB, in {Seconds:F0} s",
                sentences.Count, sentences.Sum(s => s.Length + 1), path, new FileInfo(path).Length / 1e6, clock.Elapsed.TotalSeconds);
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }
}
