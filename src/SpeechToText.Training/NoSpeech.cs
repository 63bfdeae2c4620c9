using SpeechToText.Audio;

namespace SpeechToText.Training;

/// <summary>
/// Sound without speech, for a model to learn to write nothing for: steady noise of a random colour (from white to
/// brown), mains hum with its harmonics, and sparse clicks, one to three of them together, at -65 to -20 dB full
/// scale (RMS; training's augmentation then moves every example by up to ±6 dB). A model that has only ever heard speech writes words for any sound.
/// </summary>
public static class NoSpeech
{
    const double QuietestDb = -65, LoudestDb = -20;
    const double Peak = 0.99;   // the loudest sample allowed: a few loud clicks keep their level below it

    /// <summary><paramref name="length"/> samples (16 kHz) of sound without speech, drawn from <paramref name="random"/>.</summary>
    public static float[] Clip(int length, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var clip = new double[length];
        bool noise = random.NextDouble() < 0.8, hum = random.NextDouble() < 0.3, clicks = random.NextDouble() < 0.3;
        if (noise || !(hum || clicks))
            Add(clip, ColouredNoise(length, random), random);
        if (hum)
            Add(clip, Hum(length, random), random);
        if (clicks)
            Add(clip, Clicks(length, random), random);

        double rms = Math.Sqrt(clip.Sum(s => s * s) / Math.Max(1, length)), peak = clip.Select(Math.Abs).DefaultIfEmpty(0).Max();
        double level = Math.Pow(10, (QuietestDb + (LoudestDb - QuietestDb) * random.NextDouble()) / 20);
        double scale = rms > 0 ? Math.Min(level / rms, Peak / peak) : 0;
        return [.. clip.Select(s => (float)(s * scale))];
    }

    /// <summary>Adds <paramref name="part"/> to <paramref name="clip"/> at a random tenth to whole of its RMS, relative to the others.</summary>
    static void Add(double[] clip, double[] part, Random random)
    {
        double rms = Math.Sqrt(part.Sum(s => s * s) / Math.Max(1, part.Length));
        if (rms == 0)
            return;
        double weight = Math.Pow(10, -random.NextDouble()) / rms;
        for (int i = 0; i < clip.Length; i++)
            clip[i] += weight * part[i];
    }

    /// <summary>White noise through a one-pole low-pass at 40 Hz to 8 kHz (log-uniform), some white kept beside it.</summary>
    static double[] ColouredNoise(int length, Random random)
    {
        double cutoff = 40 * Math.Pow(200, random.NextDouble());
        double pole = Math.Exp(-2 * Math.PI * cutoff / AudioInput.SampleRate), white = 0.3 * random.NextDouble();
        var samples = new double[length];
        double low = 0;
        for (int i = 0; i < length; i++)
        {
            double x = 2 * random.NextDouble() - 1;
            low = pole * low + (1 - pole) * x;
            samples[i] = low + white * x;
        }
        return samples;
    }

    /// <summary>50 or 60 Hz (±1%) and its first seven harmonics, each of random strength (falling with its number) and phase.</summary>
    static double[] Hum(int length, Random random)
    {
        double fundamental = (random.NextDouble() < 0.5 ? 50 : 60) * (0.99 + 0.02 * random.NextDouble());
        var samples = new double[length];
        for (int harmonic = 1; harmonic <= 8; harmonic++)
        {
            double amplitude = random.NextDouble() / harmonic, phase = 2 * Math.PI * random.NextDouble();
            double step = 2 * Math.PI * fundamental * harmonic / AudioInput.SampleRate;
            for (int i = 0; i < length; i++)
                samples[i] += amplitude * Math.Sin(phase + step * i);
        }
        return samples;
    }

    /// <summary>Bursts of noise decaying within 2 to 30 ms, 0.5 to 5 a second at random moments, each of random strength.</summary>
    static double[] Clicks(int length, Random random)
    {
        var samples = new double[length];
        double perSample = (0.5 + 4.5 * random.NextDouble()) / AudioInput.SampleRate;
        int count = Math.Max(1, (int)Math.Round(length * perSample));
        for (int c = 0; c < count && length > 0; c++)
        {
            int start = random.Next(length);
            double decay = (0.002 + 0.028 * random.NextDouble()) * AudioInput.SampleRate, strength = random.NextDouble();
            for (int i = start; i < length && i - start < 5 * decay; i++)
                samples[i] += strength * Math.Exp(-(i - start) / decay) * (2 * random.NextDouble() - 1);
        }
        return samples;
    }
}
