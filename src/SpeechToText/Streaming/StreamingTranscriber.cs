using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Decoding;
using SpeechToText.Features;
using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Streaming;

/// <summary>Something a <see cref="StreamingTranscriber"/> has to say about the audio pushed so far.</summary>
public abstract record StreamingEvent;

/// <summary>The text after the committed text as the latest decode has it: it may still change.</summary>
/// <param name="Text">The tentative words (empty when none).</param>
/// <param name="Start">Start in seconds from the beginning of the stream.</param>
/// <param name="End">End in seconds.</param>
public sealed record TentativeText(string Text, double Start, double End) : StreamingEvent;

/// <summary>
/// Words that are final: never retracted, always after the text committed before them. Each word carries its
/// leading space (in languages written with spaces), so the texts of successive commits concatenate.
/// </summary>
/// <param name="Words">The committed words, timed in the stream.</param>
public sealed record CommittedText(IReadOnlyList<Word> Words) : StreamingEvent
{
    /// <summary>The words' text.</summary>
    public string Text => string.Concat(Words.Select(w => w.Text));

    /// <summary>Start of the first word, seconds from the beginning of the stream.</summary>
    public double Start => Words[0].Start;

    /// <summary>End of the last word.</summary>
    public double End => Words[^1].End;
}

/// <summary>The speaker paused (at <paramref name="Seconds"/>) and everything said before it is committed.</summary>
public sealed record EndOfUtterance(double Seconds) : StreamingEvent;

/// <summary>How a <see cref="StreamingTranscriber"/> trades latency for stability.</summary>
public sealed record StreamingOptions
{
    /// <summary>New audio that triggers a decode of the buffer (default 0.5 s: a word is committed once two decodes
    /// agree on it, so the chunk is about half of a word's latency).</summary>
    public double MinimumChunkSeconds { get; init; } = 0.5;

    /// <summary>Beyond this, the buffer is cut at the end of its committed words (default 12 s).</summary>
    public double MaximumBufferSeconds { get; init; } = 12;

    /// <summary>Audio kept before speech begins, so that its first sound is not lost (default 0.3 s).</summary>
    public double PreRollSeconds { get; init; } = 0.3;

    /// <summary>
    /// How each decode runs (word timestamps are always on). Default: greedy, no temperature fallback. With
    /// <see cref="DecodingOptions.BeamSize"/> above 1, beam search fuses the model's language model when it has one
    /// (`stt live` searches the model's beams), but does not score by its CTC head (<see cref="DecodingOptions.CtcWeight"/>
    /// 0, whatever weight the model names): on audio/long.wav fed in real time, the bundled model with its head at 0.3
    /// committed 19.4% word errors against 16.2% without it, and later (p90 1.74 s against 1.39 s).
    /// </summary>
    public DecodingOptions Decoding { get; init; } = new() { Temperatures = [0.0], CtcWeight = 0 };
}

/// <summary>
/// Transcribes audio pushed in chunks of any size as it arrives (the LocalAgreement-2 policy, see
/// <see cref="LocalAgreement"/>): every <see cref="StreamingOptions.MinimumChunkSeconds"/> of new audio, the buffer
/// is decoded again with word timestamps; the words two decodes in a row agree on are committed, the rest is
/// tentative. A pause (see <see cref="VoiceActivityDetector"/>) commits everything before it and ends the
/// utterance; silence is not decoded. The buffer is cut at the end of its committed words once longer than
/// <see cref="StreamingOptions.MaximumBufferSeconds"/>, so memory and the cost of each decode stay bounded
/// however long the stream. Log-mel frames are computed once, as audio arrives.
/// </summary>
public sealed class StreamingTranscriber
{
    const int FramesPerSecond = 100;
    const float RawSilence = -10f;        // the raw log-mel value of zero samples (log10 of the power floor)
    const int PromptCharacters = 200;     // committed text before the buffer that prompts a decode
    const double UtteranceTailSeconds = 0.2;

    readonly WhisperModel _model;
    readonly Transcriber _transcriber;
    readonly StreamingOptions _options;
    readonly ILogger? _logger;
    readonly StreamingLogMel _mel;
    readonly VoiceActivityDetector _voice = new();
    readonly LocalAgreement _agreement = new();
    readonly List<float[]> _frames = [];  // raw log-mel frames of the buffer
    readonly List<Word> _committedInBuffer = []; // committed words not yet before the buffer's start
    string _history = "";                 // the end of the committed text before the buffer
    long _bufferStart;                    // stream frame of _frames[0]
    long _decodedUpTo;                    // stream frame the last decode reached
    bool _speech;                         // whether the buffer holds speech
    bool _completed;

