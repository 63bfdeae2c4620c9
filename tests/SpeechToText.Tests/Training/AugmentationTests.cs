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
}
