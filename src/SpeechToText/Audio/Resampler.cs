using System.Numerics;
using System.Runtime.InteropServices;

namespace SpeechToText.Audio;

/// <summary>
/// Band-limited sample-rate conversion by a Kaiser-windowed sinc kernel evaluated at polyphase offsets.
/// Streams: feeding the input in any chunking gives the same output as feeding it at once.
/// </summary>
/// <remarks>
/// Design: stop band from the lower Nyquist frequency up (attenuation at least
/// <see cref="StopBandAttenuationDb"/> dB), pass band up to 90% of it, so for 16 kHz output nothing above
/// 8 kHz folds back and speech up to 7.2 kHz passes with a ripple below 0.001 dB. The kernel is
/// zero-phase: output sample n is the input evaluated at time n × inputRate / outputRate, with no delay.
/// For rate ratios with more than <see cref="MaxPhases"/> phases the offset is rounded to the nearest of
/// <see cref="MaxPhases"/> phases (a timing error below 1/8192 of an input sample).
/// </remarks>
public sealed class Resampler
{
    /// <summary>Stop-band attenuation of the kernel, in dB.</summary>
    public const double StopBandAttenuationDb = 80;

    /// <summary>The most kernel phases precomputed.</summary>
    public const int MaxPhases = 4096;

    const double PassBandFraction = 0.9; // pass band edge as a fraction of the lower Nyquist frequency

    readonly int _up;        // L: output rate / gcd
    readonly int _down;      // M: input rate / gcd
    readonly int _phases;    // P
    readonly int _halfWidth; // W: taps on each side of the evaluation point
    readonly float[] _kernel; // [P, 2W], phase p at offset p / P
    float[] _history = new float[4096];
    long _historyStart;   // absolute index of _history[0]
    int _historyCount;
    long _inputCount;
    long _outputCount;

    /// <summary>Creates a converter from <paramref name="inputRate"/> to <paramref name="outputRate"/> Hz.</summary>
    public Resampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;
        int gcd = Gcd(inputRate, outputRate);
        _up = outputRate / gcd;
        _down = inputRate / gcd;
        _phases = Math.Min(_up, MaxPhases);

