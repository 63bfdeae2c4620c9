using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt evaluate MODEL CORPUS</c>: word error rate of a model on a corpus's test splits.</summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model") { Description = "A model directory, ggml file or name" };
        var corpus = new Argument<string>("corpus") { Description = "A corpus built by stt corpus" };
        var limit = new Option<int?>("--limit") { Description = "At most this many utterances per split" }.AtLeast(1);
        var beamSize = TranscribeCommand.BeamSize();
        var transcripts = new Option<string?>("--transcripts") { Description = "Also write each utterance's reference and transcript to this TSV file" };
        var languageModelWeight = TranscribeCommand.LanguageModelWeight();
        var wordLanguageModelWeight = TranscribeCommand.WordLanguageModelWeight();
        var command = new Command("evaluate", "Measure word error rates on a corpus's test splits (temperature 0)") { model, corpus, limit, beamSize, transcripts, languageModelWeight, wordLanguageModelWeight };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            string corpusDirectory = parsed.GetValue(corpus)!;
            string? transcriptsPath = parsed.GetValue(transcripts);
            if (transcriptsPath is not null && Path.GetFullPath(transcriptsPath) == Path.GetFullPath(Corpus.ManifestPath(corpusDirectory)))
                throw new UsageException($"--transcripts {transcriptsPath} would overwrite the corpus's manifest");
            if (transcriptsPath is not null)
                CompleteFile.CheckWritable(transcriptsPath);
            var options = new DecodingOptions { Temperatures = [0.0], BeamSize = parsed.GetValue(beamSize) ?? TranscribeCommand.DefaultBeamSize, LanguageModelWeight = parsed.GetValue(languageModelWeight),
                WordLanguageModelWeight = parsed.GetValue(wordLanguageModelWeight) };
            options.Validate();
            string[] splits = [Corpus.TestSeenVoices, Corpus.TestHeldOutVoices];
            var all = Corpus.Read(corpusDirectory);
            if (!all.Any(u => splits.Contains(u.Split)))
                throw new InvalidDataException($"{Corpus.ManifestPath(corpusDirectory)}: no utterance in the test splits ({string.Join(", ", splits)}); "
                    + $"its splits: {string.Join(", ", all.Select(u => u.Split).Distinct().DefaultIfEmpty("none"))}");
            using var recognizer = SpeechRecognizer.Load(ModelRegistry.Resolve(parsed.GetValue(model)!), loggers: loggers);
            options = options with { BeamSize = TranscribeCommand.BeamSizeFor(recognizer, parsed.GetValue(beamSize)) };
            output.WriteLine("| split | utterances | audio (min) | WER | real-time factor |");
            output.WriteLine("|---|---|---|---|---|");
            var byEngine = new List<string>();
            var rows = new List<string> { "split\tvoice\tpath\treference\ttranscript\terrors\twords" };
            string manifestDirectory = Corpus.ManifestDirectory(corpusDirectory);
            foreach (string split in splits)
            {
                var utterances = all.Where(u => u.Split == split).Take(parsed.GetValue(limit) ?? int.MaxValue).ToList();
                var clock = Stopwatch.StartNew();
                var results = utterances.Select(u =>
                {
                    var samples = AudioInput.ReadAll(u.Path);
                    var segments = recognizer.TranscribeAsync(samples, options, cancellation).ToBlockingEnumerable(cancellation);
                    return (Utterance: u, Pair: (u.Text, string.Concat(segments.Select(s => s.Text))));
                }).ToList();
                double minutes = utterances.Sum(u => u.Seconds) / 60;
                output.WriteLine(utterances.Count == 0 ? $"| {split} | 0 | 0.0 | - | - |" : string.Create(CultureInfo.InvariantCulture,
                    $"| {split} | {utterances.Count} | {minutes:F1} | {100 * WordErrorRate.Of(results.Select(r => r.Pair)):F1}% | {minutes * 60 / clock.Elapsed.TotalSeconds:F0}x |"));
                rows.AddRange(results.Select(r => TranscriptRow(manifestDirectory, r.Utterance, r.Pair.Item2)));
                foreach (var engine in results.GroupBy(r => r.Utterance.Voice.Split(':')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    byEngine.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {split} | {engine.Key} | {engine.Count()} | {100 * WordErrorRate.Of(engine.Select(r => r.Pair)):F1}% |"));
                }
            }
            output.WriteLine();
            output.WriteLine("| split | engine | utterances | WER |");
            output.WriteLine("|---|---|---|---|");
            foreach (string row in byEngine)
                output.WriteLine(row);
            if (transcriptsPath is not null)
                CompleteFile.Write(transcriptsPath, file => rows.ForEach(file.WriteLine));
            return ExitCode.Ok;
        })));
        return command;
    }

    /// <summary>One utterance's line of the transcripts file: its split, voice, path (relative to the manifest),
    /// reference, transcript (tabs and line breaks as spaces), word errors and reference words.</summary>
    static string TranscriptRow(string manifestDirectory, Utterance utterance, string transcript)
    {
        var (errors, words) = WordErrorRate.Count(utterance.Text, transcript);
        string cleaned = string.Join(' ', transcript.Split(['\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return string.Join('\t', utterance.Split, utterance.Voice, Path.GetRelativePath(manifestDirectory, utterance.Path), utterance.Text, cleaned,
            errors.ToString(CultureInfo.InvariantCulture), words.ToString(CultureInfo.InvariantCulture));
    }
}
