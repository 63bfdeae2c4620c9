namespace SpeechToText.Decoding;

/// <summary>
/// Scores transcripts being written by connectionist temporal classification, for joint CTC/attention beam search:
/// given a window's per-position log-probabilities of the text tokens and a blank (the last class), the
/// log-probability that the audio's labelling begins with a prefix (any labelling whose collapsed form starts with
/// it), and that it is exactly a prefix (the transcript ends there). The recursions are those of CTC's forward
/// algorithm over the positions: for a prefix g, r_n(t) and r_b(t) are the probabilities of having written g by
/// position t with its last label or a blank at t; g + c is begun at t from g's state at t - 1 (from its blank
/// ending only, when c repeats g's last label).
/// </summary>
public sealed class CtcPrefixScorer
{
    readonly float[][] _logProbabilities;
    readonly int _blank;

    /// <summary>
    /// A prefix's forward variables (log r_n and log r_b at each position), its last label (-1 for the empty prefix),
    /// and its prefix log-probability.
    /// </summary>
    public sealed class Prefix
    {
        internal Prefix(double[] nonBlank, double[] blank, int last, double score) =>
            (NonBlank, Blank, Last, Score) = (nonBlank, blank, last, score);

        internal double[] NonBlank { get; }
        internal double[] Blank { get; }
        internal int Last { get; }

        /// <summary>The log-probability that the labelling begins with this prefix (0 for the empty one).</summary>
        public double Score { get; }

        /// <summary>The log-probability that the labelling is exactly this prefix.</summary>
        public double EndScore => LogAdd(NonBlank[^1], Blank[^1]);
    }

    /// <summary>
    /// Scores against <paramref name="logProbabilities"/>: one row a position, each the log-probabilities of the text
    /// tokens followed by the blank.
    /// </summary>
    /// <exception cref="ArgumentException">There is no position, or the rows differ in length or have no text token.</exception>
    public CtcPrefixScorer(float[][] logProbabilities)
    {
        if (logProbabilities.Length == 0)
            throw new ArgumentException("CTC scoring needs at least one position.", nameof(logProbabilities));
        int classes = logProbabilities[0].Length;
        if (classes < 2 || logProbabilities.Any(row => row.Length != classes))
            throw new ArgumentException("Each position needs the same classes: at least one text token and the blank.", nameof(logProbabilities));
        (_logProbabilities, _blank) = (logProbabilities, classes - 1);
        var nonBlank = new double[Positions];
        var blank = new double[Positions];
        Array.Fill(nonBlank, double.NegativeInfinity);
        double sum = 0;
        for (int t = 0; t < Positions; t++)
            blank[t] = sum += logProbabilities[t][_blank];
        Empty = new Prefix(nonBlank, blank, -1, 0);
    }

    /// <summary>The positions scored.</summary>
    public int Positions => _logProbabilities.Length;

    /// <summary>The text tokens scored (ids 0 to this less one).</summary>
    public int TextTokens => _blank;

    /// <summary>The empty prefix, where every transcript begins.</summary>
    public Prefix Empty { get; }

    /// <summary>For each of the text <paramref name="tokens"/> c, the prefix log-probability of <paramref name="prefix"/> + c.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A token is not a text token.</exception>
    public double[] NextScores(Prefix prefix, IReadOnlyList<int> tokens)
    {
        foreach (int token in tokens)
            CheckTextToken(token);
        var begin = Begin(prefix, repeat: false);
        var beginRepeat = tokens.Contains(prefix.Last) ? Begin(prefix, repeat: true) : null;
        return [.. tokens.Select(c => SumOver(c == prefix.Last ? beginRepeat! : begin, c))];
    }

    /// <summary>
    /// The log-probability of beginning a new label at each position after <paramref name="prefix"/>: from its state at
    /// the position before (from its blank ending alone when the label <paramref name="repeat"/>s its last one, which
    /// would otherwise merge with it); at position 0 only when the prefix is empty.
    /// </summary>
    double[] Begin(Prefix prefix, bool repeat)
    {
        var begin = new double[Positions];
        begin[0] = prefix.Last < 0 ? 0 : double.NegativeInfinity;
        for (int t = 1; t < Positions; t++)
            begin[t] = repeat ? prefix.Blank[t - 1] : LogAdd(prefix.NonBlank[t - 1], prefix.Blank[t - 1]);
        return begin;
    }

    void CheckTextToken(int token)
    {
        if (token < 0 || token >= _blank)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"CTC scores text tokens 0 to {_blank - 1}.");
    }

    /// <summary>log Σ_t exp(begin[t] + x[t][token]).</summary>
    double SumOver(double[] begin, int token)
    {
        double max = double.NegativeInfinity;
        for (int t = 0; t < Positions; t++)
            max = Math.Max(max, begin[t] + _logProbabilities[t][token]);
        if (double.IsNegativeInfinity(max))
            return max;
        double sum = 0;
        for (int t = 0; t < Positions; t++)
            sum += Math.Exp(begin[t] + _logProbabilities[t][token] - max);
        return max + Math.Log(sum);
    }

    /// <summary><paramref name="prefix"/> (of these positions) followed by the text token <paramref name="token"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token is not a text token.</exception>
    /// <exception cref="ArgumentException">The prefix was scored over other positions.</exception>
    public Prefix Extend(Prefix prefix, int token)
    {
        CheckTextToken(token);
        if (prefix.Blank.Length != Positions)
            throw new ArgumentException($"The prefix was scored over {prefix.Blank.Length} positions, not these {Positions}.", nameof(prefix));
        var begin = Begin(prefix, repeat: token == prefix.Last);
        var nonBlank = new double[Positions];
        var blank = new double[Positions];
        nonBlank[0] = begin[0] + _logProbabilities[0][token];
        blank[0] = double.NegativeInfinity;
        for (int t = 1; t < Positions; t++)
        {
            nonBlank[t] = LogAdd(nonBlank[t - 1], begin[t]) + _logProbabilities[t][token];
            blank[t] = LogAdd(blank[t - 1], nonBlank[t - 1]) + _logProbabilities[t][_blank];
        }
        return new Prefix(nonBlank, blank, token, SumOver(begin, token));
    }

    static double LogAdd(double a, double b)
    {
        if (a < b)
            (a, b) = (b, a);
        return double.IsNegativeInfinity(b) ? a : a + Math.Log(1 + Math.Exp(b - a));
    }
}
