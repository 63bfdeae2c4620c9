using System.Numerics;
using SpeechToText.Features;

namespace SpeechToText.Tests.Features;

public class FftTests
{
    [Theory]
    [InlineData(400)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(48)]
    [InlineData(210)]
    public void Equals_the_discrete_fourier_transform(int length)
    {
        var random = new Random(length);
        var input = Enumerable.Range(0, length).Select(_ => new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5)).ToArray();
        var data = (Complex[])input.Clone();
        new Fft(length).Forward(data);

        for (int j = 0; j < length; j++)
        {
            Complex expected = Complex.Zero;
            for (int n = 0; n < length; n++)
                expected += input[n] * Complex.FromPolarCoordinates(1, -2 * Math.PI * j * n / length);
            Assert.True((data[j] - expected).Magnitude < 1e-10, $"bin {j}: {data[j]} vs {expected}");
        }
    }

    [Fact]
    public void Rejects_lengths_with_large_prime_factors() =>
        Assert.Throws<ArgumentException>(() => new Fft(11 * 16));
}
