using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Features;
using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Decoding;

/// <summary>
/// The reference long-form algorithm: a 30 s window slides over the log-mel spectrogram; each window is
/// decoded (with temperature fallback when the result is repetitive or unlikely), split into segments at
/// its timestamps, and the window moves to the end of the last complete segment (with word timestamps, of its
/// last word, unless its text ended with a lone timestamp: then past the whole window). Windows judged silent
/// are skipped; each window is prompted with the text before it unless a hot temperature was needed.
/// Models without timestamp tokens cannot say where a window's speech ends, so for them long audio is
/// first cut at pauses (<see cref="PauseSplitter"/>) into pieces of at most one window (30 s, or what the
/// model's audio positions cover): given samples, one utterance a piece, the pauses between them left out.
/// Beam search fuses <paramref name="languageModels"/> when given (see <see cref="DecodingOptions.LanguageModelWeight"/>
/// and <see cref="DecodingOptions.WordLanguageModelWeight"/>), and scores each window's transcripts by the model's
/// CTC head when it has one (see <see cref="DecodingOptions.CtcWeight"/>).
/// </summary>
public sealed class Transcriber(WhisperModel model, WhisperTokenizer tokenizer, ILogger? logger = null, LanguageModels? languageModels = null)
{
    const int FramesPerToken = 2;           // each encoder position covers two mel frames
    const double HotTemperature = 0.5;      // above this, the next window is not conditioned on this one
    /// <summary>Mel frames a second.</summary>
    internal const int FramesPerSecond = LogMelSpectrogram.SampleRate / LogMelSpectrogram.HopLength;

    /// <summary>The language the last transcription used (detected or given).</summary>
    public string? Language { get; private set; }

    /// <summary>The probability the last transcription gave its detected language among languages; null when none was detected.</summary>
    public double? LanguageProbability { get; private set; }

    /// <summary>
    /// Transcribes 16 kHz mono <paramref name="samples"/>: their log-mel features with a window of padding after them.
    /// For a model without timestamp tokens, the pieces are the utterances the <see cref="VoiceActivityDetector"/>
    /// finds, and the pauses between them are not decoded; audio that is silent throughout
    /// (<see cref="VoiceActivityDetector.IsSilent"/>) has no segments.
    /// </summary>
    public IEnumerable<Segment> Transcribe(float[] samples, DecodingOptions options, CancellationToken cancellation = default)
    {
        WarnOfUnusedOptions(options);
        var mel = LogMelSpectrogram.Compute(samples, model.Dimensions.MelBins, LogMelSpectrogram.WindowSamples);
        var speech = tokenizer.Special.HasTimestamps ? null : VoiceActivityDetector.Regions(samples);
        int contentFrames = mel.Frames - LogMelSpectrogram.WindowFrames;
        // Without a voice found, such a model decodes the whole audio (speech in steady noise is still transcribed), but
        // not audio silent throughout: it cannot say "silence", and would make up text for it.
        if (speech is { Count: 0 } && VoiceActivityDetector.IsSilent(samples))
        {
            logger?.LogDebug("the audio is silent throughout: nothing to transcribe");
            contentFrames = 0;
        }
        return Transcribe(mel, contentFrames, speech, options, cancellation);
    }

    /// <summary>
    /// Transcribes <paramref name="mel"/>, which holds <paramref name="contentFrames"/> frames of audio
    /// followed by at least a window of padding (see <see cref="LogMelSpectrogram.WindowSamples"/>).
    /// Segments are produced window by window. Without the samples there is no voice activity to go by: a model
    /// without timestamp tokens is given every frame, in pieces cut at the quietest moments.
    /// </summary>
    public IEnumerable<Segment> Transcribe(LogMelSpectrogram mel, int contentFrames, DecodingOptions options, CancellationToken cancellation = default) =>
        Transcribe(mel, contentFrames, speech: null, options, cancellation);

