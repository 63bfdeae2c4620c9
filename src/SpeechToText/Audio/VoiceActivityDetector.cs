namespace SpeechToText.Audio;

/// <summary>Speech began (<paramref name="IsSpeech"/>) or ended at <paramref name="Seconds"/> from the start of the stream.</summary>
public readonly record struct VoiceActivityChange(bool IsSpeech, double Seconds);

/// <summary>
/// An energy voice-activity detector for 16 kHz mono audio pushed in chunks of any size. Speech is where the
/// audio is clearly louder than its own background.
/// </summary>
/// <remarks>
/// Each 10 ms frame's level is its mean square in dB (full scale = 0 dB). The background is the 10th
/// percentile of the levels of the last 5 s (pauses between words keep it at the background even in
/// continuous speech; a steady noise becomes the background within a second). A frame is loud when it is at
/// least <see cref="ThresholdDb"/> above the background and above <see cref="MinimumLevelDb"/>. Speech begins at
/// the first of <see cref="OnsetFrames"/> loud frames in a row (a click is not speech) and ends at the first of
/// <see cref="HangoverFrames"/> quiet frames in a row (a pause within a sentence is not its end). The result
/// does not depend on how the audio is cut into chunks.
/// <para>
/// Speech at the very start of a stream would be heard against itself. A stream whose first frame is below
/// <see cref="MinimumLevelDb"/> (it begins in quiet) is judged frame by frame from the start; one that begins
/// audible has its first frames judged once their background is known: after 5 s, or after a pause no speech can
/// be in (<see cref="HangoverFrames"/> frames in a row below <see cref="MinimumLevelDb"/>), or at the end of the
/// stream, with what was heard until then as their background (as <see cref="Regions"/> judges a whole
/// recording). Its first changes come that much later; none is missed.
/// </para>
/// </remarks>
public sealed class VoiceActivityDetector
{
    /// <summary>Samples per frame: 10 ms at 16 kHz.</summary>
    public const int FrameSamples = AudioInput.SampleRate / 100;

    const int HistoryFrames = 500;     // 5 s of levels for the background
    const double BackgroundPercentile = 0.1;
    const double Silence = -100;       // the level of digital silence, dB
    const double Inaudible = -70;      // the level below which a whole recording is silence, dB

    readonly Queue<double> _history = new();
    readonly float[] _frame = new float[FrameSamples];
    int _frameFill;
    long _frames;
    int _run;           // consecutive frames disagreeing with the current state
    long _runStart;     // the frame where that run began
    List<double>? _unjudged = [];  // the levels of an audible stream's first frames, until their background is known
    long _known;        // how many first frames the background already holds (Regions pre-fills it), not remembered again

    /// <summary>dB above the background a frame must be to count as loud (default 12).</summary>
    public double ThresholdDb { get; init; } = 12;

    /// <summary>The level below which nothing is speech, dB full scale (default -55).</summary>
    public double MinimumLevelDb { get; init; } = -55;

    /// <summary>Loud frames in a row that begin speech (default 3: 30 ms).</summary>
    public int OnsetFrames { get; init; } = 3;

    /// <summary>Quiet frames in a row that end speech (default 30: 0.3 s).</summary>
    public int HangoverFrames { get; init; } = 30;

    /// <summary>Whether the audio judged so far ends in speech.</summary>
    public bool InSpeech { get; private set; }

    /// <summary>Seconds of audio judged so far (whole frames; at the start of a stream, less than was pushed).</summary>
    public double Seconds => _frames / 100.0;

    /// <summary>Seconds of audio heard and not judged yet: an audible stream's first frames, until their background is known.</summary>
    public double UnjudgedSeconds => (_unjudged?.Count ?? 0) / 100.0;

    /// <summary>Classifies <paramref name="samples"/> and returns the changes they complete, in order.</summary>
    public IReadOnlyList<VoiceActivityChange> Push(ReadOnlySpan<float> samples)
    {
        var changes = new List<VoiceActivityChange>();
        while (samples.Length > 0)
        {
            int take = Math.Min(samples.Length, FrameSamples - _frameFill);
            samples[..take].CopyTo(_frame.AsSpan(_frameFill));
            _frameFill += take;
            samples = samples[take..];
            if (_frameFill == FrameSamples)
            {
                _frameFill = 0;
                changes.AddRange(Judge(Level(_frame)));
            }
        }
        return changes;
    }

