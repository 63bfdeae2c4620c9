using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SpeechToText.Training;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt corpus OUT</c>: synthesises a speech corpus with espeak-ng, flite and festival (and, if asked, Pico, RHVoice and MBROLA).</summary>
internal static class CorpusCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var directory = new Argument<string>("directory") { Description = "Where to write wav/ and manifest.tsv" };
        var train = new Option<int>("--train") { Description = "Training utterances", DefaultValueFactory = _ => 20000 }.AtLeast(0);
        var test = new Option<int>("--test") { Description = "Utterances in each test split (seen voices, held-out voices)", DefaultValueFactory = _ => 300 }.AtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => 1 };
        var workers = new Option<int>("--workers") { Description = "Parallel synthesis processes", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var testOnly = new Option<bool>("--test-splits-only")
        {
            Description = "Synthesise only the test splits, the same recordings as the whole corpus of these options (to evaluate without its training split)",
        };
        var catalan = new Option<bool>("--catalan-voice")
        {
            Description = "Also have festival's Catalan voice ona (a woman) read English, a quarter of the training and seen-voice utterances, with a Catalan accent",
        };
        var catalanShare = new Option<double?>("--catalan-share")
        {
            Description = "Have the Catalan voice read this share of the training and seen-voice utterances (more than 0, less than 1; --catalan-voice is a quarter)",
        };
        var nonFree = new Option<bool>("--non-free-voices")
        {
            Description = "Also have the voices of Debian's contrib and non-free sections (SVOX Pico, RHVoice, MBROLA; scripts/install-voices installs them) read the training and seen-voice utterances, each engine as likely as the others",
        };
        var accentShare = new Option<double>("--accent-share")
        {
            Description = "Have espeak-ng's and MBROLA's voices speak this share of their training utterances (0 to 1) with a random accent: "
                + "\"th\" as t/d or f/v, h dropped, final t/d after a consonant dropped, -ing as -in, monophthongs, long for short vowels, final devoicing, v as w",
        };
        var command = new Command("corpus", "Synthesise a training corpus from offline English text (espeak-ng, flite, festival; optionally Pico, RHVoice, MBROLA)")
        {
            directory, train, test, seed, workers, testOnly, catalan, catalanShare, nonFree, accentShare,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            var log = loggers.CreateLogger("corpus");
            var clock = Stopwatch.StartNew();
            bool testSplitsOnly = parsed.GetValue(testOnly);
            int total = (testSplitsOnly ? 0 : parsed.GetValue(train)) + 2 * parsed.GetValue(test);
            if (total == 0)
                throw new UsageException("nothing to synthesise: --train and --test are both 0");
            if (parsed.GetValue(catalanShare) is { } share && !(share > 0 && share < 1))
                throw new UsageException($"--catalan-share must be more than 0 and less than 1, not {share.ToString(CultureInfo.InvariantCulture)}");
            if (parsed.GetValue(accentShare) is var accented && !(accented is >= 0 and <= 1))
                throw new UsageException($"--accent-share must be from 0 to 1, not {accented.ToString(CultureInfo.InvariantCulture)}");
            var voices = new VoiceMix(parsed.GetValue(catalanShare) ?? (parsed.GetValue(catalan) ? VoiceMix.CatalanEngineShare : 0), parsed.GetValue(nonFree));
            var bar = new ProgressBar(error);
            var utterances = Corpus.Build(parsed.GetValue(directory)!, parsed.GetValue(train), parsed.GetValue(test), parsed.GetValue(seed),
                parsed.GetValue(workers), testSplitsOnly, voices, accented, new Progress<int>(n => bar.Report("synthesising", n, total, "utterances")),
                cancellation);
            bar.Finish();
            foreach (var split in utterances.GroupBy(u => u.Split))
                log.LogInformation("{Split}: {Count} utterances, {Hours:F2} h", split.Key, split.Count(), split.Sum(u => u.Seconds) / 3600);
            log.LogInformation("done in {Seconds:F0} s", clock.Elapsed.TotalSeconds);
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }
}