    IEnumerable<Segment> Transcribe(LogMelSpectrogram mel, int contentFrames, IReadOnlyList<(double Start, double End)>? speech,
        DecodingOptions options, CancellationToken cancellation)
    {
        var special = tokenizer.Special;
        if (options.Task == DecodingTask.Translate && !special.Multilingual)
            throw new ArgumentException("Translation needs a multilingual model; this one is English-only.", nameof(options));
        options.Validate();
        CheckFusion(options);
        var fusion = options.BeamSize > 1 ? Fusion(options) : null;
        var prompts = new PromptBuilder(special, (int)model.Decoder.Context);
        // The reference samples at most half the text context, leaving the other half for the previous text;
        // a model that cannot be prompted with previous text may use the whole context.
        int maxTokens = options.MaxTokensPerWindow
            ?? (int)(special.StartOfPrevious == SpecialTokens.Absent ? model.Decoder.Context - 1 : model.Decoder.Context / 2);
        int maxWindowFrames = MaxWindowFrames;
        var random = new Random(options.Seed);
        var history = InitialHistory(tokenizer, options.InitialPrompt);
        int initialTokens = history.Count;
        int promptResetSince = 0;
        double lastSpeech = 0;
        int? languageToken = special.Multilingual ? LanguageToken(options.Language, special) : null;
        Language = LanguageBeforeDetection(special, options.Language);
        LanguageProbability = null;
        if (!special.HasTimestamps)
            options = options with { Timestamps = false };
        int maxPieceFrames = ClipFeatures.MaxAudioFrames(model, maxWindowFrames);
        var pieces = special.HasTimestamps ? null
            : speech != null ? PauseSplitter.SplitSpeech(mel, contentFrames, maxPieceFrames, speech)
            : PauseSplitter.Split(mel, contentFrames, maxPieceFrames);

        for (int seek = 0, piece = 0; pieces != null ? piece < pieces.Count : seek < contentFrames;)
        {
            cancellation.ThrowIfCancellationRequested();
            if (pieces != null)
                seek = pieces[piece].Start;
            int windowFrames = pieces != null ? pieces[piece++].Length : Math.Min(maxWindowFrames, contentFrames - seek);
            double offset = seek * (double)LogMelSpectrogram.HopLength / LogMelSpectrogram.SampleRate;
            var ctc = options.BeamSize > 1 && CtcWeight(options) > 0 ? model.CtcHead : null;
            var encoded = EncodeWindow(mel, seek, windowFrames, ClipFeatures.Width(model, windowFrames, maxWindowFrames), ctc);
            using var audio = encoded.Audio;
            var ctcScorer = encoded.Ctc;
            if (special.Multilingual && languageToken == null)
            {
                (languageToken, double probability) = DetectLanguageToken(mel, seek, maxWindowFrames, (audio, windowFrames));
                (Language, LanguageProbability) = (LogDetected(languageToken.Value, probability), probability);
            }
            var previous = prompts.Previous(history, initialTokens, promptResetSince, options.CarryInitialPrompt);
            var (prompt, startIndex) = prompts.Build(previous, languageToken, options.Task, options.Timestamps);
            var result = DecodeWithFallback(audio, ctcScorer, prompt, startIndex, maxTokens, options, fusion, random, cancellation);

            if (IsSilence(result, options))
            {
                logger?.LogDebug("{Offset:F2} s: silence (no-speech p = {NoSpeech:F2})", offset, result.NoSpeechProbability);
                seek += windowFrames;
                continue;
            }
            var (segments, consumedFrames) = Split(result, offset, windowFrames, options.Timestamps, tokenizer);
            int next = seek + consumedFrames;
            if (options.WordTimestamps)
            {
                var wordPrompt = prompts.Build([], languageToken, options.Task, timestamps: false).Tokens;
                segments = WithWords(segments, audio, windowFrames, wordPrompt, offset, lastSpeech);
                // As the reference: unless the text ended with a lone timestamp, the next window starts where its last word
                // ends; at least a frame later (the reference would decode the same window again if the word ended within 5 ms).
                double? lastWordEnd = WordTiming.LastEnd(segments) is { } end && end > offset && !EndsWithLoneTimestamp(result.Tokens, special) ? end : null;
                if (lastWordEnd is { } wordEnd)
                    next = SeekToWordEnd(seek, wordEnd);
                // Pieces (a model without timestamps) are cut at pauses already, and are not decoded again from within.
                if (options.HallucinationSilenceThreshold is { } threshold && pieces == null)
                {
                    var window = new HallucinationSkipping.Window(seek, windowFrames, maxWindowFrames, contentFrames, lastWordEnd);
                    var (kept, after) = HallucinationSkipping.Apply(window, segments, next, lastSpeech, threshold);
                    if (kept == null)
                    {
                        logger?.LogDebug("{Offset:F2} s: a possible hallucination after silence; decoding again from {Seconds:F2} s", offset, after / (double)FramesPerSecond);
                        seek = after;
                        continue;
                    }
                    (segments, next) = ([.. kept], after);
                }
                lastSpeech = WordTiming.LastEnd(segments) ?? lastSpeech;
            }
            seek = next;
            // Instantaneous or empty segments are dropped, and so are their tokens from the next prompt.
            foreach (var segment in segments.Where(s => s.Text.Trim().Length > 0 && s.End > s.Start))
            {
                history.AddRange(segment.Tokens);
                yield return (pieces != null ? Spaced(segment, Language) : segment) with { Language = Language };
            }
            if (!ConditionsNextWindow(result, options))
                promptResetSince = history.Count;
        }
    }

