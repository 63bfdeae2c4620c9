using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

public sealed class ScoreWeightTests
{
    [Theory]
    [InlineData(0.0, true)]             // the score is ignored
    [InlineData(0.3, true)]
    [InlineData(2.0, true)]             // a weight may exceed 1
    [InlineData(-0.1, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    public void A_weight_is_a_finite_number_0_or_more(double weight, bool valid)
    {
        Assert.Equal(valid, ScoreWeight.IsValid(weight));
    }
}
