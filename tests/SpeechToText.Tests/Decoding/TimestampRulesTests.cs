using SpeechToText.Decoding;
using SpeechToText.Text;

namespace SpeechToText.Tests.Decoding;

public sealed class TimestampRulesTests
{
    readonly SpecialTokens _special = SpecialTokens.ForVocabularySize(51864);

    float[] FirstTokenLogits(int? maxInitialTimestampIndex)
    {
        var logits = new float[51864];
        new TimestampRules(_special, maxInitialTimestampIndex).Apply(logits, []);
        return logits;
    }

    [Fact]
    public void The_first_token_is_a_timestamp_no_later_than_the_maximum()
    {
        var logits = FirstTokenLogits(maxInitialTimestampIndex: 50);
        int begin = _special.TimestampBegin;

        Assert.Equal(float.NegativeInfinity, logits[begin - 1]);
        Assert.Equal(0f, logits[begin]);
        Assert.Equal(0f, logits[begin + 50]);
        Assert.Equal(float.NegativeInfinity, logits[begin + 51]);
    }

    [Fact]
    public void Without_a_maximum_any_timestamp_may_come_first()
    {
        var logits = FirstTokenLogits(maxInitialTimestampIndex: null);

        Assert.All(logits[_special.TimestampBegin..], value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(1.0, 50)]
    [InlineData(0.5, 25)]
    [InlineData(0.01, 0)] // half an index rounds to even, as the reference rounds
    [InlineData(0.03, 2)]
    public void A_maximum_in_seconds_is_an_index_of_twenty_milliseconds(double seconds, int index) =>
        Assert.Equal(index, TimestampRules.MaxInitialTimestampIndex(seconds));

    [Fact]
    public void A_maximum_of_0_seconds_is_no_limit_as_in_the_reference() =>
        Assert.Null(TimestampRules.MaxInitialTimestampIndex(0));
}
