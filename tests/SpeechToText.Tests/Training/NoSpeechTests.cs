using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

public sealed class NoSpeechTests
{
    static double LevelDb(float[] samples) => 10 * Math.Log10(samples.Average(s => (double)s * s));

    [Fact]
    public void A_clip_is_as_long_as_asked_and_the_same_again_from_the_same_seed()
    {
        var clip = NoSpeech.Clip(16000 * 3, new Random(8));

        Assert.Equal(16000 * 3, clip.Length);
        Assert.Equal(clip, NoSpeech.Clip(16000 * 3, new Random(8)));
        Assert.NotEqual(clip, NoSpeech.Clip(16000 * 3, new Random(9)));
        Assert.Empty(NoSpeech.Clip(0, new Random(8)));
    }

    [Fact]
    public void Clips_are_heard_at_minus_65_to_minus_20_dB_spread_across_that_range_and_never_clipped()
    {
        var levels = new List<double>();
        for (int seed = 0; seed < 100; seed++)
        {
            var clip = NoSpeech.Clip(16000, new Random(seed));
            Assert.All(clip, s => Assert.InRange(Math.Abs(s), 0, 0.99f));
            levels.Add(LevelDb(clip));
        }

        Assert.All(levels, level => Assert.InRange(level, -65.01, -19.99));
        Assert.True(levels.Min() < -55 && levels.Max() > -30, $"levels from {levels.Min():F1} to {levels.Max():F1} dB");
    }
}
