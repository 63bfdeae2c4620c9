namespace SpeechToText.Decoding;

/// <summary>
/// The reference's guard against text made up over silence (its hallucination_silence_threshold), which needs word
/// timestamps. A segment is anomalous when its first eight words (punctuation aside) score at least 3, or about one
/// each: a word scores 1 when its probability is below 0.15, more the shorter it is below 0.133 s, and a point a
/// second past 2 s. A window whose first worded segment is anomalous after a silence longer than the threshold is
/// decoded again from that segment's start; an anomalous segment with silence (or another anomaly) on both sides ends
/// the window there, the next one starting at it (at least a second in), or at the end of the audio when less than
/// the threshold is left. A window whose last word leaves no more than the threshold of silence is consumed whole.
/// </summary>
internal static class HallucinationSkipping
{
    const string Punctuation = WordTiming.PrependedPunctuation + WordTiming.AppendedPunctuation;
    const int FramesPerSecond = Transcriber.FramesPerSecond;
    const int WordsJudged = 8;

    /// <summary>Where a decoded window lies, in mel frames, and where its next window would start at its last word.</summary>
    /// <param name="Start">The window's first frame.</param>
    /// <param name="Frames">The audio frames it decoded.</param>
    /// <param name="FullFrames">The frames of a full window (30 s for the reference's models).</param>
    /// <param name="ContentFrames">The audio's frames in all.</param>
    /// <param name="LastWordEnd">
    /// Where its last word ends, in seconds, when the next window starts there: null when its text ended with a lone
    /// timestamp (it was consumed whole) or no word ends after its start.
    /// </param>
    public readonly record struct Window(int Start, int Frames, int FullFrames, int ContentFrames, double? LastWordEnd);

    /// <summary>
    /// The segments of <paramref name="window"/> that are kept (null when the window is to be decoded again from a
    /// later start) and the frame the next window starts at, given <paramref name="seek"/> (where it would start
    /// otherwise), <paramref name="lastSpeech"/> (where the speech before the window ended, in seconds) and the
    /// <paramref name="threshold"/> in seconds.
    /// </summary>
    public static (IReadOnlyList<Segment>? Kept, int Seek) Apply(Window window, IReadOnlyList<Segment> segments, int seek, double lastSpeech, double threshold)
    {
        double offset = Seconds(window.Start), windowEnd = Seconds(window.Start + window.FullFrames);
        if (window.LastWordEnd is { } lastWordEnd && windowEnd - lastWordEnd <= threshold)
            seek = window.Start + window.Frames;

        var first = NextWorded(segments, 0);
        if (IsAnomaly(first) && first!.Start - offset > threshold)
            return (null, window.Start + Math.Max(1, Frame(first.Start - offset)));

        double previousEnd = lastSpeech;
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Words is not { Count: > 0 })
                continue;
            if (IsAnomaly(segment))
            {
                var next = NextWorded(segments, i + 1);
                double nextStart = next?.Words![0].Start ?? offset + Seconds(window.Frames);
                bool silenceBefore = segment.Start - previousEnd > threshold || segment.Start < threshold || segment.Start - offset < 2.0;
                bool silenceAfter = nextStart - segment.End > threshold || IsAnomaly(next) || windowEnd - segment.End < 2.0;
                if (silenceBefore && silenceAfter)
                {
                    int after = Seconds(window.ContentFrames) - segment.End < threshold ? window.ContentFrames : Frame(Math.Max(offset + 1, segment.Start));
                    return ([.. segments.Take(i)], after);
                }
            }
            previousEnd = segment.End;
        }
        return (segments, seek);
    }

    /// <summary>How anomalous a word is: improbable, very short or very long.</summary>
    internal static double AnomalyScore(Word word)
    {
        double duration = word.End - word.Start, score = 0;
        if (word.Probability < 0.15)
            score += 1;
        if (duration < 0.133)
            score += (0.133 - duration) * 15;
        if (duration > 2.0)
            score += duration - 2.0;
        return score;
    }

    /// <summary>Whether <paramref name="segment"/> (with words) looks made up, judged on its first eight words.</summary>
    internal static bool IsAnomaly(Segment? segment)
    {
        if (segment?.Words is not { Count: > 0 } words)
            return false;
        var judged = words.Where(w => !Punctuation.Contains(w.Text, StringComparison.Ordinal)).Take(WordsJudged).ToList();
        double score = judged.Sum(AnomalyScore);
        return score >= 3 || score + 0.01 >= judged.Count;
    }

    static Segment? NextWorded(IReadOnlyList<Segment> segments, int from) =>
        segments.Skip(from).FirstOrDefault(s => s.Words is { Count: > 0 });

    static double Seconds(int frames) => frames / (double)FramesPerSecond;

    static int Frame(double seconds) => (int)Math.Round(seconds * FramesPerSecond);
}
