using SpeechToText.Audio;

namespace SpeechToText.Features;

/// <summary>
/// Whisper's log-mel spectrogram: <see cref="MelBins"/> rows by <see cref="Frames"/> columns (10 ms each),
/// row-major, as the model's encoder takes it.
/// </summary>
/// <remarks>
/// Recipe: STFT (see <see cref="StreamingLogMel"/>), mel filterbank (<see cref="MelFilterbank"/>),
/// log10(max(mel, 1e-10)), then the reference normalisation over everything computed at once:
/// x = max(x, max(x) − 8); x = (x + 4) / 4.
/// </remarks>
public sealed class LogMelSpectrogram
{
    /// <summary>Samples per second of the audio the spectrogram is computed from.</summary>
    public const int SampleRate = AudioInput.SampleRate;

    /// <summary>STFT window and FFT length in samples (25 ms).</summary>
    public const int FftLength = 400;

    /// <summary>Samples between frames (10 ms).</summary>
    public const int HopLength = 160;

    /// <summary>Frequency bins of the power spectrum (FftLength / 2 + 1).</summary>
    public const int FrequencyBins = FftLength / 2 + 1;

    /// <summary>Samples in one 30 s model window.</summary>
    public const int WindowSamples = 30 * SampleRate;

    /// <summary>Frames in one 30 s model window.</summary>
    public const int WindowFrames = WindowSamples / HopLength;

    /// <summary>Dynamic range kept below the maximum, in log10 units (80 dB).</summary>
    public const float DynamicRange = 8f;

    LogMelSpectrogram(int melBins, int frames, float[] values)
    {
        MelBins = melBins;
        Frames = frames;
        Values = values;
    }

    /// <summary>Rows: mel bins.</summary>
    public int MelBins { get; }

    /// <summary>Columns: frames, one per 10 ms.</summary>
    public int Frames { get; }

    /// <summary>The values, row-major [MelBins, Frames].</summary>
    public float[] Values { get; }

    /// <summary>The value of mel bin <paramref name="mel"/> in frame <paramref name="frame"/>.</summary>
    public float this[int mel, int frame] => Values[mel * Frames + frame];

    /// <summary>
    /// The frames [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a
    /// row-major [MelBins, <paramref name="width"/>] array, zero past <paramref name="count"/> frames or the
    /// end of the spectrogram (the reference pad_or_trim of a window).
    /// </summary>
    public float[] Window(int start, int count, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var window = new float[MelBins * width];
        int available = Math.Clamp(Math.Min(Frames - start, count), 0, width);
        for (int m = 0; m < MelBins; m++)
            Values.AsSpan(m * Frames + start, available).CopyTo(window.AsSpan(m * width));
        return window;
    }

    /// <summary>
    /// Computes the log-mel spectrogram of 16 kHz <paramref name="samples"/> followed by
    /// <paramref name="paddingSamples"/> zeros, normalised over the whole result.
    /// </summary>
    /// <param name="samples">Mono audio at 16 kHz.</param>
    /// <param name="melBins">80, or 128 for large-v3.</param>
    /// <param name="paddingSamples">Zeros appended first; the reference transcriber appends
    /// <see cref="WindowSamples"/> and slices <see cref="WindowFrames"/>-frame windows from the result.</param>
    public static LogMelSpectrogram Compute(ReadOnlySpan<float> samples, int melBins = MelFilterbank.Standard, int paddingSamples = 0)
    {
        var stream = new StreamingLogMel(melBins);
        var frames = new List<float[]>(samples.Length / HopLength + paddingSamples / HopLength);
        frames.AddRange(stream.Push(samples));
        AddPadding(stream, frames, paddingSamples);
        frames.AddRange(stream.Complete());
        return FromFrames(frames, melBins);
    }

    /// <summary>
    /// Computes the log-mel spectrogram of everything <paramref name="source"/> yields (16 kHz) followed by
    /// <paramref name="paddingSamples"/> zeros. The audio is streamed: memory holds the result
    /// (4 bytes × mel bins × 100 per second: 32 KB per second of audio at 80 bins) plus a fixed buffer.
    /// </summary>
    public static LogMelSpectrogram Compute(AudioSource source, int melBins = MelFilterbank.Standard, int paddingSamples = 0, CancellationToken cancellation = default)
    {
        if (source.SampleRate != SampleRate)
            throw new ArgumentException($"The log-mel spectrogram needs {SampleRate} Hz audio; {source.Name} is {source.SampleRate} Hz.", nameof(source));
        var stream = new StreamingLogMel(melBins);
        var frames = new List<float[]>();
        var chunk = new float[SampleRate];
        int read;
        while ((read = source.Read(chunk)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            frames.AddRange(stream.Push(chunk.AsSpan(0, read)));
        }
        AddPadding(stream, frames, paddingSamples);
        frames.AddRange(stream.Complete());
        return FromFrames(frames, melBins);
    }

    /// <summary>
    /// The reference normalisation, in place, of raw log10 frames: clamps each value to at least
    /// <paramref name="maximum"/> − 8 and maps it to (x + 4) / 4. <paramref name="maximum"/> is the largest raw
    /// value over the span the reference computes at once: the whole input (padding included) for files.
    /// A streaming caller chooses its own span, e.g. the audio buffer it decodes, and so may differ from the
    /// whole-file result where the loudest part of the file lies outside that span.
    /// </summary>
    public static void Normalize(Span<float> values, float maximum)
    {
        float floor = maximum - DynamicRange;
        for (int i = 0; i < values.Length; i++)
            values[i] = (Math.Max(values[i], floor) + 4f) / 4f;
    }

    static void AddPadding(StreamingLogMel stream, List<float[]> frames, int paddingSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(paddingSamples);
        var zeros = new float[Math.Min(paddingSamples, SampleRate)];
        for (int left = paddingSamples; left > 0; left -= zeros.Length)
            frames.AddRange(stream.Push(zeros.AsSpan(0, Math.Min(left, zeros.Length))));
    }

    /// <summary>
    /// The spectrogram of raw log10 frames (as <see cref="StreamingLogMel"/> emits them, each of
    /// <paramref name="melBins"/> values), normalised over them all (see <see cref="Normalize"/>).
    /// </summary>
    public static LogMelSpectrogram FromRawFrames(IReadOnlyList<float[]> frames, int melBins)
    {
        if (frames.Any(f => f.Length != melBins))
            throw new ArgumentException($"Every frame must have {melBins} mel values.", nameof(frames));
        return FromFrames(frames, melBins);
    }

    static LogMelSpectrogram FromFrames(IReadOnlyList<float[]> frames, int melBins)
    {
        int count = frames.Count;
        var values = new float[(long)melBins * count];
        float maximum = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            var frame = frames[t];
            for (int m = 0; m < melBins; m++)
            {
                values[m * count + t] = frame[m];
                maximum = Math.Max(maximum, frame[m]);
            }
        }
        Normalize(values, maximum);
        return new LogMelSpectrogram(melBins, count, values);
    }
}
