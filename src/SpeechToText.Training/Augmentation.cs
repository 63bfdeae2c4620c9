using SpeechToText.Audio;
using SpeechToText.Features;

namespace SpeechToText.Training;

/// <summary>
/// Random changes to a training utterance so the model does not learn the synthesiser's exact sound:
/// speed (0.9x to 1.1x, pitch moving with it), gain (±6 dB), background noise (10 to 40 dB SNR, half
/// the time) and a few early reflections (a fifth of the time). SpecAugment masks are applied to the
/// features separately (<see cref="SpecAugment"/>).
/// </summary>
public static class Augmentation
{
    /// <summary>An augmented copy of <paramref name="samples"/> (16 kHz).</summary>
    public static float[] Apply(float[] samples, Random random)
    {
        double speed = 0.9 + 0.2 * random.NextDouble();
        var output = ChangeSpeed(samples, speed);
        float gain = (float)Math.Pow(10, (random.NextDouble() * 12 - 6) / 20);
        for (int i = 0; i < output.Length; i++)
            output[i] *= gain;
        if (random.NextDouble() < 0.2)
            output = AddReflections(output, random);
        if (random.NextDouble() < 0.5)
            AddNoise(output, 10 + 30 * random.NextDouble(), random);
        return output;
    }

    /// <summary>Plays <paramref name="samples"/> <paramref name="speed"/> times as fast: pitch and formants move with it, as on tape.</summary>
    internal static float[] ChangeSpeed(float[] samples, double speed)
    {
        int rate = (int)Math.Round(AudioInput.SampleRate * speed / 100) * 100; // a rate with a small common factor
        if (rate == AudioInput.SampleRate)
            return (float[])samples.Clone();
        var resampler = new Resampler(rate, AudioInput.SampleRate);
        var output = new List<float>(samples.Length);
        resampler.Process(samples, output);
        resampler.Flush(output);
        return [.. output];
    }

    static float[] AddReflections(float[] samples, Random random)
    {
        var output = (float[])samples.Clone();
        for (int r = 0; r < 6; r++)
        {
            int delay = random.Next(AudioInput.SampleRate / 200, AudioInput.SampleRate / 20); // 5 to 50 ms
            float strength = (float)(0.5 * random.NextDouble() * Math.Exp(-delay / 800.0));
            for (int i = delay; i < output.Length; i++)
                output[i] += strength * samples[i - delay];
        }
        return output;
    }

    static void AddNoise(float[] samples, double snrDb, Random random)
    {
        double power = samples.Length == 0 ? 0 : samples.Average(s => (double)s * s);
        double amplitude = Math.Sqrt(power / Math.Pow(10, snrDb / 10) * 3); // uniform noise has variance a²/3
        for (int i = 0; i < samples.Length; i++)
            samples[i] += (float)(amplitude * (2 * random.NextDouble() - 1));
    }
}

/// <summary>SpecAugment: masks two bands of mel bins and two stretches of frames with zeros.</summary>
public static class SpecAugment
{
    /// <summary>Masks <paramref name="mel"/> ([bins, frames], row-major) in place.</summary>
    public static void Apply(float[] mel, int bins, int frames, Random random)
    {
        for (int band = 0; band < 2; band++)
        {
            int width = random.Next(0, 11), start = random.Next(0, bins - width);
            for (int m = start; m < start + width; m++)
                Array.Clear(mel, m * frames, frames);
        }
        for (int stretch = 0; stretch < 2; stretch++)
        {
            int width = random.Next(0, Math.Max(1, frames / 20)), start = random.Next(0, Math.Max(1, frames - width));
            for (int m = 0; m < bins; m++)
                Array.Clear(mel, m * frames + start, width);
        }
    }
}

/// <summary>
/// A random spectral envelope on log-mel features: a smooth curve over the mel bins (the sum of three cosines, each
/// up to ±<see cref="MaxDecibels"/> dB) added to every frame, as another voice's timbre or another microphone and room
/// would colour the spectrum.
/// </summary>
public static class SpectralColouring
{
    /// <summary>The largest amplitude of each of the three cosines, in decibels.</summary>
    public const double MaxDecibels = 3;

    /// <summary>Whisper's log-mel features are log10 power divided by 4: a decibel is a fortieth.</summary>
    const double PerDecibel = 1.0 / 40;

    /// <summary>Colours the first <paramref name="frames"/> frames of <paramref name="mel"/> ([bins, width], row-major) in place.</summary>
    public static void Apply(float[] mel, int bins, int width, int frames, Random random)
    {
        double[] amplitudes = [.. Enumerable.Range(0, 3).Select(_ => (2 * random.NextDouble() - 1) * MaxDecibels * PerDecibel)];
        for (int m = 0; m < bins; m++)
        {
            double position = Math.PI * (m + 0.5) / bins;
            float offset = (float)amplitudes.Select((a, k) => a * Math.Cos((k + 1) * position)).Sum();
            for (int t = 0; t < Math.Min(frames, width); t++)
                mel[m * width + t] += offset;
        }
    }
}

/// <summary>
/// Vocal tract length perturbation on log-mel features: the spectrum is stretched along frequency by a
/// factor (above 1 moves formants up, as from a longer to a shorter vocal tract), so that a few voices
/// stand for many speakers. Each filter takes the value the unwarped spectrum had at its centre frequency
/// divided by the factor, interpolated between filters.
/// </summary>
public static class VocalTractWarp
{
    /// <summary>Warps <paramref name="mel"/> ([bins, frames], row-major) in place by <paramref name="factor"/>.</summary>
    public static void Apply(float[] mel, int bins, int frames, double factor)
    {
        var source = (float[])mel.Clone();
        for (int m = 0; m < bins; m++)
        {
            double position = Math.Clamp(MelFilterbank.PositionOf(MelFilterbank.CentreHz(m, bins) / factor, bins), 0, bins - 1);
            int low = (int)position, high = Math.Min(low + 1, bins - 1);
            float weight = (float)(position - low);
            for (int t = 0; t < frames; t++)
                mel[m * frames + t] = (1 - weight) * source[low * frames + t] + weight * source[high * frames + t];
        }
    }
}