    /// <summary>
    /// <paramref name="segment"/> with a space before its text and its first word, as Whisper's segments have, where it
    /// lacks one (<see cref="LacksLeadingSpace"/>). A model without timestamp tokens hears each piece of audio alone, cut at
    /// a pause, so its text begins a word, but such a model (a character vocabulary taught text without a leading space)
    /// does not write the space, and its segments would run together where they are joined.
    /// </summary>
    static Segment Spaced(Segment segment, string? language)
    {
        if (!LacksLeadingSpace(segment.Text, language))
            return segment;
        var words = segment.Words is { Count: > 0 } all ? [all[0] with { Text = " " + all[0].Text }, .. all.Skip(1)] : segment.Words;
        return segment with { Text = " " + segment.Text, Words = words };
    }

    /// <summary>Whether <paramref name="text"/> begins without the space a word of <paramref name="language"/> (written with spaces) begins with.</summary>
    internal static bool LacksLeadingSpace(string text, string? language) =>
        text.Length > 0 && !char.IsWhiteSpace(text[0]) && !WordAligner.UnspacedLanguages.Contains(language ?? "");

    /// <summary>Encodes <paramref name="frames"/> frames from <paramref name="seek"/>, zero-padded to <paramref name="width"/>.</summary>
    CrossAttentionCache Encode(LogMelSpectrogram mel, int seek, int frames, int width) => EncodeWindow(mel, seek, frames, width, ctc: null).Audio;

    /// <summary>
    /// Encodes <paramref name="frames"/> frames from <paramref name="seek"/>, zero-padded to <paramref name="width"/>, and,
    /// given a <paramref name="ctc"/> head, scores the positions of those frames (not of the padding) with it.
    /// </summary>
    (CrossAttentionCache Audio, CtcPrefixScorer? Ctc) EncodeWindow(LogMelSpectrogram mel, int seek, int frames, int width, CtcHead? ctc)
    {
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        var window = torch.tensor(mel.Window(seek, frames, width), [1, mel.MelBins, width]);
        var features = model.Encoder.Forward(window.to_type(model.DType));
        var scorer = ctc == null ? null : new CtcPrefixScorer(ctc.LogProbabilities(features, Math.Max(1, (frames + 1) / FramesPerToken)));
        return (model.Decoder.CrossAttention(features), scorer);
    }

