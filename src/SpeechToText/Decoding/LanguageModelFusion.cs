using SpeechToText.Text;

namespace SpeechToText.Decoding;

/// <summary>
/// Shallow fusion of a <see cref="CharacterLanguageModel"/> into beam search: a transcript is ranked by the speech
/// model's log-probability plus <see cref="Weight"/> × the language model's log-probability of its text (beam
/// search divides the sum by the tokens written, so a transcript gains nothing by being short). The speech model's own
/// probabilities stay those of the tokens and of the quality checks.
/// </summary>
public sealed class LanguageModelFusion
{
    readonly CharacterLanguageModel _languageModel;
    readonly WhisperTokenizer _tokenizer;
    readonly Dictionary<int, string> _tokenText = [];

    /// <summary>How much the language model counts.</summary>
    public double Weight { get; }

    /// <summary>Fuses <paramref name="languageModel"/> with the weight stored in it, or with <paramref name="weight"/> if given.</summary>
    public LanguageModelFusion(CharacterLanguageModel languageModel, WhisperTokenizer tokenizer, double? weight = null)
    {
        if (weight is { } given && !CharacterLanguageModel.IsValidWeight(given))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "The language model's weight must be a finite number, 0 or more.");
        (_languageModel, _tokenizer) = (languageModel, tokenizer);
        Weight = weight ?? languageModel.FusionWeight;
    }

    /// <summary>The text of the tokens written so far (what <see cref="Score"/> continues).</summary>
    public string TextOf(IEnumerable<int> tokens) => _tokenizer.Decode(tokens);

    /// <summary>What fusion adds to a transcript's score when <paramref name="token"/> follows <paramref name="text"/>.</summary>
    public double Score(string text, int token)
    {
        if (token == _tokenizer.Special.EndOfText)
            return Weight * _languageModel.LogProbability(text, "", ends: true);
        if (!_tokenText.TryGetValue(token, out string? continuation))
            _tokenText[token] = continuation = _tokenizer.Decode([token]);
        return Weight * _languageModel.LogProbability(text, continuation);
    }
}
