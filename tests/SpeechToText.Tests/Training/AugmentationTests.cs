using SpeechToText.Features;
using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

public sealed class AugmentationTests
{
    [Fact]
    public void Filter_centres_and_positions_are_inverse()
    {
        for (int m = 0; m < 80; m += 7)
            Assert.Equal(m, MelFilterbank.PositionOf(MelFilterbank.CentreHz(m, 80), 80), 9);
        Assert.Equal(8000, MelFilterbank.CentreHz(80, 80), 6); // the centre past the last filter is the Nyquist frequency
    }

    [Theory]
    [InlineData(1.15, 1)]
    [InlineData(0.9, -1)]
    public void A_vocal_tract_warp_moves_formants_with_its_factor(double factor, int direction)
    {
        const int Bins = 80, Frames = 3, Peak = 30;
        var mel = new float[Bins * Frames];
        for (int t = 0; t < Frames; t++)
            mel[Peak * Frames + t] = 1;

        VocalTractWarp.Apply(mel, Bins, Frames, factor);

        int moved = Enumerable.Range(0, Bins).MaxBy(m => mel[m * Frames]);
        Assert.Equal(direction, Math.Sign(moved - Peak));
        Assert.InRange(Math.Abs(moved - Peak), 1, 8);
    }

    [Fact]
    public void A_warp_by_one_changes_nothing()
    {
        var random = new Random(4);
        var mel = Enumerable.Range(0, 80 * 10).Select(_ => (float)random.NextDouble()).ToArray();
        var warped = (float[])mel.Clone();

        VocalTractWarp.Apply(warped, 80, 10, 1.0);

        Assert.Equal(mel, warped, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Spectral_colouring_adds_one_smooth_envelope_of_at_most_nine_decibels_to_the_speech_frames_only(int seed)
    {
        const int Bins = 80, Width = 12, Speech = 9;
        var mel = new float[Bins * Width];

        SpectralColouring.Apply(mel, Bins, Width, Speech, new Random(seed));

        float[] envelope = [.. Enumerable.Range(0, Bins).Select(m => mel[m * Width])];
        for (int m = 0; m < Bins; m++)
        {
            for (int t = 0; t < Speech; t++)
                Assert.Equal(envelope[m], mel[m * Width + t]);
            for (int t = Speech; t < Width; t++)
                Assert.Equal(0, mel[m * Width + t]);
            Assert.InRange(envelope[m], -3 * SpectralColouring.MaxDecibels / 40, 3 * SpectralColouring.MaxDecibels / 40);
            if (m > 0)
                Assert.InRange(Math.Abs(envelope[m] - envelope[m - 1]), 0, 0.02); // three cosines over 80 bins: no jumps
        }
        Assert.True(envelope.Max() - envelope.Min() > 0.001, "the spectrum is coloured");
    }
}
