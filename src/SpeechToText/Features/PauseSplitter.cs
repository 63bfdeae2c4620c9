namespace SpeechToText.Features;

/// <summary>
/// Cuts long audio into pieces no longer than a model can take, at its quietest moments: each cut is
/// placed at the lowest smoothed frame energy within the last half of the allowed length, so that
/// words are rarely split. Energy is the mean of a frame's log-mel values.
/// </summary>
public static class PauseSplitter
{
    const int SmoothingFrames = 10; // ±0.1 s

    /// <summary>Pieces (first frame, frame count) covering the first <paramref name="frames"/> frames of <paramref name="mel"/>.</summary>
    public static IReadOnlyList<(int Start, int Length)> Split(LogMelSpectrogram mel, int frames, int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 2);
        frames = Math.Min(frames, mel.Frames);
        var energy = SmoothedEnergy(mel, frames);
        var pieces = new List<(int, int)>();
        int start = 0;
        while (frames - start > maxFrames)
        {
            int from = start + maxFrames / 2, to = start + maxFrames;
            int cut = from;
            for (int t = from + 1; t <= to; t++)
            {
                if (energy[t] < energy[cut])
                    cut = t;
            }
            pieces.Add((start, cut - start));
            start = cut;
        }
        if (frames > start)
            pieces.Add((start, frames - start));
        return pieces;
    }

    static double[] SmoothedEnergy(LogMelSpectrogram mel, int frames)
    {
        var energy = new double[frames + 1];
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            for (int m = 0; m < mel.MelBins; m++)
                sum += mel[m, t];
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