    /// <summary>
    /// The language spoken in 16 kHz mono <paramref name="samples"/> and its probability among languages, judged as the
    /// reference does before it transcribes: from the first window of their features, which after a clip shorter than a
    /// window holds the log-mel of silence. A transcription without <see cref="DecodingOptions.Language"/> judges its
    /// first decoded window so (at the start of the audio, for a model with timestamp tokens), but has no segment to
    /// name it by when the audio holds no speech; this names it all the same. An English-only model's is English.
    /// </summary>
    public (string Language, double Probability) DetectLanguage(float[] samples)
    {
        if (!tokenizer.Special.Multilingual)
            return ("en", 1);
        var mel = LogMelSpectrogram.Compute(samples, model.Dimensions.MelBins, LogMelSpectrogram.WindowSamples);
        var (token, probability) = DetectLanguageToken(mel, seek: 0, MaxWindowFrames, decoded: null);
        return (LogDetected(token, probability), probability);
    }

    /// <summary>A window's frames: 30 s, or less for a model with fewer audio positions.</summary>
    int MaxWindowFrames => Math.Min(LogMelSpectrogram.WindowFrames, FramesPerToken * model.Dimensions.AudioContext);

    /// <summary>Logs the detected language <paramref name="token"/> with its probability; returns its code.</summary>
    string LogDetected(int token, double probability)
    {
        string language = Languages.Codes[token - tokenizer.Special.FirstLanguage];
        logger?.LogInformation("detected language: {Language} (p = {Probability:F2})", language, probability);
        return language;
    }

    /// <summary>
    /// The language token of the window at <paramref name="seek"/>, judged as the reference does: from a whole window
    /// of the spectrogram, so that after a clip shorter than a window the model hears the log-mel of silence (the
    /// padding) where the decoded window has zeros. The window's encoded frames (<paramref name="decoded"/>), when
    /// given, serve if they are that whole window, or if the model takes variable-length audio (it hears its clip alone).
    /// </summary>
    (int Token, double Probability) DetectLanguageToken(LogMelSpectrogram mel, int seek, int maxWindowFrames,
        (CrossAttentionCache Audio, int Frames)? decoded)
    {
        int frames = Math.Min(maxWindowFrames, mel.Frames - seek);
        if (decoded is { } window && (model.VariableLengthAudio || frames == window.Frames))
            return LanguageDetector.Detect(model, tokenizer.Special, window.Audio);
        using var whole = Encode(mel, seek, frames, maxWindowFrames);
        return LanguageDetector.Detect(model, tokenizer.Special, whole);
    }

    WindowResult DecodeWithFallback(CrossAttentionCache audio, CtcPrefixScorer? ctc, IReadOnlyList<int> prompt, int startIndex, int maxTokens,
        DecodingOptions options, LanguageModelFusion? fusion, Random random, CancellationToken cancellation)
    {
        var filters = Filters(options);
        var decoder = new WindowDecoder(model, tokenizer, filters);
        var beamSearch = options.BeamSize > 1
            ? new BeamSearchDecoder(model, tokenizer, filters, options.BeamSize, options.Patience, fusion, options.LengthPenalty, CtcWeight(options))
            : null;
        WindowResult? result = null;
        foreach (double temperature in options.Temperatures)
        {
            int candidates = temperature > 0 ? options.BestOf : 1;
            result = temperature <= 0 && beamSearch != null
                ? beamSearch.Decode(audio, prompt, startIndex, maxTokens, ctc, cancellation)
                : Enumerable.Range(0, candidates)
                    .Select(_ => decoder.Decode(audio, prompt, startIndex, maxTokens, temperature, random, cancellation))
                    .MaxBy(r => LikelihoodRank(r, options.LengthPenalty))!;
            if (!NeedsFallback(result, options))
                break;
            logger?.LogDebug("temperature {Temperature}: compression {Ratio:F2}, log-probability {LogProbability:F2}; falling back",
                temperature, result.CompressionRatio, result.AverageLogProbability);
        }
        return result ?? throw new ArgumentException("At least one temperature is needed.", nameof(options));
    }

