namespace SpeechToText.Decoding;

/// <summary>
/// The weight that scales a score added to the speech model's during decoding (a language model's, a CTC head's).
/// </summary>
public static class ScoreWeight
{
    /// <summary>Whether <paramref name="weight"/> can scale a score: a finite number, 0 or more (0: not at all).</summary>
    public static bool IsValid(double weight) => weight >= 0 && double.IsFinite(weight);
}
