namespace SpeechToText.Tests.Features;

/// <summary>
/// An independent, straightforward log-mel: plain loops in float64, a direct DFT instead of an FFT, and
/// Whisper's own stored filterbank instead of the project's construction. Slow, and only for checking.
/// </summary>
internal static class ReferenceLogMel
{
    public static float[] Compute(float[] audio, int melBins)
    {
        const int nFft = 400, hop = 160, bins = 201;
        byte[] stored = File.ReadAllBytes(SharedData.PathOf($"whisper_mel_filters_{melBins}x201.f32"));
        var filters = new double[melBins, bins];
        for (int m = 0; m < melBins; m++)
            for (int k = 0; k < bins; k++)
                filters[m, k] = BitConverter.ToSingle(stored, (m * bins + k) * 4);

        // Reflect-pad by n_fft / 2 on both sides (the edge sample is not repeated).
        int n = audio.Length;
        var padded = new double[n + nFft];
        for (int i = 0; i < padded.Length; i++)
        {
            int j = i - nFft / 2;
            padded[i] = audio[j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j];
        }

        var cos = new double[nFft, bins];
        var sin = new double[nFft, bins];
        for (int t = 0; t < nFft; t++)
            for (int k = 0; k < bins; k++)
            {
                cos[t, k] = Math.Cos(2 * Math.PI * k * t / nFft);
                sin[t, k] = Math.Sin(2 * Math.PI * k * t / nFft);
            }

        int frames = n / hop;
        var log = new double[melBins, frames];
        double max = double.NegativeInfinity;
        var power = new double[bins];
        for (int f = 0; f < frames; f++)
        {
            for (int k = 0; k < bins; k++)
            {
                double re = 0, im = 0;
                for (int t = 0; t < nFft; t++)
                {
                    double x = padded[f * hop + t] * (0.5 - 0.5 * Math.Cos(2 * Math.PI * t / nFft));
                    re += x * cos[t, k];
                    im -= x * sin[t, k];
                }
                power[k] = re * re + im * im;
            }
            for (int m = 0; m < melBins; m++)
            {
                double mel = 0;
                for (int k = 0; k < bins; k++)
                    mel += filters[m, k] * power[k];
                log[m, f] = Math.Log10(Math.Max(mel, 1e-10));
                max = Math.Max(max, log[m, f]);
            }
        }

        var result = new float[melBins * frames];
        for (int m = 0; m < melBins; m++)
            for (int f = 0; f < frames; f++)
                result[m * frames + f] = (float)((Math.Max(log[m, f], max - 8) + 4) / 4);
        return result;
    }
}