    /// <summary>
    /// Logs a warning for each option that this model or this decoding cannot honour, rather than dropping it
    /// unsaid: a language for an English-only model, an initial prompt for a model that takes no previous text
    /// (or whose vocabulary cannot spell it), a hallucination silence threshold without word timestamps or timestamp
    /// tokens, a language model weight without a language model or with greedy decoding.
    /// </summary>
    internal void WarnOfUnusedOptions(DecodingOptions options)
    {
        if (logger == null)
            return;
        var special = tokenizer.Special;
        if (!special.Multilingual && options.Language is { } language && !language.Equals("en", StringComparison.OrdinalIgnoreCase))
            logger.LogWarning("the model is English-only: the language \"{Language}\" is not used; it transcribes English", language);
        if (options.InitialPrompt is { } initial)
        {
            if (special.StartOfPrevious == SpecialTokens.Absent)
                logger.LogWarning("the model takes no previous text (it has no <|startofprev|> token): the initial prompt is not used");
            else if (InitialPromptTokens(tokenizer, initial) == null)
                logger.LogWarning("the model's vocabulary cannot spell the initial prompt: it is not used");
        }
        if (options.HallucinationSilenceThreshold != null && !options.WordTimestamps)
            logger.LogWarning("hallucinations are found by their words' timing: without word timestamps the hallucination silence threshold is not used");
        else if (options.HallucinationSilenceThreshold != null && !special.HasTimestamps)
            logger.LogWarning("the model has no timestamp tokens (its audio is cut at pauses): the hallucination silence threshold is not used");
        if (options.LanguageModelWeight is > 0 && languageModels == null)
            logger.LogWarning("the model has no language model: the language model weight is not used");
        else if (options.LanguageModelWeight is > 0 && options.BeamSize == 1)
            logger.LogWarning("greedy decoding (beam size 1) does not fuse the language model: its weight is not used");
        if (options.WordLanguageModelWeight is > 0 && languageModels?.Words == null)
            logger.LogWarning("the model has no word language model: the word language model weight is not used");
        else if (WordWeight(options) > 0 && CharacterWeight(options) == 0)
            logger.LogWarning("the word language model is fused only beside the character one: at language model weight 0 it is not used");
        else if (options.WordLanguageModelWeight is > 0 && options.BeamSize == 1)
            logger.LogWarning("greedy decoding (beam size 1) does not fuse the word language model: its weight is not used");
        if (options.CtcWeight is > 0 && model.CtcHead == null)
            logger.LogWarning("the model has no CTC head ({File}): the CTC weight is not used", CtcHead.FileName);
        else if (options.CtcWeight is > 0 && options.BeamSize == 1)
            logger.LogWarning("greedy decoding (beam size 1) does not score by the CTC head: its weight is not used");
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> (parameter "options") when the word language model cannot be fused
    /// beside the character one as the options weigh them (<see cref="LanguageModelFusion.Refusal"/>); at character
    /// weight 0 the word model is not fused, and nothing is refused.
    /// </summary>
    internal void CheckFusion(DecodingOptions options)
    {
        if (CharacterWeight(options) > 0 && LanguageModelFusion.Refusal(CharacterWeight(options), WordWeight(options)) is { } refusal)
            throw new ArgumentException(refusal, nameof(options));
    }

    /// <summary>How much beam search weighs the model's CTC head under <paramref name="options"/>: 0 without one.</summary>
    double CtcWeight(DecodingOptions options) => model.CtcHead == null ? 0 : options.CtcWeight ?? model.CtcWeight ?? 0;

    double CharacterWeight(DecodingOptions options) => FusionWeights(options).Characters;

    double WordWeight(DecodingOptions options) => FusionWeights(options).Words;

    /// <summary>The weights fusion gives the language models under <paramref name="options"/>; both 0 without them.</summary>
    (double Characters, double Words) FusionWeights(DecodingOptions options) =>
        languageModels?.FusionWeights(options.LanguageModelWeight, options.WordLanguageModelWeight) ?? (0, 0);

    /// <summary>
    /// The history the first window is prompted with: none without an initial prompt, else the prompt's tokens. As
    /// in the reference, an empty prompt is still a prompt (of a space), and one the vocabulary cannot spell is none.
    /// </summary>
    internal static List<int> InitialHistory(WhisperTokenizer tokenizer, string? initialPrompt) =>
        initialPrompt == null ? [] : [.. InitialPromptTokens(tokenizer, initialPrompt) ?? []];

    /// <summary>The tokens of an initial prompt (as previous text, after a space), or null when the vocabulary cannot spell it.</summary>
    static IReadOnlyList<int>? InitialPromptTokens(WhisperTokenizer tokenizer, string initial) => tokenizer.TryEncode(" " + initial.Trim());

    /// <summary>The language model's fusion under <paramref name="options"/>; null without a language model or at weight 0.</summary>
    LanguageModelFusion? Fusion(DecodingOptions options) =>
        languageModels != null && CharacterWeight(options) > 0
            ? new LanguageModelFusion(languageModels, tokenizer, options.LanguageModelWeight, options.WordLanguageModelWeight)
            : null;

    ILogitFilter[] Filters(DecodingOptions options)
    {
        var special = tokenizer.Special;
        var filters = new List<ILogitFilter>();
        if (options.SuppressBlank)
            filters.Add(SuppressBlank.For(tokenizer));
        if (options.SuppressNonSpeech)
            filters.Add(SuppressTokens.Default(tokenizer));
        if (options.Timestamps)
        {
            filters.Add(new TimestampRules(special, TimestampRules.MaxInitialTimestampIndex(options.MaxInitialTimestamp)));
            filters.Add(new PreferTimestamps(special));
        }
        else
        {
            filters.Add(SuppressTokens.Timestamps(special, model.Dimensions.VocabularySize));
        }
        return [.. filters];
    }

    /// <summary>
    /// <paramref name="segments"/> of one window with their words (aligned together against <paramref name="audio"/>,
    /// then adjusted as the reference does: see <see cref="WordTiming"/>); <paramref name="lastSpeech"/> is where the
    /// speech before the window ended.
    /// </summary>
    List<Segment> WithWords(List<Segment> segments, CrossAttentionCache audio, int windowFrames, IReadOnlyList<int> prompt, double offset, double lastSpeech)
    {
        var alignment = new WordAligner(model, tokenizer).Align(audio, windowFrames, prompt, [.. segments.SelectMany(s => s.Tokens)], Language);
        return [.. WordTiming.Attach(segments, alignment, offset, lastSpeech, tokenizer.Special.EndOfText)];
    }

    /// <summary>
    /// Whether a window's <paramref name="result"/> is decoded again at the next temperature: when it repeats
    /// itself or is unlikely, unless it is unlikely and probably silence (it is then skipped). A confident
    /// result that repeats itself is retried even when no-speech is likely, as the reference does.
    /// </summary>
    internal static bool NeedsFallback(WindowResult result, DecodingOptions options)
    {
        bool tooRepetitive = options.CompressionRatioThreshold is { } ratio && result.CompressionRatio > ratio;
        bool tooUnlikely = options.LogProbabilityThreshold is { } logProbability && result.AverageLogProbability < logProbability;
        return (tooRepetitive || tooUnlikely) && !(tooUnlikely && IsSilence(result, options));
    }

    /// <summary>How sampled candidates are ranked (<see cref="TranscriptRanking"/>): by default, log-probability per sampled token.</summary>
    internal static double LikelihoodRank(WindowResult result, double? lengthPenalty = null) =>
        TranscriptRanking.Score(result.AverageLogProbability * (result.Tokens.Count + 1), result.Tokens.Count, lengthPenalty);

    static bool IsSilence(WindowResult result, DecodingOptions options) =>
        options.NoSpeechThreshold is { } threshold && result.NoSpeechProbability > threshold
        && !(options.LogProbabilityThreshold is { } logProbability && result.AverageLogProbability > logProbability);

    /// <summary>
    /// Cuts a window's tokens into segments at consecutive timestamps; returns them and the frames
    /// consumed: the whole window when it ends with a lone timestamp (or has none), else up to the last
    /// closing timestamp, so that an unfinished segment is decoded again in the next window.
    /// </summary>
    internal static (List<Segment> Segments, int ConsumedFrames) Split(WindowResult result, double offset, int windowFrames, bool timestamps, WhisperTokenizer tokenizer)
    {
        var special = tokenizer.Special;
        var tokens = result.Tokens;
        var segments = new List<Segment>();
        Segment Make(int from, int to, double start, double end)
        {
            var slice = tokens.Skip(from).Take(to - from).ToList();
            return new Segment(start, end, tokenizer.Decode(slice.Select(t => t.Id)), slice.Select(t => t.Id).ToList(),
                slice.Select(t => t.Probability).ToList(), result.AverageLogProbability, result.NoSpeechProbability,
                result.Temperature, result.CompressionRatio);
        }
        double windowSeconds = windowFrames * (double)LogMelSpectrogram.HopLength / LogMelSpectrogram.SampleRate;
        bool IsTimestamp(int i) => special.IsTimestamp(tokens[i].Id);
        var cuts = Enumerable.Range(1, Math.Max(0, tokens.Count - 1)).Where(i => IsTimestamp(i - 1) && IsTimestamp(i)).ToList();
        bool singleTimestampEnding = EndsWithLoneTimestamp(tokens, special);

        if (!timestamps || cuts.Count == 0)
        {
            double duration = windowSeconds;
            var last = tokens.LastOrDefault(t => special.IsTimestamp(t.Id));
            if (last != null && last.Id != special.TimestampBegin)
                duration = special.SecondsOf(last.Id);
            segments.Add(Make(0, tokens.Count, offset, offset + duration));
            return (segments, windowFrames);
        }
        if (singleTimestampEnding)
            cuts.Add(tokens.Count);
        int previousCut = 0;
        foreach (int cut in cuts)
        {
            segments.Add(Make(previousCut, cut, offset + special.SecondsOf(tokens[previousCut].Id), offset + special.SecondsOf(tokens[cut - 1].Id)));
            previousCut = cut;
        }
        if (singleTimestampEnding)
            return (segments, windowFrames);
        int lastTimestamp = tokens[previousCut - 1].Id - special.TimestampBegin;
        return (segments, lastTimestamp * FramesPerToken);
    }

    /// <summary>
    /// The language of a transcription before any detection: the <paramref name="given"/> one (as its code), English for an
    /// English-only model (whatever was given), else null (it is detected).
    /// </summary>
    internal static string? LanguageBeforeDetection(SpecialTokens special, string? given) =>
        !special.Multilingual ? "en" : given == null ? null : Languages.Codes[special.LanguageToken(given) - special.FirstLanguage];

    /// <summary>
    /// Whether the next window's prompt carries this window's text: only when <see cref="DecodingOptions.ConditionOnPreviousText"/>
    /// and the text was not sampled hotter than 0.5 (such text is likelier to be wrong and would lead the next window astray).
    /// </summary>
    internal static bool ConditionsNextWindow(WindowResult result, DecodingOptions options) =>
        options.ConditionOnPreviousText && result.Temperature <= HotTemperature;

    /// <summary>The frame where the speech ending at <paramref name="seconds"/> ends, at least a frame after <paramref name="windowStart"/>.</summary>
    internal static int SeekToWordEnd(int windowStart, double seconds) => Math.Max(windowStart + 1, (int)Math.Round(seconds * FramesPerSecond));

    /// <summary>Whether <paramref name="tokens"/> end with text then a timestamp: the window's speech ended in it.</summary>
    static bool EndsWithLoneTimestamp(IReadOnlyList<DecodedToken> tokens, SpecialTokens special) =>
        tokens.Count >= 2 && !special.IsTimestamp(tokens[^2].Id) && special.IsTimestamp(tokens[^1].Id);

    static int? LanguageToken(string? language, SpecialTokens special) =>
        language == null ? null : special.LanguageToken(language);
}
