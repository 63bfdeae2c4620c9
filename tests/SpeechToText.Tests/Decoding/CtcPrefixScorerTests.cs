using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

/// <summary>
/// CTC prefix scoring agrees with the definition: over every path of classes through the positions (collapsed by
/// merging repeats and dropping blanks), the probability of the paths whose labelling begins with a prefix, and of
/// those whose labelling is exactly it.
/// </summary>
public sealed class CtcPrefixScorerTests
{
    const int Positions = 5, TextTokens = 2, Blank = TextTokens;

    static float[][] RandomLogProbabilities(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Positions).Select(_ =>
        {
            var weights = Enumerable.Range(0, TextTokens + 1).Select(_ => random.NextDouble() + 0.05).ToArray();
            return weights.Select(w => (float)Math.Log(w / weights.Sum())).ToArray();
        })];
    }

    /// <summary>Every labelling the positions can spell, with its probability, by enumerating every path.</summary>
    static Dictionary<string, double> Labellings(float[][] logProbabilities)
    {
        var labellings = new Dictionary<string, double>();
        int paths = (int)Math.Pow(TextTokens + 1, Positions);
        for (int path = 0; path < paths; path++)
        {
            double logProbability = 0;
            var labels = new List<int>();
            int previous = Blank;
            for (int t = 0, rest = path; t < Positions; t++, rest /= TextTokens + 1)
            {
                int c = rest % (TextTokens + 1);
                logProbability += logProbabilities[t][c];
                if (c != Blank && c != previous)
                    labels.Add(c);
                previous = c;
            }
            string key = string.Concat(labels);
            labellings[key] = labellings.GetValueOrDefault(key) + Math.Exp(logProbability);
        }
        return labellings;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Prefix_and_end_scores_are_the_summed_probabilities_of_the_paths(int seed)
    {
        var logProbabilities = RandomLogProbabilities(seed);
        var labellings = Labellings(logProbabilities);
        // The prefix scores take each position's probabilities to sum to 1; as floats they do to about 1e-7.
        const int Precision = 6;
        var scorer = new CtcPrefixScorer(logProbabilities);

        // Every prefix of up to three labels, repeated labels included ("00" needs a blank between).
        var prefixes = new Queue<(string Text, CtcPrefixScorer.Prefix Prefix)>([("", scorer.Empty)]);
        int checkedPrefixes = 0;
        while (prefixes.TryDequeue(out var current))
        {
            Assert.Equal(labellings.GetValueOrDefault(current.Text), Math.Exp(current.Prefix.EndScore), Precision);
            checkedPrefixes++;
            if (current.Text.Length == 3)
                continue;
            var next = scorer.NextScores(current.Prefix, [0, 1]);
            for (int c = 0; c < TextTokens; c++)
            {
                string text = current.Text + c;
                double expected = labellings.Where(l => l.Key.StartsWith(text, StringComparison.Ordinal)).Sum(l => l.Value);
                Assert.Equal(expected, Math.Exp(next[c]), Precision);
                var extended = scorer.Extend(current.Prefix, c);
                Assert.Equal(next[c], extended.Score);
                prefixes.Enqueue((text, extended));
            }
        }
        Assert.Equal(1 + 2 + 4 + 8, checkedPrefixes);
        Assert.Equal(0, scorer.Empty.Score);
    }

    [Fact]
    public void A_labelling_longer_than_the_positions_allow_is_impossible()
    {
        var scorer = new CtcPrefixScorer(RandomLogProbabilities(4)[..2]);
        var a = scorer.Extend(scorer.Empty, 0);
        var next = scorer.NextScores(a, [0, 1]);

        Assert.True(next[1] > double.NegativeInfinity);         // "01": one label a position
        Assert.Equal(double.NegativeInfinity, next[0]);          // "00" needs a blank between: three positions
    }

    [Fact]
    public void The_blank_another_class_or_a_prefix_of_other_positions_is_refused()
    {
        var scorer = new CtcPrefixScorer(RandomLogProbabilities(5));
        var shorter = new CtcPrefixScorer(RandomLogProbabilities(5)[..3]);

        Assert.Throws<ArgumentOutOfRangeException>(() => scorer.NextScores(scorer.Empty, [Blank]));
        Assert.Throws<ArgumentOutOfRangeException>(() => scorer.Extend(scorer.Empty, -1));
        Assert.Throws<ArgumentException>(() => scorer.Extend(shorter.Empty, 0));
    }

    [Fact]
    public void Positions_without_classes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CtcPrefixScorer([]));
        Assert.Throws<ArgumentException>(() => new CtcPrefixScorer([[0f]]));
        Assert.Throws<ArgumentException>(() => new CtcPrefixScorer([[-1f, -1f], [-1f, -1f, -1f]]));
    }
}