    /// <summary>
    /// Starts a stream transcribed by <paramref name="model"/>; beam search (<see cref="DecodingOptions.BeamSize"/>
    /// above 1) fuses <paramref name="languageModels"/> when given.
    /// </summary>
    public StreamingTranscriber(WhisperModel model, WhisperTokenizer tokenizer, StreamingOptions? options = null, ILogger? logger = null,
        LanguageModels? languageModels = null)
    {
        _model = model;
        _options = options ?? new StreamingOptions();
        if (!(_options.MinimumChunkSeconds > 0) || !(_options.MaximumBufferSeconds > _options.MinimumChunkSeconds) || _options.PreRollSeconds < 0)
            throw new ArgumentException("The minimum chunk must be positive and shorter than the maximum buffer, and the pre-roll not negative.", nameof(options));
        _options.Decoding.Validate();
        _logger = logger;
        _transcriber = new Transcriber(model, tokenizer, logger, languageModels);
        _transcriber.CheckFusion(_options.Decoding);
        _transcriber.WarnOfUnusedOptions(_options.Decoding);
        _mel = new StreamingLogMel(model.Dimensions.MelBins);
    }

    /// <summary>The language of the last decode (given, detected, or English for an English-only model); null before any.</summary>
    public string? Language => _transcriber.Language;

    /// <summary>Seconds of audio in the buffer (what the next decode covers).</summary>
    public double BufferSeconds => _frames.Count / (double)FramesPerSecond;

    /// <summary>Decodes run so far.</summary>
    public int Decodes { get; private set; }

    long StreamFrames => _bufferStart + _frames.Count;

    /// <summary>Appends 16 kHz mono <paramref name="samples"/> and returns what they changed, in order.</summary>
    public IReadOnlyList<StreamingEvent> Push(ReadOnlySpan<float> samples, CancellationToken cancellation = default)
    {
        if (_completed)
            throw new InvalidOperationException("The stream was completed; start a new one.");
        var changes = _voice.Push(samples);
        _frames.AddRange(_mel.Push(samples));
        var events = Follow(changes, cancellation);
        if (!_speech)
            DropSilence();
        else if (StreamFrames - _decodedUpTo >= _options.MinimumChunkSeconds * FramesPerSecond)
            events.AddRange(Update(cancellation));
        return events;
    }

    /// <summary>Ends the stream: the rest of the audio is decoded and committed.</summary>
    public IReadOnlyList<StreamingEvent> Complete(CancellationToken cancellation = default)
    {
        if (_completed)
            return [];
        _completed = true;
        _frames.AddRange(_mel.Complete());
        var events = Follow(_voice.Complete(), cancellation);
        if (_speech) // an utterance whose end a cancelled decode left unfinished
            events.AddRange(EndUtterance(StreamFrames / (double)FramesPerSecond, cancellation));
        return events;
    }

    /// <summary>Begins an utterance where speech begins (after the pre-roll) and ends it where speech ends.</summary>
    List<StreamingEvent> Follow(IReadOnlyList<VoiceActivityChange> changes, CancellationToken cancellation)
    {
        var events = new List<StreamingEvent>();
        foreach (var change in changes)
        {
            if (change.IsSpeech)
            {
                // The silence before it goes but for the pre-roll, however much of it one push brought.
                _speech = true;
                Cut(Frame(change.Seconds - _options.PreRollSeconds));
            }
            else if (_speech)
                events.AddRange(EndUtterance(change.Seconds, cancellation));
        }
        return events;
    }

    /// <summary>Decodes the buffer, commits what two decodes agree on, and cuts the buffer when it is long.</summary>
    List<StreamingEvent> Update(CancellationToken cancellation)
    {
        var events = new List<StreamingEvent>();
        Commit(events, _agreement.Update(Decode(_frames.Count, cancellation)));
        events.Add(Tentative());
        if (BufferSeconds > _options.MaximumBufferSeconds)
        {
            if (Frame(_agreement.CommittedEnd) <= _bufferStart)
            {
                // Nothing agreed on within the buffer: take the latest decode as it is rather than grow without end.
                Commit(events, _agreement.Flush());
            }
            long cut = Frame(_agreement.CommittedEnd);
            Cut(cut > _bufferStart ? cut : StreamFrames - Frame(_options.MinimumChunkSeconds)); // no words at all: keep the last chunk
        }
        return events;
    }

