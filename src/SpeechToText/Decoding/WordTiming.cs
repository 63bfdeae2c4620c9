namespace SpeechToText.Decoding;

/// <summary>
/// Gives a window's segments their words from the window's alignment (<see cref="WordAligner"/>), with the
/// reference's corrections, which exist because dynamic time warping lets a word absorb the pause beside it.
/// </summary>
/// <remarks>
/// In order: a word longer than twice the median word length (at most 0.7 s) is cut back when it is a sentence
/// end, or cut to that length from its end when it follows one. Opening punctuation joins the next word,
/// closing punctuation the previous one (which keeps its times). Each segment takes the words of its tokens,
/// times rounded to 10 ms. The first word after a pause (its end more than four median lengths after the last
/// speech) that is too long, alone or with the second, is shortened to twice the median. A segment keeps its own
/// start when its first word starts more than 0.5 s before it (the word is moved), and its own end when its last
/// word ends more than 0.5 s after it; otherwise it spans its words.
/// </remarks>
public static class WordTiming
{
    const double MaxMedianWordSeconds = 0.7;
    /// <summary>Punctuation that joins the word after it.</summary>
    internal const string PrependedPunctuation = "\"'“¿([{-";
    /// <summary>Punctuation that joins the word before it.</summary>
    internal const string AppendedPunctuation = "\"'.。,，!！?？:：”)]}、";
    const string SentenceEnds = ".。!！?？";

    /// <summary>
    /// <paramref name="segments"/>, consecutive in one window that starts <paramref name="offset"/> seconds into the
    /// audio, given their words from <paramref name="alignment"/> (the window's text tokens, those below
    /// <paramref name="endOfText"/>, aligned together); <paramref name="lastSpeech"/> is where the last speech before
    /// the window ended, in seconds.
    /// </summary>
    public static IReadOnlyList<Segment> Attach(IReadOnlyList<Segment> segments, IReadOnlyList<AlignedWord> alignment,
        double offset, double lastSpeech, int endOfText)
    {
        var words = alignment.ToList();
        var durations = words.Select(w => w.End - w.Start).Where(d => d != 0).ToList();
        double median = Math.Min(MaxMedianWordSeconds, Median(durations));
        double max = 2 * median;
        if (durations.Count > 0)
            CutAtSentenceEnds(words, max);
        MergePunctuation(words);

        var result = new List<Segment>();
        int next = 0;
        foreach (var segment in segments)
        {
            int textTokens = segment.Tokens.Count(t => t < endOfText);
            var timed = new List<Word>();
            for (int taken = 0; next < words.Count && taken < textTokens; next++)
            {
                var word = words[next];
                if (word.Text.Length > 0)
                    timed.Add(new Word(Math.Round(offset + word.Start, 2), Math.Round(offset + word.End, 2), word.Text, word.Probability));
                taken += word.Tokens;
            }
            if (timed.Count == 0)
            {
                result.Add(segment with { Words = timed });
                continue;
            }
            ShortenAfterPause(timed, lastSpeech, median);
            var (start, end) = (segment.Start, segment.End);
            if (start < timed[0].End && start - 0.5 > timed[0].Start)
                timed[0] = timed[0] with { Start = Math.Max(0, Math.Min(timed[0].End - median, start)) };
            else
                start = timed[0].Start;
            if (end > timed[^1].Start && end + 0.5 < timed[^1].End)
                timed[^1] = timed[^1] with { End = Math.Max(timed[^1].Start + median, end) };
            else
                end = timed[^1].End;
            lastSpeech = end;
            result.Add(segment with { Start = start, End = end, Words = timed });
        }
        return result;
    }

    /// <summary>Where the speech of <paramref name="segments"/> ends: the end of their last word, else of the last segment; null for none.</summary>
    internal static double? LastEnd(IReadOnlyList<Segment> segments) =>
        segments.SelectMany(s => s.Words ?? []).LastOrDefault()?.End ?? (segments.Count > 0 ? segments[^1].End : null);

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); 0 for none.</summary>
    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return 0;
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>A sentence end longer than <paramref name="max"/> loses its tail; a word after one, its head.</summary>
    static void CutAtSentenceEnds(List<AlignedWord> words, double max)
    {
        for (int i = 1; i < words.Count; i++)
        {
            var word = words[i];
            if (word.End - word.Start <= max)
                continue;
            if (SentenceEnds.Contains(word.Text, StringComparison.Ordinal))
                words[i] = word with { End = word.Start + max };
            else if (SentenceEnds.Contains(words[i - 1].Text, StringComparison.Ordinal))
                words[i] = word with { Start = word.End - max };
        }
    }

    /// <summary>
    /// Opening punctuation after a space joins the next word; closing punctuation joins the word before it unless
    /// that ends with a space. The joined word keeps its own times; the punctuation is left empty, without tokens.
    /// </summary>
    static void MergePunctuation(List<AlignedWord> words)
    {
        for (int i = words.Count - 2, following = words.Count - 1; i >= 0; i--)
        {
            var word = words[i];
            if (word.Text.StartsWith(' ') && PrependedPunctuation.Contains(word.Text.Trim(), StringComparison.Ordinal))
            {
                words[following] = words[following] with { Text = word.Text + words[following].Text, Tokens = word.Tokens + words[following].Tokens };
                words[i] = word with { Text = "", Tokens = 0 };
            }
            else
            {
                following = i;
            }
        }
        for (int previous = 0, j = 1; j < words.Count; j++)
        {
            var word = words[j];
            if (!words[previous].Text.EndsWith(' ') && AppendedPunctuation.Contains(word.Text, StringComparison.Ordinal))
            {
                words[previous] = words[previous] with { Text = words[previous].Text + word.Text, Tokens = words[previous].Tokens + word.Tokens };
                words[j] = word with { Text = "", Tokens = 0 };
            }
            else
            {
                previous = j;
            }
        }
    }

    /// <summary>
    /// When the first of <paramref name="words"/> ends more than four <paramref name="median"/> lengths after
    /// <paramref name="lastSpeech"/> and it (or it with the second) is too long, the pause it absorbed is given back:
    /// a too-long second word gives part of its length to the first, and the first is cut to twice the median.
    /// </summary>
    static void ShortenAfterPause(List<Word> words, double lastSpeech, double median)
    {
        double max = 2 * median;
        bool afterPause = words[0].End - lastSpeech > 4 * median;
        bool tooLong = words[0].End - words[0].Start > max || (words.Count > 1 && words[1].End - words[0].Start > 2 * max);
        if (!afterPause || !tooLong)
            return;
        if (words.Count > 1 && words[1].End - words[1].Start > max)
        {
            // The reference's boundary: half the second word's end (in seconds from the audio's start) or its end less the maximum, the later.
            double boundary = Math.Max(words[1].End / 2, words[1].End - max);
            words[0] = words[0] with { End = boundary };
            words[1] = words[1] with { Start = boundary };
        }
        words[0] = words[0] with { Start = Math.Max(0, words[0].End - max) };
    }
}