        double stopHz = Math.Min(inputRate, outputRate) / 2.0;
        double cutoff = (1 + PassBandFraction) / 2 * stopHz / inputRate;      // cycles per input sample
        double transition = (1 - PassBandFraction) * stopHz / inputRate;
        double beta = 0.1102 * (StopBandAttenuationDb - 8.7);                 // Kaiser's formula
        double length = (StopBandAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition);
        _halfWidth = (int)Math.Ceiling(length / 2);
        _kernel = BuildKernel(_phases, _halfWidth, cutoff, beta);
    }

    /// <summary>The input sample rate in Hz.</summary>
    public int InputRate { get; }

    /// <summary>The output sample rate in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>Converts <paramref name="input"/>, appending the output samples that became computable.</summary>
    public void Process(ReadOnlySpan<float> input, List<float> output)
    {
        Append(input);
        Emit(output, flushing: false);
    }

    /// <summary>Marks the end of the input and appends the remaining output (the input is treated as followed by silence).</summary>
    public void Flush(List<float> output) => Emit(output, flushing: true);

    void Emit(List<float> output, bool flushing)
    {
        int taps = 2 * _halfWidth;
        long total = flushing ? (_inputCount * _up + _down - 1) / _down : long.MaxValue;
        Span<float> window = taps <= 1024 ? stackalloc float[taps] : new float[taps];
        while (_outputCount < total)
        {
            long position = _outputCount * _down;
            long first = position / _up - _halfWidth + 1;
            long remainder = position % _up;
            int phase = _phases == _up ? (int)remainder : (int)Math.Round(remainder * (double)_phases / _up);
            if (phase == _phases)
            {
                phase = 0;
                first++;
            }
            if (!flushing && first + taps > _inputCount)
                break;
            long offset = first - _historyStart;
            ReadOnlySpan<float> inputs = offset >= 0 && offset + taps <= _historyCount
                ? _history.AsSpan((int)offset, taps)
                : Gather(first, window);
            output.Add(Dot(inputs, _kernel.AsSpan(phase * taps, taps)));
            _outputCount++;
        }
        Compact(_outputCount * _down / _up - _halfWidth);
    }

    /// <summary>Copies the inputs from <paramref name="first"/> on into <paramref name="window"/>, with zeros outside the audio.</summary>
    Span<float> Gather(long first, Span<float> window)
    {
        for (int i = 0; i < window.Length; i++)
        {
            long index = first + i - _historyStart;
            window[i] = index >= 0 && index < _historyCount ? _history[index] : 0f;
        }
        return window;
    }

    void Append(ReadOnlySpan<float> input)
    {
        if (_historyCount + input.Length > _history.Length)
            Array.Resize(ref _history, Math.Max(_history.Length * 2, _historyCount + input.Length));
        input.CopyTo(_history.AsSpan(_historyCount));
        _historyCount += input.Length;
        _inputCount += input.Length;
    }

    /// <summary>Drops history before <paramref name="keepFrom"/> (an absolute input index).</summary>
    void Compact(long keepFrom)
    {
        int drop = (int)Math.Clamp(keepFrom - _historyStart, 0, _historyCount);
        if (drop < _history.Length / 2)
            return;
        _history.AsSpan(drop, _historyCount - drop).CopyTo(_history);
        _historyCount -= drop;
        _historyStart += drop;
    }

    static float[] BuildKernel(int phases, int halfWidth, double cutoff, double beta)
    {
        int taps = 2 * halfWidth;
        var kernel = new float[phases * taps];
        double norm = BesselI0(beta);
        for (int p = 0; p < phases; p++)
        {
            double offset = (double)p / phases;
            for (int t = 0; t < taps; t++)
            {
                // Tap t multiplies input sample (centre - W + 1 + t); its distance from the evaluation point:
                double x = offset + halfWidth - 1 - t;
                double r = x / halfWidth;
                double window = Math.Abs(r) >= 1 ? 0 : BesselI0(beta * Math.Sqrt(1 - r * r)) / norm;
                kernel[p * taps + t] = (float)(2 * cutoff * Sinc(2 * cutoff * x) * window);
            }
        }
        return kernel;
    }

    static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 200 && term > 1e-17 * sum; k++)
        {
            term *= half / k * (half / k);
            sum += term;
        }
        return sum;
    }

    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var acc = Vector<float>.Zero;
        for (int i = 0; i < va.Length; i++)
            acc += va[i] * vb[i];
        float sum = Vector.Sum(acc);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}

/// <summary>An <see cref="AudioSource"/> that converts another source to a target sample rate.</summary>
public sealed class ResampledAudioSource : AudioSource
{
    readonly AudioSource _inner;
    readonly Resampler _resampler;
    readonly float[] _chunk = new float[8192];
    readonly List<float> _pending = [];
    int _pendingOffset;
    bool _innerEnded;

    /// <summary>Wraps <paramref name="inner"/>, converting it to <paramref name="sampleRate"/> Hz; takes ownership of it.</summary>
    public ResampledAudioSource(AudioSource inner, int sampleRate)
    {
        _inner = inner;
        _resampler = new Resampler(inner.SampleRate, sampleRate);
    }

    /// <inheritdoc />
    public override string Name => _inner.Name;

    /// <inheritdoc />
    public override int SampleRate => _resampler.OutputRate;

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        while (_pending.Count - _pendingOffset == 0 && !_innerEnded)
        {
            _pending.Clear();
            _pendingOffset = 0;
            int read = _inner.Read(_chunk);
            if (read == 0)
            {
                _innerEnded = true;
                _resampler.Flush(_pending);
            }
            else
            {
                _resampler.Process(_chunk.AsSpan(0, read), _pending);
            }
        }
        int count = Math.Min(destination.Length, _pending.Count - _pendingOffset);
        CollectionsMarshal.AsSpan(_pending).Slice(_pendingOffset, count).CopyTo(destination);
        _pendingOffset += count;
        return count;
    }

    /// <inheritdoc />
    protected internal override void Interrupt() => _inner.Interrupt();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