    /// <summary>Commits everything said up to the pause that began at <paramref name="pause"/> seconds and starts a new utterance.</summary>
    List<StreamingEvent> EndUtterance(double pause, CancellationToken cancellation)
    {
        var events = new List<StreamingEvent>();
        long until = Math.Min(StreamFrames, Frame(pause + UtteranceTailSeconds));
        IReadOnlyList<Word> heard = until > _bufferStart ? _agreement.Update(Decode((int)(until - _bufferStart), cancellation)) : [];
        Commit(events, [.. heard, .. _agreement.EndUtterance()]);
        events.Add(new EndOfUtterance(pause));
        _speech = false;
        Cut(until);
        return events;
    }

    /// <summary>Adds a <see cref="CommittedText"/> of <paramref name="words"/> to <paramref name="events"/>, unless there are none.</summary>
    void Commit(List<StreamingEvent> events, IReadOnlyList<Word> words)
    {
        if (words.Count == 0)
            return;
        _committedInBuffer.AddRange(words);
        events.Add(new CommittedText(words));
    }

    /// <summary>The uncommitted words (timed after the committed text, as they will be when committed).</summary>
    TentativeText Tentative()
    {
        var words = _agreement.Tentative;
        return words.Count == 0
            ? new TentativeText("", _agreement.CommittedEnd, _agreement.CommittedEnd)
            : new TentativeText(string.Concat(words.Select(w => w.Text)), words[0].Start, words[^1].End);
    }

    /// <summary>The words of the first <paramref name="frames"/> frames of the buffer, timed in the stream.</summary>
    List<Word> Decode(int frames, CancellationToken cancellation)
    {
        Decodes++;
        _decodedUpTo = StreamFrames;
        var content = _frames.GetRange(0, frames);
        if (!_model.VariableLengthAudio)
            content.AddRange(Enumerable.Repeat(Silence(), LogMelSpectrogram.WindowFrames)); // as the reference pads
        var mel = LogMelSpectrogram.FromRawFrames(content, _model.Dimensions.MelBins);
        double offset = _bufferStart / (double)FramesPerSecond;
        var options = _options.Decoding with { WordTimestamps = true, InitialPrompt = Prompt() };
        var words = _transcriber.Transcribe(mel, frames, options, cancellation)
            .SelectMany(s => s.Words ?? [])
            .Select(w => w with { Start = w.Start + offset, End = w.End + offset })
            .ToList();
        // A decode's first word may come without its space (the model starts its text there); in a language
        // written with spaces it gets one, so that committed words always concatenate into text.
        if (words.Count > 0 && Transcriber.LacksLeadingSpace(words[0].Text, _transcriber.Language))
            words[0] = words[0] with { Text = " " + words[0].Text };
        _logger?.LogDebug("decoded {Seconds:F2} s from {Offset:F2} s: {Text}", frames / (double)FramesPerSecond, offset, string.Concat(words.Select(w => w.Text)));
        return words;
    }

    /// <summary>The stream frame nearest to <paramref name="seconds"/> (word times are not whole frames).</summary>
    static long Frame(double seconds) => (long)Math.Round(seconds * FramesPerSecond);

    float[] Silence() => Enumerable.Repeat(RawSilence, _model.Dimensions.MelBins).ToArray();

    /// <summary>The end of the committed text that lies before the buffer (what the model hears as previous text).</summary>
    string? Prompt()
    {
        string text = _history.Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>Keeps only the pre-roll of a buffer without speech, and what the voice detector has not judged yet.</summary>
    void DropSilence() => Cut(StreamFrames - Frame(_options.PreRollSeconds + _voice.UnjudgedSeconds));

    /// <summary>
    /// Drops the buffer's frames before stream frame <paramref name="frame"/>; the committed words that now lie
    /// before the buffer join the history the next decodes are prompted with.
    /// </summary>
    void Cut(long frame)
    {
        int drop = (int)Math.Clamp(frame - _bufferStart, 0, _frames.Count);
        _frames.RemoveRange(0, drop);
        _bufferStart += drop;
        _decodedUpTo = Math.Max(_decodedUpTo, _bufferStart);

        int before = _committedInBuffer.FindIndex(w => Frame(w.End) > _bufferStart);
        if (before < 0)
            before = _committedInBuffer.Count;
        if (before == 0)
            return;
        string history = _history + string.Concat(_committedInBuffer.Take(before).Select(w => w.Text));
        _history = history[Math.Max(0, history.Length - PromptCharacters)..];
        _committedInBuffer.RemoveRange(0, before);
    }
}
