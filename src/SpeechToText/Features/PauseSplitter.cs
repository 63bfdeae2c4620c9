namespace SpeechToText.Features;

/// <summary>
/// Cuts long audio into pieces no longer than a model can take, at its quietest moments: each cut is
/// placed at the lowest smoothed frame energy within the last half of the allowed length, so that
/// words are rarely split. Energy is the mean of a frame's log-mel values. Given where the speech is
/// (<see cref="SplitSpeech"/>), the pieces are the utterances between pauses, and the pauses are left out.
/// </summary>
public static class PauseSplitter
{
    const int SmoothingFrames = 10; // ±0.1 s

    /// <summary>Audio kept before and after each utterance, so that its quiet first and last sounds are not lost.</summary>
    public const double SpeechMarginSeconds = 0.2;

    /// <summary>The shortest pause between utterances; shorter ones (between words, at a comma) stay inside a piece.</summary>
    public const double UtterancePauseSeconds = 1.0;

    /// <summary>
    /// Pieces (first frame, frame count) covering the <paramref name="speech"/> regions (start and end, seconds, in
    /// order) within the first <paramref name="frames"/> frames of <paramref name="mel"/>: one utterance each (regions
    /// less than <see cref="UtterancePauseSeconds"/> apart are one), widened by <see cref="SpeechMarginSeconds"/> on
    /// both sides; an utterance longer than <paramref name="maxFrames"/> is cut at its quietest moments as
    /// <see cref="Split(LogMelSpectrogram, int, int)"/> does. Without any speech region, that method's pieces: nothing
    /// is dropped for want of a detected voice.
    /// </summary>
    public static IReadOnlyList<(int Start, int Length)> SplitSpeech(LogMelSpectrogram mel, int frames, int maxFrames,
        IReadOnlyList<(double Start, double End)> speech)
    {
        frames = Math.Min(frames, mel.Frames);
        var utterances = new List<(double Start, double End)>();
        foreach (var region in speech)
        {
            if (utterances.Count > 0 && region.Start - utterances[^1].End < UtterancePauseSeconds)
                utterances[^1] = (utterances[^1].Start, Math.Max(region.End, utterances[^1].End));
            else
                utterances.Add(region);
        }
        var pieces = new List<(int Start, int Length)>();
        foreach (var (start, end) in utterances)
        {
            int from = Math.Clamp(Frame(start - SpeechMarginSeconds), 0, frames), to = Math.Clamp(Frame(end + SpeechMarginSeconds), 0, frames);
            if (to > from)
                pieces.AddRange(SplitRange(mel, from, to, maxFrames));
        }
        return pieces.Count > 0 ? pieces : Split(mel, frames, maxFrames);
    }

    static int Frame(double seconds) => (int)Math.Round(seconds * 100);

    /// <summary>Pieces (first frame, frame count) covering the first <paramref name="frames"/> frames of <paramref name="mel"/>.</summary>
    public static IReadOnlyList<(int Start, int Length)> Split(LogMelSpectrogram mel, int frames, int maxFrames) =>
        SplitRange(mel, 0, Math.Min(frames, mel.Frames), maxFrames);

    /// <summary>Pieces covering frames <paramref name="first"/> to <paramref name="end"/> (exclusive).</summary>
    static List<(int Start, int Length)> SplitRange(LogMelSpectrogram mel, int first, int end, int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 2);
        var energy = SmoothedEnergy(mel, first, end);
        var pieces = new List<(int, int)>();
        int start = first;
        while (end - start > maxFrames)
        {
            int from = start + maxFrames / 2, to = start + maxFrames;
            int cut = from;
            for (int t = from + 1; t <= to; t++)
            {
                if (energy[t - first] < energy[cut - first])
                    cut = t;
            }
            pieces.Add((start, cut - start));
            start = cut;
        }
        if (end > start)
            pieces.Add((start, end - start));
        return pieces;
    }

    /// <summary>The mean log-mel value of frames <paramref name="first"/> to <paramref name="end"/> (and one more, the last repeated), smoothed.</summary>
    static double[] SmoothedEnergy(LogMelSpectrogram mel, int first, int end)
    {
        int frames = end - first;
        var energy = new double[frames + 1];
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            for (int m = 0; m < mel.MelBins; m++)
                sum += mel[m, first + t];
            energy[t] = sum / mel.MelBins;
        }
        energy[frames] = energy[Math.Max(0, frames - 1)];
        var prefix = new double[energy.Length + 1];
        for (int t = 0; t < energy.Length; t++)
            prefix[t + 1] = prefix[t] + energy[t];
        var smoothed = new double[energy.Length];
        for (int t = 0; t < energy.Length; t++)
        {
            int lo = Math.Max(0, t - SmoothingFrames), hi = Math.Min(energy.Length, t + SmoothingFrames + 1);
            smoothed[t] = (prefix[hi] - prefix[lo]) / (hi - lo);
        }
        return smoothed;
    }
}
