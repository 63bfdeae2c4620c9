namespace SpeechToText.Text;

/// <summary>
/// The language models beam search fuses with a speech model (<see cref="Decoding.LanguageModelFusion"/>): a character
/// model and, beside it if any, a word model of the same alphabet. A word model rescores the words the character
/// model spells, so it never comes alone.
/// </summary>
public sealed class LanguageModels
{
    /// <summary>Pairs <paramref name="characters"/> with <paramref name="words"/>, if given.</summary>
    /// <exception cref="ArgumentException">The word model's alphabet is not the character model's.</exception>
    public LanguageModels(CharacterLanguageModel characters, WordLanguageModel? words = null)
    {
        if (words != null && words.Alphabet != characters.Alphabet)
            throw new ArgumentException($"The word language model's alphabet \"{words.Alphabet}\" is not the character model's \"{characters.Alphabet}\".", nameof(words));
        (Characters, Words) = (characters, words);
    }

    /// <summary>The files a model directory keeps its language models in: the character model's, then the word model's.</summary>
    internal static IReadOnlyList<string> FileNames { get; } = [CharacterLanguageModel.FileName, WordLanguageModel.FileName];

    /// <summary>The character model: every transcript's spelling.</summary>
    public CharacterLanguageModel Characters { get; }

    /// <summary>The word model, or null without one.</summary>
    public WordLanguageModel? Words { get; }

    /// <summary>
    /// The weights fusion gives the two models: <paramref name="characters"/> and <paramref name="words"/> where given,
    /// else each model's own; the word weight is 0 without a word model.
    /// </summary>
    internal (double Characters, double Words) FusionWeights(double? characters, double? words) =>
        (characters ?? Characters.FusionWeight, Words == null ? 0 : words ?? Words.FusionWeight);
}
