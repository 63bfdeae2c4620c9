using SpeechToText.Features;

namespace SpeechToText.Tests.Features;

public class MelFilterbankTests
{
    [Theory]
    [InlineData(80)]
    [InlineData(128)]
    public void Matches_whisper_reference_filterbank(int melBins)
    {
        byte[] reference = File.ReadAllBytes(SharedData.PathOf($"whisper_mel_filters_{melBins}x201.f32"));
        Assert.Equal(melBins * LogMelSpectrogram.FrequencyBins * 4, reference.Length);
        var filterbank = new MelFilterbank(melBins);

        double worst = 0;
        for (int m = 0; m < melBins; m++)
        {
            for (int k = 0; k < LogMelSpectrogram.FrequencyBins; k++)
            {
                float expected = BitConverter.ToSingle(reference, (m * LogMelSpectrogram.FrequencyBins + k) * 4);
                worst = Math.Max(worst, Math.Abs(filterbank[m, k] - expected));
            }
        }
        Assert.True(worst < 1e-6, $"largest difference {worst:E2}");
    }

    [Fact]
    public void Every_filter_covers_at_least_one_bin_and_has_unit_area_in_hertz()
    {
        var filterbank = new MelFilterbank(80);
        for (int m = 0; m < 80; m++)
        {
            double area = 0;
            for (int k = 0; k < LogMelSpectrogram.FrequencyBins; k++)
                area += filterbank[m, k] * 40.0; // 40 Hz per bin
            Assert.InRange(area, 0.5, 1.5); // Slaney normalisation: ~1 up to the discretisation of narrow filters
        }
    }
}
