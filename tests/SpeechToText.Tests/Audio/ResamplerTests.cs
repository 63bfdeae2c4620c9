using SpeechToText.Audio;

namespace SpeechToText.Tests.Audio;

public class ResamplerTests
{
    static float[] Resample(float[] input, int from, int to = 16000)
    {
        var resampler = new Resampler(from, to);
        var output = new List<float>();
        resampler.Process(input, output);
        resampler.Flush(output);
        return [.. output];
    }

    /// <summary>Amplitude of the <paramref name="hz"/> component, by projection on sine and cosine over the steady middle.</summary>
    static double Amplitude(float[] signal, double hz, int rate)
    {
        int skip = signal.Length / 4, count = signal.Length / 2;
        double s = 0, c = 0;
        for (int i = skip; i < skip + count; i++)
        {
            double phase = 2 * Math.PI * hz * i / rate;
            s += signal[i] * Math.Sin(phase);
            c += signal[i] * Math.Cos(phase);
        }
        return 2 * Math.Sqrt(s * s + c * c) / count;
    }

    static double Rms(float[] signal)
    {
        int skip = signal.Length / 4, count = signal.Length / 2;
        return Math.Sqrt(signal.Skip(skip).Take(count).Sum(x => (double)x * x) / count);
    }

    [Theory]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(8000)]
    [InlineData(22050)]
    [InlineData(11025)]
    public void A_1_kHz_sine_keeps_its_amplitude_within_a_tenth_of_a_decibel(int rate)
    {
        var output = Resample(TestAudio.Sine(1000, rate, 1.0, amplitude: 0.5), rate);
        double gainDb = 20 * Math.Log10(Amplitude(output, 1000, 16000) / 0.5);
        Assert.InRange(gainDb, -0.1, 0.1);
    }

    [Theory]
    [InlineData(44100, 8500)]
    [InlineData(44100, 12000)]
    [InlineData(44100, 20000)]
    [InlineData(48000, 8600)]
    [InlineData(48000, 15000)]
    [InlineData(48000, 23000)]
    public void Energy_above_8_kHz_does_not_fold_back_above_minus_60_dB(int rate, int hz)
    {
        var output = Resample(TestAudio.Sine(hz, rate, 1.0, amplitude: 0.5), rate);
        double levelDb = 20 * Math.Log10(Rms(output) / (0.5 / Math.Sqrt(2)));
        Assert.True(levelDb < -60, $"{hz} Hz at {rate} Hz folded back at {levelDb:F1} dB");
    }

    [Theory]
    [InlineData(44100)]
    [InlineData(8000)]
    [InlineData(44056)] // a ratio with more phases than are precomputed
    public void Produces_the_output_duration_of_the_input(int rate)
    {
        var output = Resample(new float[rate * 2], rate);
        Assert.Equal(32000, output.Length);
    }

    [Fact]
    public void Odd_rates_with_rounded_phases_still_keep_amplitude_and_reject_aliases()
    {
        var tone = Resample(TestAudio.Sine(1000, 44056, 1.0, 0.5), 44056);
        var alias = Resample(TestAudio.Sine(12000, 44056, 1.0, 0.5), 44056);
        Assert.InRange(20 * Math.Log10(Amplitude(tone, 1000, 16000) / 0.5), -0.1, 0.1);
        Assert.True(20 * Math.Log10(Rms(alias) / (0.5 / Math.Sqrt(2))) < -60);
    }

    [Theory]
    [InlineData(44100, 1)]
    [InlineData(44100, 1000)]
    [InlineData(8000, 37)]
    public void Streaming_in_any_chunk_size_gives_the_same_samples(int rate, int maxChunk)
    {
        var input = TestAudio.Noise(rate / 2, 11);
        var expected = Resample(input, rate);

        var resampler = new Resampler(rate, 16000);
        var output = new List<float>();
        var random = new Random(maxChunk);
        for (int offset = 0; offset < input.Length;)
        {
            int n = Math.Min(input.Length - offset, 1 + random.Next(maxChunk));
            resampler.Process(input.AsSpan(offset, n), output);
            offset += n;
        }
        resampler.Flush(output);

        Assert.Equal(expected, output);
    }

    [Fact]
    public void Resampled_source_reads_a_44_1_kHz_wav_as_16_kHz()
    {
        var wav = TestAudio.Wav16(TestAudio.ToPcm16(TestAudio.Sine(1000, 44100, 0.5)), rate: 44100);
        using var source = new ResampledAudioSource(new WavReader(new MemoryStream(wav), "x.wav"), 16000);
        var samples = source.ReadToEnd();
        Assert.Equal(16000, source.SampleRate);
        Assert.Equal(8000, samples.Length);
        Assert.InRange(Amplitude(samples, 1000, 16000), 0.49, 0.51);
    }
}
