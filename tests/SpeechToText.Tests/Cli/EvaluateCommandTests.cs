using System.Globalization;
using SpeechToText.Cli;
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
            Assert.All(engines, e => Assert.Contains(e[1], new[] { "espeak-ng", "flite", "festival" }));
            Assert.Equal(3, engines.Sum(e => int.Parse(e[2], CultureInfo.InvariantCulture)));
        }
    }
}
