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
        var ctcWeight = TranscribeCommand.CtcWeight();
        var command = new Command("evaluate", "Measure word error rates on a corpus's test splits (temperature 0)")
        {
            model, corpus, limit, beamSize, transcripts, languageModelWeight, wordLanguageModelWeight, ctcWeight,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            string corpusDirectory = parsed.GetValue(corpus)!;
            string? transcriptsPath = parsed.GetValue(transcripts);
            if (transcriptsPath is not null && Path.GetFullPath(transcriptsPath) == Path.GetFullPath(Corpus.ManifestPath(corpusDirectory)))
                throw new UsageException($"--transcripts {transcriptsPath} would overwrite the corpus's manifest");
            if (transcriptsPath is not null)
                CompleteFile.CheckWritable(transcriptsPath);
            var options = new DecodingOptions { Temperatures = [0.0], BeamSize = parsed.GetValue(beamSize) ?? TranscribeCommand.DefaultBeamSize, LanguageModelWeight = parsed.GetValue(languageModelWeight),
                WordLanguageModelWeight = parsed.GetValue(wordLanguageModelWeight), CtcWeight = parsed.GetValue(ctcWeight) };
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
            var byCorpus = new List<(string Split, string Corpus, IReadOnlyList<(string, string)> Pairs)>();
            var rows = new List<string> { "split\tvoice\tpath\treference\ttranscript\terrors\twords" };
            var silences = new List<string>();
            string manifestDirectory = Corpus.ManifestDirectory(corpusDirectory);
            var sourceCorpus = SourceCorpora(all.Where(u => splits.Contains(u.Split)));
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
                rows.AddRange(results.Select(r => TranscriptRow(manifestDirectory, r.Utterance, r.Pair.Item2)));
                var withoutSpeech = results.ToLookup(r => WithoutSpeech(r.Utterance));
                if (withoutSpeech.Contains(true))
                    silences.Add(SilenceRow(split, [.. withoutSpeech[true].Select(r => r.Pair.Item2)]));
                results = [.. withoutSpeech[false]];
                string rate = results.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100 * WordErrorRate.Of(results.Select(r => r.Pair)):F1}%");
                output.WriteLine(utterances.Count == 0 ? $"| {split} | 0 | 0.0 | - | - |" : string.Create(CultureInfo.InvariantCulture,
                    $"| {split} | {utterances.Count} | {minutes:F1} | {rate} | {minutes * 60 / clock.Elapsed.TotalSeconds:F0}x |"));
                foreach (var engine in results.GroupBy(r => r.Utterance.Voice.Split(':')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
                    byEngine.Add(BreakdownRow(split, engine.Key, engine.Count(), 100 * WordErrorRate.Of(engine.Select(r => r.Pair))));
                byCorpus.AddRange(results.GroupBy(r => sourceCorpus(r.Utterance))
                    .Select(g => (split, g.Key, (IReadOnlyList<(string, string)>)[.. g.Select(r => r.Pair)])));
            }
            output.WriteLine();
            output.WriteLine("| split | engine | utterances | WER |");
            output.WriteLine("|---|---|---|---|");
            foreach (string row in byEngine)
                output.WriteLine(row);
            if (byCorpus.GroupBy(c => c.Split).Any(split => split.Count() > 1))
                WriteByCorpus(output, byCorpus);
            if (silences.Count > 0)
            {
                output.WriteLine();
                output.WriteLine("| split | recordings without speech | given words | words written |");
                output.WriteLine("|---|---|---|---|");
                silences.ForEach(output.WriteLine);
            }
            if (transcriptsPath is not null)
                CompleteFile.Write(transcriptsPath, file => rows.ForEach(file.WriteLine));
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }

    /// <summary>
    /// The corpus each of <paramref name="utterances"/> comes from: the first directory below the deepest one all their
    /// recordings share (a joint manifest of <c>/work/corpus/v2/wav/...</c> and <c>/work/corpus/v8/wav/...</c>: <c>v2</c>
    /// and <c>v8</c>; one corpus's own manifest: its split directories, one in each split), or <c>.</c> for a recording
    /// in that directory itself.
    /// </summary>
    static Func<Utterance, string> SourceCorpora(IEnumerable<Utterance> utterances)
    {
        static string[] Directories(Utterance u) => Path.GetDirectoryName(Path.GetFullPath(u.Path))!.Split(Path.DirectorySeparatorChar);
        string[]? shared = null;
        foreach (string[] directories in utterances.Select(Directories))
            shared = shared == null ? directories : [.. shared.Zip(directories).TakeWhile(pair => pair.First == pair.Second).Select(pair => pair.First)];
        shared ??= [];
        return utterance =>
        {
            string[] directories = Directories(utterance);
            return directories.Length > shared.Length ? directories[shared.Length] : ".";
        };
    }

    /// <summary>
    /// Each source corpus's word error rate in each split, in the manifest's order, and the mean of those rates (each
    /// corpus counting alike, however many words its rows have).
    /// </summary>
    static void WriteByCorpus(TextWriter output, List<(string Split, string Corpus, IReadOnlyList<(string, string)> Pairs)> byCorpus)
    {
        output.WriteLine();
        output.WriteLine("| split | corpus | utterances | WER |");
        output.WriteLine("|---|---|---|---|");
        foreach (var split in byCorpus.GroupBy(c => c.Split))
        {
            var rates = new List<double>();
            foreach (var (_, corpus, pairs) in split) // in the manifest's order
            {
                rates.Add(100 * WordErrorRate.Of(pairs));
                output.WriteLine(BreakdownRow(split.Key, corpus, pairs.Count, rates[^1]));
            }
            output.WriteLine(BreakdownRow(split.Key, $"mean of {rates.Count}", split.Sum(c => c.Pairs.Count), rates.Average()));
        }
    }

    /// <summary>Whether <paramref name="utterance"/> holds no speech: its transcript has no word (noise, hum, silence).</summary>
    static bool WithoutSpeech(Utterance utterance) => WordErrorRate.Count(utterance.Text, "").ReferenceWords == 0;

    /// <summary>
    /// A row of the table of recordings without speech, which have no word error rate (no reference words): how many
    /// of <paramref name="transcripts"/> have words, and how many words they have.
    /// </summary>
    static string SilenceRow(string split, IReadOnlyList<string> transcripts)
    {
        var words = transcripts.Select(t => WordErrorRate.Count("", t).Errors).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"| {split} | {transcripts.Count} | {words.Count(w => w > 0)} | {words.Sum()} |");
    }

    /// <summary>A row of a breakdown table: the split, the part of it (an engine, a corpus), its utterances and WER.</summary>
    static string BreakdownRow(string split, string part, int utterances, double wordErrorPercent) =>
        string.Create(CultureInfo.InvariantCulture, $"| {split} | {part} | {utterances} | {wordErrorPercent:F1}% |");

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
