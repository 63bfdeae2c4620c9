using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

public sealed class TranscriptRankingTests
{
    [Fact]
    public void Without_a_length_penalty_a_transcript_scores_its_log_probability_per_token()
    {
        Assert.Equal(-0.5, TranscriptRanking.Score(-2, 4, lengthPenalty: null));
        Assert.Equal(-1, TranscriptRanking.Score(-1, 0, lengthPenalty: null)); // an empty transcript counts one token
    }

    [Fact]
    public void A_length_penalty_divides_by_the_google_nmt_penalty()
    {
        Assert.Equal(-3 / 2.0, TranscriptRanking.Score(-3, 7, lengthPenalty: 1), 1e-12);       // (5 + 7) / 6 = 2
        Assert.Equal(-3 / Math.Sqrt(2), TranscriptRanking.Score(-3, 7, lengthPenalty: 0.5), 1e-12);
        Assert.Equal(-3, TranscriptRanking.Score(-3, 7, lengthPenalty: 0), 1e-12);              // the total: short transcripts win
    }

    [Theory]
    [InlineData(-0.1, false)]
    [InlineData(0.0, true)]
    [InlineData(1.0, true)]
    [InlineData(1.5, false)]
    [InlineData(double.NaN, false)]
    public void A_length_penalty_is_from_0_to_1(double alpha, bool valid)
    {
        Assert.Equal(valid, TranscriptRanking.IsValidPenalty(alpha));
    }
}
