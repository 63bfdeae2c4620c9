using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SpeechToText.Decoding;

/// <summary>What the model is asked to do with the speech.</summary>
public enum DecodingTask
{
    /// <summary>Write down what is said, in its language.</summary>
    Transcribe,

    /// <summary>Write it in English (multilingual models only).</summary>
    Translate,
}

/// <summary>
/// Options of transcription (openai/whisper's DecodingOptions and transcribe arguments). The defaults are
/// the reference defaults (greedy decoding unless a beam size is given).
/// </summary>
public sealed record DecodingOptions
{
    /// <summary>Transcribe or translate.</summary>
    public DecodingTask Task { get; init; } = DecodingTask.Transcribe;

    /// <summary>Language code (e.g. "en"); null detects it from the first window (multilingual models).</summary>
    public string? Language { get; init; }

    /// <summary>Whether to predict timestamps (and so split the transcript into timed segments).</summary>
    public bool Timestamps { get; init; } = true;

    /// <summary>Temperatures tried in turn when a window's result fails the quality thresholds; a single 0 disables fallback.</summary>
    public IReadOnlyList<double> Temperatures { get; init; } = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];

    /// <summary>Beams of the beam search at temperature 0; 1 decodes greedily (the reference's default here, while its command line, like <c>stt transcribe</c>, uses 5).</summary>
    public int BeamSize { get; init; } = 1;

    /// <summary>The beam search stops once <see cref="BeamSize"/> × patience transcripts have ended (the reference's 1.0 by default).</summary>
    public double Patience { get; init; } = 1.0;

    /// <summary>
    /// How candidate transcripts are ranked by length (<see cref="TranscriptRanking"/>): null divides their
    /// log-probability by their token count; α from 0 to 1 by the Google NMT penalty ((5 + count) / 6)^α.
    /// </summary>
    public double? LengthPenalty { get; init; }

    /// <summary>
    /// Candidates sampled at temperatures above 0; the most likely one is kept. 1 by default, as the reference samples
    /// one here (its command line, like <c>stt transcribe</c>, samples 5).
    /// </summary>
    public int BestOf { get; init; } = 1;

    /// <summary>A result whose text compresses better than this (gzip ratio) is repetitive: retry hotter.</summary>
    public double? CompressionRatioThreshold { get; init; } = 2.4;

    /// <summary>A result whose average token log-probability is below this is unreliable: retry hotter.</summary>
    public double? LogProbabilityThreshold { get; init; } = -1.0;

    /// <summary>A window whose &lt;|nospeech|&gt; probability exceeds this (and whose log-probability is low) is silence.</summary>
    public double? NoSpeechThreshold { get; init; } = 0.6;

    /// <summary>Whether each window is prompted with the text before it.</summary>
    public bool ConditionOnPreviousText { get; init; } = true;

    /// <summary>Text to prompt the first window with (spelling, names, style); an empty one prompts with a space, as the reference does.</summary>
    public string? InitialPrompt { get; init; }

    /// <summary>
    /// Whether every window is prompted with the initial prompt (then as much of the text before it as fits), not
    /// only the first: the prompt's names and style hold throughout, even after a reset.
    /// </summary>
    public bool CarryInitialPrompt { get; init; }

    /// <summary>The latest time in seconds the first timestamp of a window may have; 0 for no limit.</summary>
    public double MaxInitialTimestamp { get; init; } = TimestampRules.DefaultMaxInitialTimestamp;

    /// <summary>Whether to time each word from the cross-attention (<see cref="WordAligner"/>) and give segments their words.</summary>
    public bool WordTimestamps { get; init; }

    /// <summary>
    /// With <see cref="WordTimestamps"/>, seconds of silence around a segment that looks made up (see
    /// <see cref="HallucinationSkipping"/>) for it to be dropped and decoding to start again after the silence; null: off.
    /// </summary>
    public double? HallucinationSilenceThreshold { get; init; }

    /// <summary>Whether a window's first token may not be a blank or the end.</summary>
    public bool SuppressBlank { get; init; } = true;

    /// <summary>Whether non-speech symbols and special tokens are suppressed (the reference suppress_tokens = -1).</summary>
    public bool SuppressNonSpeech { get; init; } = true;

    /// <summary>The most tokens sampled in one window (the reference: half the text context, 224).</summary>
    public int? MaxTokensPerWindow { get; init; }

    /// <summary>
    /// How much the model's language model (<see cref="Text.CharacterLanguageModel"/>, when it has one) counts in beam
    /// search: null uses the weight stored with it, 0 decodes without it. Greedy decoding and sampling never use it.
    /// </summary>
    public double? LanguageModelWeight { get; init; }

    /// <summary>
    /// How much the model's word language model (<see cref="Text.WordLanguageModel"/>, when it has one) counts beside
    /// the character one: null uses the weight stored with it, 0 decodes without it. It is fused only with the character model.
    /// </summary>
    public double? WordLanguageModelWeight { get; init; }

    /// <summary>
    /// How much the model's CTC head (<see cref="Modeling.CtcHead"/>, when it has one) counts in beam search: its prefix
    /// log-probabilities times this join the transcripts' scores (joint CTC/attention decoding). null uses the weight
    /// the model's checkpoint names (<see cref="Modeling.WhisperModel.CtcWeight"/>; none: 0), 0 decodes without it.
    /// Greedy decoding and sampling never use it.
    /// </summary>
    public double? CtcWeight { get; init; }

    /// <summary>Seed of the random sampling at temperatures above 0, so that runs repeat.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> (parameter "options") naming the first option that no model could
    /// decode with and its value: a beam size or best-of below 1, a patience that is not a positive number, a length
    /// penalty outside 0 to 1, no
    /// temperature or one that is negative or not a number, a language model weight below 0 or infinite, a threshold
    /// that is not a finite number, a negative hallucination silence threshold, a token limit below 1.
    /// </summary>
    public void Validate()
    {
        if (BeamSize < 1)
            throw Invalid($"The beam size must be at least 1 (1 decodes greedily); {BeamSize} was given.");
        if (!(Patience > 0) || double.IsInfinity(Patience))
            throw Invalid($"The patience must be a positive number; {Patience} was given.");
        if (LengthPenalty is { } alpha && !TranscriptRanking.IsValidPenalty(alpha))
            throw Invalid($"The length penalty must be from 0 to 1; {alpha} was given.");
        if (BestOf < 1)
            throw Invalid($"The number of candidates sampled (best of) must be at least 1; {BestOf} was given.");
        if (Temperatures.Count == 0)
            throw Invalid($"At least one temperature is needed (0 decodes without sampling).");
        foreach (double temperature in Temperatures)
        {
            if (!(temperature >= 0) || double.IsInfinity(temperature))
                throw Invalid($"Temperatures must be finite numbers, 0 or more; {temperature} was given.");
        }
        if (Language is { } language && Text.Languages.IndexOf(language) < 0)
            throw Invalid($"{Text.Languages.Unknown(language)}");
        if (LanguageModelWeight is { } weight && !ScoreWeight.IsValid(weight))
            throw Invalid($"The language model's weight must be a finite number, 0 or more; {weight} was given.");
        if (WordLanguageModelWeight is { } wordWeight && !ScoreWeight.IsValid(wordWeight))
            throw Invalid($"The word language model's weight must be a finite number, 0 or more; {wordWeight} was given.");
        if (CtcWeight is { } ctcWeight && !ScoreWeight.IsValid(ctcWeight))
            throw Invalid($"The CTC weight must be a finite number, 0 or more; {ctcWeight} was given.");
        foreach (var (name, threshold) in new[] { ("compression ratio", CompressionRatioThreshold), ("log-probability", LogProbabilityThreshold), ("no-speech", NoSpeechThreshold) })
        {
            if (threshold is { } value && !double.IsFinite(value))
                throw Invalid($"The {name} threshold must be a finite number (or none); {value} was given.");
        }
        if (HallucinationSilenceThreshold is { } silence && !(silence >= 0 && double.IsFinite(silence)))
            throw Invalid($"The hallucination silence threshold must be a finite number of seconds, 0 or more; {silence} was given.");
        if (!(MaxInitialTimestamp >= 0 && double.IsFinite(MaxInitialTimestamp)))
            throw Invalid($"The maximum initial timestamp must be a finite number of seconds, 0 (no limit) or more; {MaxInitialTimestamp} was given.");
        if (MaxTokensPerWindow < 1)
            throw Invalid($"The most tokens per window must be at least 1; {MaxTokensPerWindow} was given.");
    }

    [SuppressMessage("Usage", "CA2208", Justification = "The options are the callers' parameter \"options\" (transcribe, stream); the command line reports that parameter's errors as usage errors.")]
    static ArgumentException Invalid(FormattableString message) => new(message.ToString(CultureInfo.InvariantCulture), "options");
}
