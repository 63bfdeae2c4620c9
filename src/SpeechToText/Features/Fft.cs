using System.Numerics;

namespace SpeechToText.Features;

/// <summary>
/// A complex fast Fourier transform of one fixed length whose prime factors are small (e.g. 400 = 4·4·5·5),
/// in double precision: a self-sorting (Stockham) mixed-radix decimation in time.
/// </summary>
internal sealed class Fft
{
    readonly int[] _radices;
    readonly Complex[][] _twiddles;  // per stage: [j1 * r + q] = exp(-2πi j1 q / L)
    readonly Complex[][] _roots;     // per stage: [j2 * r + q] = exp(-2πi j2 q / r)
    readonly Complex[] _scratch;

    public Fft(int length)
    {
        Length = length;
        _radices = Factor(length);
        _twiddles = new Complex[_radices.Length][];
        _roots = new Complex[_radices.Length][];
        int previous = 1;
        for (int s = 0; s < _radices.Length; s++)
        {
            int r = _radices[s], l = previous * r;
            _twiddles[s] = new Complex[previous * r];
            for (int j1 = 0; j1 < previous; j1++)
                for (int q = 0; q < r; q++)
                    _twiddles[s][j1 * r + q] = Complex.FromPolarCoordinates(1, -2 * Math.PI * j1 * q / l);
            _roots[s] = new Complex[r * r];
            for (int j2 = 0; j2 < r; j2++)
                for (int q = 0; q < r; q++)
                    _roots[s][j2 * r + q] = Complex.FromPolarCoordinates(1, -2 * Math.PI * (j2 * q % r) / r);
            previous = l;
        }
        _scratch = new Complex[length];
    }

    public int Length { get; }

    /// <summary>Transforms <paramref name="data"/> in place: X[j] = Σ x[n] exp(-2πi j n / N).</summary>
    public void Forward(Complex[] data)
    {
        // Stage s turns the DFTs of length Ls of the N/Ls interleaved subsequences (stored [k * Ls + j])
        // into DFTs of length L = Ls·r of N/L subsequences: Y_L[k][j1 + Ls j2] =
        // Σ_q exp(-2πi j2 q / r) · exp(-2πi j1 q / L) · Y_Ls[k + M q][j1], with M = N / L.
        Complex[] source = data, target = _scratch;
        Span<Complex> gathered = stackalloc Complex[MaxRadix];
        int previous = 1;
        for (int s = 0; s < _radices.Length; s++)
        {
            int r = _radices[s], l = previous * r, m = Length / l;
            var twiddles = _twiddles[s];
            var roots = _roots[s];
            for (int k = 0; k < m; k++)
            {
                for (int j1 = 0; j1 < previous; j1++)
                {
                    for (int q = 0; q < r; q++)
                        gathered[q] = twiddles[j1 * r + q] * source[(k + m * q) * previous + j1];
                    int output = k * l + j1;
                    if (r == 2)
                    {
                        target[output] = gathered[0] + gathered[1];
                        target[output + previous] = gathered[0] - gathered[1];
                        continue;
                    }
                    for (int j2 = 0; j2 < r; j2++)
                    {
                        Complex sum = gathered[0];
                        for (int q = 1; q < r; q++)
                            sum += roots[j2 * r + q] * gathered[q];
                        target[output + previous * j2] = sum;
                    }
                }
            }
            (source, target) = (target, source);
            previous = l;
        }
        if (!ReferenceEquals(source, data))
            source.AsSpan().CopyTo(data);
    }

    const int MaxRadix = 7;

    static int[] Factor(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var radices = new List<int>();
        int rest = length;
        foreach (int radix in new[] { 4, 2, 3, 5, 7 })
        {
            while (rest % radix == 0)
            {
                radices.Add(radix);
                rest /= radix;
            }
        }
        if (rest != 1)
            throw new ArgumentException($"FFT length {length} has a prime factor above {MaxRadix}.", nameof(length));
        return [.. radices];
    }
}
