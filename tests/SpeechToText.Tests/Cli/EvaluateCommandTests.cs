using System.Globalization;
using SpeechToText.Cli;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Tests.Cli;

public sealed class EvaluateCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The cells of the markdown table rows whose first cell is <paramref name="split"/>.</summary>
    static List<string[]> Rows(string output, string split) =>
        [.. output.Split('\n').Where(l => l.StartsWith($"| {split} |", StringComparison.Ordinal))
            .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray())];

    [Fact]
    public void Reports_each_test_split_and_each_engine_within_it()
    {
        string corpus = _temp.File("corpus");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 3, seed: 4, workers: 2);

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, corpus, "--limit", "3", "--beam-size", "2");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        foreach (string split in new[] { Corpus.TestSeenVoices, Corpus.TestHeldOutVoices })
        {
            var rows = Rows(result.Output, split);
            var whole = rows.Single(r => r.Length == 5);
            var engines = rows.Where(r => r.Length == 4).ToList();
            Assert.Equal(3, int.Parse(whole[1], CultureInfo.InvariantCulture));
            Assert.EndsWith("%", whole[3]);
            Assert.NotEmpty(engines);
            Assert.All(engines, e => Assert.Contains(e[1], Voice.Training.Concat(Voice.HeldOut).Select(v => v.Engine)));
            Assert.Equal(3, engines.Sum(e => int.Parse(e[2], CultureInfo.InvariantCulture)));
        }
        Assert.DoesNotContain("| corpus |", result.Output, StringComparison.Ordinal); // one corpus: nothing to break down
    }

    [Fact]
    public void Writes_each_utterances_reference_and_transcript_with_its_errors_when_asked()
    {
        string corpus = _temp.File("corpus"), transcripts = _temp.File("transcripts.tsv");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 2, seed: 4, workers: 2);

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, corpus, "--limit", "2", "--beam-size", "1", "--transcripts", transcripts);

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var lines = File.ReadAllLines(transcripts);
        Assert.Equal("split\tvoice\tpath\treference\ttranscript\terrors\twords", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(4, rows.Count);
        var test = Corpus.Read(corpus).Where(u => u.Split != Corpus.Train).ToList();
        Assert.All(rows, r => Assert.Equal(7, r.Length));
        Assert.All(rows, r => Assert.Contains(test, u => u.Split == r[0] && u.Voice == r[1] && u.Text == r[3] && u.Path == Path.Combine(corpus, r[2])));
        Assert.All(rows, r => Assert.Equal(WordErrorRate.Count(r[3], r[4]), (int.Parse(r[5], CultureInfo.InvariantCulture), int.Parse(r[6], CultureInfo.InvariantCulture))));
        Assert.Contains(rows, r => r[4].Length > 0);
    }

    [Fact]
    public void A_joint_manifest_is_also_reported_by_the_corpus_each_row_comes_from_with_their_mean()
    {
        string reference = File.ReadAllText(Repository.Sample("short.txt")).Trim();
        foreach (string corpus in new[] { "v2", "v8" })
        {
            Directory.CreateDirectory(_temp.File(Path.Combine(corpus, "wav")));
            File.Copy(Repository.Sample("short.wav"), _temp.File(Path.Combine(corpus, "wav", "a.wav")));
        }
        Directory.CreateDirectory(_temp.File("joint"));
        string manifest = _temp.File(Path.Combine("joint", "manifest.tsv"));
        File.WriteAllText(manifest, $"path\ttext\tvoice\tsplit\n../v2/wav/a.wav\t{reference}\tflite:slt\t{Corpus.TestHeldOutVoices}\n"
            + $"../v8/wav/a.wav\t{reference}\tflite:slt\t{Corpus.TestHeldOutVoices}\n../v8/wav/a.wav\tsomething else entirely\tflite:slt\t{Corpus.TestHeldOutVoices}\n");

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, manifest, "--beam-size", "1");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("| split | corpus | utterances | WER |", result.Output, StringComparison.Ordinal);
        var rows = Rows(result.Output, Corpus.TestHeldOutVoices).Where(r => r.Length == 4 && r[1] != "flite").ToList();
        Assert.Equal(["v2", "v8", "mean of 2"], rows.Select(r => r[1]));
        Assert.Equal(["1", "2", "3"], rows.Select(r => r[2]));
        double v2 = double.Parse(rows[0][3].TrimEnd('%'), CultureInfo.InvariantCulture), v8 = double.Parse(rows[1][3].TrimEnd('%'), CultureInfo.InvariantCulture);
        Assert.True(v8 > v2, $"v2 {v2}%, v8 {v8}%: v8 has a row whose reference is not what is said");
        Assert.Equal((v2 + v8) / 2, double.Parse(rows[2][3].TrimEnd('%'), CultureInfo.InvariantCulture), 0.051);
    }

    [Fact]
    public void A_split_without_utterances_has_no_error_rate()
    {
        string manifest = _temp.File("manifest.tsv");
        File.WriteAllText(manifest, $"path\ttext\tvoice\tsplit\n{Repository.Sample("short.wav")}\t{File.ReadAllText(Repository.Sample("short.txt")).Trim()}\tflite:slt\t{Corpus.TestHeldOutVoices}\n");

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, manifest, "--beam-size", "1");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Equal(["test-seen-voices", "0", "0.0", "-", "-"], Rows(result.Output, Corpus.TestSeenVoices).Single());
        var heldOut = Rows(result.Output, Corpus.TestHeldOutVoices);
        Assert.Equal("1", heldOut.Single(r => r.Length == 5)[1]);
        Assert.EndsWith("%", heldOut.Single(r => r.Length == 5)[3]);
    }

    [Fact]
    public void Recordings_without_speech_are_left_out_of_the_error_rate_and_counted_by_the_words_written_for_them()
    {
        const string Split = Corpus.TestHeldOutVoices;
        string reference = File.ReadAllText(Repository.Sample("short.txt")).Trim();
        string silence = _temp.Write("silence.wav", TestAudio.Wav16(new short[16000 * 2]));
        string manifest = _temp.File("manifest.tsv"), transcripts = _temp.File("transcripts.tsv");
        File.WriteAllText(manifest, $"path\ttext\tvoice\tsplit\n{Repository.Sample("short.wav")}\t{reference}\tflite:slt\t{Split}\n"
            + $"{silence}\t\tsilence\t{Split}\n{Repository.Sample("short.wav")}\t\tunlabelled\t{Split}\n"); // speech said to hold none

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, manifest, "--beam-size", "1", "--transcripts", transcripts);

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var written = File.ReadAllLines(transcripts).Skip(1).Select(l => l.Split('\t')).ToDictionary(r => r[1], r => int.Parse(r[5], CultureInfo.InvariantCulture));
        var (errors, words) = WordErrorRate.Count(reference, File.ReadAllLines(transcripts).Skip(1).First(l => l.Contains("flite:slt", StringComparison.Ordinal)).Split('\t')[4]);
        var rows = Rows(result.Output, Split);
        var whole = rows.Single(r => r.Length == 5);
        Assert.Equal("3", whole[1]);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{100.0 * errors / words:F1}%"), whole[3]); // the speech's alone
        Assert.Equal("flite", rows.Single(r => r.Length == 4 && r[3].EndsWith('%'))[1]);
        Assert.Contains("| split | recordings without speech | given words | words written |", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, written["silence"]); // silent throughout: not decoded
        Assert.True(written["unlabelled"] > 0);
        Assert.Equal([Split, "2", "1", $"{written["unlabelled"]}"], rows.Single(r => r.Length == 4 && !r[3].EndsWith('%')));
    }

    [Theory]
    [InlineData("--beam-size", "0")]
    [InlineData("--lm-weight", "-1")]
    [InlineData("--word-lm-weight", "-1")]
    [InlineData("--limit", "0")]
    [InlineData("--limit", "-1")]
    public void Impossible_options_are_refused_before_anything_is_printed(params string[] options)
    {
        string manifest = _temp.File("manifest.tsv");
        File.WriteAllText(manifest, $"path\ttext\tsplit\n{Repository.Sample("short.wav")}\tthe direction\t{Corpus.TestHeldOutVoices}\n");

        var result = SttCommandLine.Run(["evaluate", Repository.BundledModel, manifest, .. options]);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.StartsWith("stt: ", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_transcripts_file_in_a_missing_directory_is_refused_before_decoding()
    {
        string corpus = _temp.File("corpus");
        Corpus.Build(corpus, trainUtterances: 1, testUtterances: 1, seed: 4, workers: 1);
        string transcripts = Path.Combine(_temp.File("missing"), "t.tsv");

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, corpus, "--transcripts", transcripts);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains(transcripts, result.Error);
        Assert.Contains("directory does not exist", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_transcripts_file_that_is_the_manifest_is_refused_and_the_manifest_kept()
    {
        string manifest = _temp.File("manifest.tsv");
        string content = $"path\ttext\tsplit\n{Repository.Sample("short.wav")}\tthe direction\t{Corpus.TestHeldOutVoices}\n";
        File.WriteAllText(manifest, content);

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, manifest, "--transcripts", manifest);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("would overwrite the corpus's manifest", result.Error);
        Assert.Equal(content, File.ReadAllText(manifest));
    }

    [Fact]
    public void A_manifest_without_the_test_splits_is_an_input_error_naming_its_splits()
    {
        string manifest = _temp.File("manifest.tsv");
        File.WriteAllText(manifest, $"path\ttext\n{Repository.Sample("short.wav")}\tthe direction\n");

        var result = SttCommandLine.Run("evaluate", Repository.BundledModel, manifest);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains($"{manifest}: no utterance in the test splits (test-seen-voices, test-heldout-voices); its splits: train", result.Error);
        Assert.Empty(result.Output);
    }
}
