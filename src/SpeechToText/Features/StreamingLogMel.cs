using System.Numerics;

namespace SpeechToText.Features;

/// <summary>
/// Computes Whisper's log-mel frames incrementally from 16 kHz audio pushed in chunks of any size.
/// Each frame is log10(max(mel power, 1e-10)): the spectrogram before normalisation. The frames are
/// exactly those of <see cref="LogMelSpectrogram.Compute(ReadOnlySpan{float}, int, int)"/> on the
/// whole audio; only the normalisation (which needs the maximum over all frames) is left to the caller,
/// see <see cref="LogMelSpectrogram.Normalize"/>.
/// </summary>
/// <remarks>
/// STFT as the reference computes it: 400-sample periodic Hann window, hop 160, frames centred on
/// multiples of the hop with the audio reflected (without repeating the edge sample) at both ends, power
/// spectrum; N samples give N / 160 frames (the reference drops the last). Frame k needs samples up to
/// 160·k + 200, so it is emitted as soon as they arrive; the frames that need the reflected end are
/// emitted by <see cref="Complete"/>. Memory is bounded by the chunk size plus 400 samples.
/// </remarks>
public sealed class StreamingLogMel
{
    const double MinPower = 1e-10;
    const int Half = LogMelSpectrogram.FftLength / 2;

    readonly MelFilterbank _filterbank;
    readonly Fft _fft = new(LogMelSpectrogram.FftLength);
    readonly double[] _window = HannWindow(LogMelSpectrogram.FftLength);
    readonly Complex[] _spectrum = new Complex[LogMelSpectrogram.FftLength];
    readonly double[] _power = new double[LogMelSpectrogram.FrequencyBins];
    readonly double[] _mel;
    readonly List<float> _samples = [];
    long _samplesStart;   // absolute index of _samples[0]
    long _sampleCount;    // samples pushed so far
    long _nextFrame;
    bool _completed;

    /// <summary>Starts a stream of frames with <paramref name="melBins"/> bins (80 or 128).</summary>
    public StreamingLogMel(int melBins)
        : this(new MelFilterbank(melBins))
    {
    }

    /// <summary>Starts a stream of frames using <paramref name="filterbank"/>.</summary>
    public StreamingLogMel(MelFilterbank filterbank)
    {
        _filterbank = filterbank;
        _mel = new double[filterbank.MelBins];
    }

    /// <summary>Mel bins per frame.</summary>
    public int MelBins => _filterbank.MelBins;

    /// <summary>Frames emitted so far.</summary>
    public long FramesEmitted => _nextFrame;

    /// <summary>Appends <paramref name="samples"/> and returns the frames that became complete, in order.</summary>
    public IReadOnlyList<float[]> Push(ReadOnlySpan<float> samples)
    {
        if (_completed)
            throw new InvalidOperationException("The stream was completed; start a new one.");
        _samples.AddRange(samples);
        _sampleCount += samples.Length;
        var frames = new List<float[]>();
        // Frame k spans samples [160k - 200, 160k + 200); the left reflection reads samples up to index 200.
        while (_sampleCount > Half && Centre(_nextFrame) + Half <= _sampleCount)
            frames.Add(NextFrame());
        DropConsumedSamples();
        return frames;
    }

    /// <summary>Marks the end of the audio and returns the last frames (those that reach past its end).</summary>
    public IReadOnlyList<float[]> Complete()
    {
        if (_completed)
            return [];
        _completed = true;
        var frames = new List<float[]>();
        long total = _sampleCount / LogMelSpectrogram.HopLength;
        while (_nextFrame < total)
            frames.Add(NextFrame());
        return frames;
    }

    static long Centre(long frame) => frame * LogMelSpectrogram.HopLength;

    float[] NextFrame()
    {
        long start = Centre(_nextFrame) - Half;
        for (int i = 0; i < LogMelSpectrogram.FftLength; i++)
            _spectrum[i] = new Complex(Sample(start + i) * _window[i], 0);
        _fft.Forward(_spectrum);
        for (int k = 0; k < _power.Length; k++)
        {
            var x = _spectrum[k];
            _power[k] = x.Real * x.Real + x.Imaginary * x.Imaginary;
        }
        _filterbank.Apply(_power, _mel);
        var frame = new float[_mel.Length];
        for (int m = 0; m < frame.Length; m++)
            frame[m] = (float)Math.Log10(Math.Max(_mel[m], MinPower));
        _nextFrame++;
        return frame;
    }

    /// <summary>The sample at absolute index <paramref name="index"/>, reflected at both ends of the audio.</summary>
    float Sample(long index)
    {
        long last = _sampleCount - 1;
        while (index < 0 || index > last)
        {
            if (last == 0)
                return _samples[0];
            index = index < 0 ? -index : 2 * last - index;
        }
        return _samples[(int)(index - _samplesStart)];
    }

    void DropConsumedSamples()
    {
        // The next frame needs samples from 160·next - 200 (and, while it is at the start, index 1 upwards).
        long keepFrom = Math.Max(0, Centre(_nextFrame) - Half);
        int drop = (int)(keepFrom - _samplesStart);
        if (drop < 8 * LogMelSpectrogram.FftLength)
            return;
        _samples.RemoveRange(0, drop);
        _samplesStart = keepFrom;
    }

    static double[] HannWindow(int length)
    {
        var window = new double[length];
        for (int n = 0; n < length; n++)
            window[n] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / length); // periodic Hann
        return window;
    }
}
