namespace SpeechToText.Text;

/// <summary>Word error rate: (substitutions + deletions + insertions) / reference words, after <see cref="EnglishTextNormalizer"/>.</summary>
public static class WordErrorRate
{
    /// <summary>Edit operations and reference length of one hypothesis against its reference.</summary>
    public static (int Errors, int ReferenceWords) Count(string reference, string hypothesis)
    {
        var expected = EnglishTextNormalizer.Normalize(reference).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var actual = EnglishTextNormalizer.Normalize(hypothesis).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (EditDistance(expected, actual), expected.Length);
    }

    /// <summary>The word error rate of pairs of (reference, hypothesis), pooled over all words.</summary>
    public static double Of(IEnumerable<(string Reference, string Hypothesis)> pairs)
    {
        long errors = 0, words = 0;
        foreach (var (reference, hypothesis) in pairs)
        {
            var (e, w) = Count(reference, hypothesis);
            errors += e;
            words += w;
        }
        return words == 0 ? 0 : (double)errors / words;
    }

    /// <summary>Levenshtein distance between two sequences.</summary>
    public static int EditDistance<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (int j = 0; j <= b.Count; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Count; j++)
            {
                int substitution = previous[j - 1] + (EqualityComparer<T>.Default.Equals(a[i - 1], b[j - 1]) ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
