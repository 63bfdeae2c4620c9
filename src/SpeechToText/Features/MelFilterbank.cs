namespace SpeechToText.Features;

/// <summary>
/// Whisper's triangular mel filterbank: librosa's default construction (Slaney mel scale, Slaney area
/// normalisation) over 0..8000 Hz for a 400-point FFT at 16 kHz. Stored sparsely: each filter keeps only
/// the FFT bins where it is non-zero.
/// </summary>
public sealed class MelFilterbank
{
    /// <summary>Mel bins of every Whisper model before large-v3.</summary>
    public const int Standard = 80;

    /// <summary>Mel bins of large-v3 and large-v3-turbo.</summary>
    public const int LargeV3 = 128;

    // Slaney's scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4).
    const double LinearHzPerMel = 200.0 / 3;
    const double BreakHz = 1000;
    const double BreakMel = BreakHz / LinearHzPerMel;
    static readonly double LogStep = Math.Log(6.4) / 27;

    readonly int[] _firstBin;
    readonly double[][] _weights;

    /// <summary>Builds the filterbank with <paramref name="melBins"/> filters (80 or 128 in Whisper; any count ≥ 1 works).</summary>
    public MelFilterbank(int melBins)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(melBins);
        MelBins = melBins;
        int bins = LogMelSpectrogram.FrequencyBins;
        double maxMel = HzToMel(LogMelSpectrogram.SampleRate / 2.0);
        var edges = new double[melBins + 2];
        for (int i = 0; i < edges.Length; i++)
            edges[i] = MelToHz(maxMel * i / (melBins + 1));

        _firstBin = new int[melBins];
        _weights = new double[melBins][];
        for (int m = 0; m < melBins; m++)
        {
            double lower = edges[m], centre = edges[m + 1], upper = edges[m + 2];
            double area = 2 / (upper - lower);
            var row = new List<double>();
            int first = -1;
            for (int k = 0; k < bins; k++)
            {
                double hz = k * (double)LogMelSpectrogram.SampleRate / LogMelSpectrogram.FftLength;
                double rising = (hz - lower) / (centre - lower);
                double falling = (upper - hz) / (upper - centre);
                double weight = Math.Max(0, Math.Min(rising, falling)) * area;
                if (weight <= 0)
                    continue;
                if (first < 0)
                    first = k;
                while (first + row.Count < k)
                    row.Add(0);
                row.Add(weight);
            }
            _firstBin[m] = Math.Max(first, 0);
            _weights[m] = [.. row];
        }
    }

    /// <summary>The number of filters.</summary>
    public int MelBins { get; }

    /// <summary>The weight of FFT bin <paramref name="bin"/> in filter <paramref name="mel"/>.</summary>
    public double this[int mel, int bin]
    {
        get
        {
            int offset = bin - _firstBin[mel];
            return offset >= 0 && offset < _weights[mel].Length ? _weights[mel][offset] : 0;
        }
    }

    /// <summary>Applies the filters to a power spectrum of <see cref="LogMelSpectrogram.FrequencyBins"/> bins.</summary>
    internal void Apply(ReadOnlySpan<double> power, Span<double> mel)
    {
        for (int m = 0; m < MelBins; m++)
        {
            var weights = _weights[m];
            var bins = power.Slice(_firstBin[m], weights.Length);
            double sum = 0;
            for (int i = 0; i < weights.Length; i++)
                sum += weights[i] * bins[i];
            mel[m] = sum;
        }
    }

    /// <summary>The centre frequency (Hz) of filter <paramref name="mel"/> of <paramref name="melBins"/>: the filters' centres are evenly spaced on Slaney's mel scale.</summary>
    public static double CentreHz(int mel, int melBins) =>
        MelToHz(HzToMel(LogMelSpectrogram.SampleRate / 2.0) * (mel + 1) / (melBins + 1));

    /// <summary>Where frequency <paramref name="hz"/> falls among the filters' centres: filter index, fractional, -1 at 0 Hz.</summary>
    public static double PositionOf(double hz, int melBins) =>
        HzToMel(hz) / HzToMel(LogMelSpectrogram.SampleRate / 2.0) * (melBins + 1) - 1;

    static double HzToMel(double hz) =>
        hz < BreakHz ? hz / LinearHzPerMel : BreakMel + Math.Log(hz / BreakHz) / LogStep;

    static double MelToHz(double mel) =>
        mel < BreakMel ? mel * LinearHzPerMel : BreakHz * Math.Exp(LogStep * (mel - BreakMel));
}
