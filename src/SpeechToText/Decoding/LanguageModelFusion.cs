using System.Globalization;
using SpeechToText.Text;

namespace SpeechToText.Decoding;

/// <summary>
/// Shallow fusion of a <see cref="CharacterLanguageModel"/> into beam search: a transcript is ranked by the speech
/// model's log-probability plus <see cref="Weight"/> × the language model's log-probability of its text (beam
/// search divides the sum by the tokens written, so a transcript gains nothing by being short). The speech model's own
/// probabilities stay those of the tokens and of the quality checks. A <see cref="WordLanguageModel"/>, when given,
/// adds <see cref="WordWeight"/> × its rescoring of each word a transcript completes
/// (<see cref="WordLanguageModel.Rescoring"/>: its log-probability of a known word less the character model's), so a
/// known word scores (<see cref="Weight"/> − <see cref="WordWeight"/>) × its spelling plus <see cref="WordWeight"/> ×
/// the word model's log-probability: at equal weights the word model's alone. The word weight may not exceed the other.
/// </summary>
public sealed class LanguageModelFusion
{
    readonly CharacterLanguageModel _languageModel;
    readonly WhisperTokenizer _tokenizer;
    readonly WordLanguageModel? _words;
    readonly Dictionary<int, string> _tokenText = [];

    /// <summary>How much the language model counts.</summary>
    public double Weight { get; }

    /// <summary>How much the word language model counts (0 without one).</summary>
    public double WordWeight { get; }

    /// <summary>
    /// Fuses the character model of <paramref name="models"/> with the weight stored in it, or with <paramref name="weight"/>
    /// if given, and its word model, if any, likewise with its own weight or <paramref name="wordWeight"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight given is negative or not finite, or the word model's
    /// would exceed the character model's (<see cref="Refusal"/>).</exception>
    public LanguageModelFusion(LanguageModels models, WhisperTokenizer tokenizer, double? weight = null, double? wordWeight = null)
    {
        if (weight is { } given && !ScoreWeight.IsValid(given))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "The language model's weight must be a finite number, 0 or more.");
        if (wordWeight is { } givenWords && !ScoreWeight.IsValid(givenWords))
            throw new ArgumentOutOfRangeException(nameof(wordWeight), wordWeight, "The word language model's weight must be a finite number, 0 or more.");
        (_languageModel, _tokenizer, _words) = (models.Characters, tokenizer, models.Words);
        (Weight, WordWeight) = models.FusionWeights(weight, wordWeight);
        if (Refusal(Weight, WordWeight) is { } refusal)
            throw new ArgumentOutOfRangeException(nameof(wordWeight), wordWeight, refusal);
    }

    /// <summary>
    /// Why a word model cannot be fused at <paramref name="wordWeight"/> beside a character model at
    /// <paramref name="characterWeight"/>, or null when it can: its rescoring takes a known word's spelling score away
    /// at its own weight, so above the character model's weight a rare spelling would earn a bonus.
    /// </summary>
    internal static string? Refusal(double characterWeight, double wordWeight) =>
        wordWeight > characterWeight
            ? string.Create(CultureInfo.InvariantCulture,
                $"The word language model's weight ({wordWeight}) may not exceed the character language model's ({characterWeight}).")
            : null;

    /// <summary>The text of the tokens written so far (what <see cref="Score"/> continues).</summary>
    public string TextOf(IEnumerable<int> tokens) => _tokenizer.Decode(tokens);

    /// <summary>
    /// What fusion adds to a transcript's score when <paramref name="token"/> follows <paramref name="text"/>. Nothing
    /// for the end of a transcript without text: whether anything was said is the speech model's to judge, and the
    /// language models, which have never seen an empty sentence, would make it write words for noise.
    /// </summary>
    public double Score(string text, int token)
    {
        bool ends = token == _tokenizer.Special.EndOfText;
        if (ends && text.Length == 0)
            return 0;
        string continuation = ends ? "" : TokenText(token);
        double score = Weight * _languageModel.LogProbability(text, continuation, ends);
        if (WordWeight > 0)
            score += WordWeight * _words!.Rescoring(text, continuation, ends, _languageModel);
        return score;
    }

    string TokenText(int token)
    {
        if (!_tokenText.TryGetValue(token, out string? text))
            _tokenText[token] = text = _tokenizer.Decode([token]);
        return text;
    }
}