    /// <summary>Ends the stream: speech still going ends where the audio does (the partial last frame ignored).</summary>
    public IReadOnlyList<VoiceActivityChange> Complete()
    {
        var changes = JudgeUnjudged();
        if (InSpeech)
        {
            InSpeech = false;
            _run = 0;
            changes.Add(new VoiceActivityChange(false, Seconds));
        }
        return changes;
    }

    /// <summary>
    /// The speech regions (start, end in seconds) of a whole recording. Its first 5 s are known in advance, so
    /// they are the background from the start: speech in the very first frames is heard against the quiet after
    /// it rather than against itself.
    /// </summary>
    public static IReadOnlyList<(double Start, double End)> Regions(ReadOnlySpan<float> samples)
    {
        var detector = new VoiceActivityDetector { _unjudged = null };
        for (int i = 0; i + FrameSamples <= samples.Length && i < HistoryFrames * FrameSamples; i += FrameSamples)
            detector._history.Enqueue(Level(samples.Slice(i, FrameSamples)));
        detector._known = detector._history.Count;
        var changes = detector.Push(samples).Concat(detector.Complete()).ToList();
        return [.. Enumerable.Range(0, changes.Count / 2).Select(i => (changes[2 * i].Seconds, changes[2 * i + 1].Seconds))];
    }

    /// <summary>The changes a frame at <paramref name="level"/> completes: none while the stream's start waits for its background.</summary>
    List<VoiceActivityChange> Judge(double level)
    {
        if (_unjudged is { Count: 0 } && level < MinimumLevelDb)
            _unjudged = null; // it begins in quiet, the background speech will be heard against
        if (_unjudged == null)
            return Classify(level) is { } change ? [change] : [];
        _unjudged.Add(level);
        bool quietPause = _unjudged.Count >= HangoverFrames && _unjudged.TakeLast(HangoverFrames).All(l => l < MinimumLevelDb);
        return _unjudged.Count >= HistoryFrames || quietPause ? JudgeUnjudged() : [];
    }

    /// <summary>Judges the stream's first frames, waiting no longer, each against the background of them all.</summary>
    List<VoiceActivityChange> JudgeUnjudged()
    {
        var levels = _unjudged ?? [];
        _unjudged = null;
        foreach (double level in levels)
            Remember(level);
        return [.. levels.Select(Decide).OfType<VoiceActivityChange>()];
    }

    VoiceActivityChange? Classify(double level)
    {
        if (_frames >= _known)
            Remember(level);
        return Decide(level);
    }

    /// <summary>Adds a frame's level to the last 5 s the background is taken from.</summary>
    void Remember(double level)
    {
        _history.Enqueue(level);
        if (_history.Count > HistoryFrames)
            _history.Dequeue();
    }

    /// <summary>Judges the next frame, at <paramref name="level"/>, against the background remembered.</summary>
    VoiceActivityChange? Decide(double level)
    {
        bool loud = level >= MinimumLevelDb && level >= Background() + ThresholdDb;
        long frame = _frames++;
        if (loud == InSpeech)
        {
            _run = 0;
            return null;
        }
        if (_run++ == 0)
            _runStart = frame;
        if (_run < (InSpeech ? HangoverFrames : OnsetFrames))
            return null;
        InSpeech = !InSpeech;
        _run = 0;
        return new VoiceActivityChange(InSpeech, _runStart / 100.0);
    }

    double Background()
    {
        var sorted = _history.Order().ToArray();
        return sorted[(int)(BackgroundPercentile * (sorted.Length - 1))];
    }

    /// <summary>
    /// Whether no 10 ms frame of <paramref name="samples"/> reaches -70 dB (full scale = 0 dB): digital silence, or as
    /// good as, with nothing to transcribe. The floor lies well below <see cref="MinimumLevelDb"/>'s, so that a
    /// recording made too quiet for the detector is still transcribed. Audio shorter than a frame is silent.
    /// </summary>
    public static bool IsSilent(ReadOnlySpan<float> samples)
    {
        for (int i = 0; i + FrameSamples <= samples.Length; i += FrameSamples)
        {
            if (Level(samples.Slice(i, FrameSamples)) >= Inaudible)
                return false;
        }
        return true;
    }

    static double Level(ReadOnlySpan<float> frame)
    {
        double sum = 0;
        foreach (float sample in frame)
            sum += (double)sample * sample;
        double meanSquare = sum / frame.Length;
        return meanSquare > 0 ? Math.Max(Silence, 10 * Math.Log10(meanSquare)) : Silence;
    }
}
