namespace SpeechToText.Decoding;

/// <summary>
/// How a window's candidate transcripts (beams, or samples above temperature 0) are compared, as the reference's
/// maximum-likelihood ranker: the summed log-probability (the end's included) over a length penalty, which is the
/// count of tokens sampled before the end, or with a penalty α, the Google NMT penalty ((5 + count) / 6)^α.
/// </summary>
public static class TranscriptRanking
{
    /// <summary>Whether <paramref name="alpha"/> is a length penalty the ranking takes: from 0 to 1, as the reference's.</summary>
    public static bool IsValidPenalty(double alpha) => alpha is >= 0 and <= 1;

    /// <summary>
    /// The score of a transcript of <paramref name="tokens"/> tokens summing <paramref name="logProbability"/>; the
    /// higher, the better. Without <paramref name="lengthPenalty"/>, the log-probability per token (an empty
    /// transcript counts as one token).
    /// </summary>
    public static double Score(double logProbability, int tokens, double? lengthPenalty) =>
        logProbability / (lengthPenalty is { } alpha ? Math.Pow((5.0 + tokens) / 6, alpha) : Math.Max(1, tokens));
}
