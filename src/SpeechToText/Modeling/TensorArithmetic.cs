using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>
/// Tensor arithmetic whose scalar operands stay alive until libtorch has used them. TorchSharp's operators
/// and number overloads (<c>a + b</c>, <c>a * 0.5</c>, <c>a.clamp_min(1e-10)</c>) convert to a
/// temporary <see cref="Scalar"/> (for a sum, the multiplier 1 of the second operand) and hand libtorch only its
/// native pointer; if another thread starts a garbage collection meanwhile, the scalar's finalizer can free it
/// mid-call, and the operation fails ("Expected false to be true" from <c>c10::Scalar::toFloat</c>) or reads
/// freed memory. The model, decoding and training code use these methods instead. Subtracting or dividing
/// two tensors passes no scalar and needs none of them.
/// </summary>
internal static class TensorArithmetic
{
    static readonly Scalar One = 1.ToScalar(); // reachable for the life of the process

    /// <summary><paramref name="left"/> + <paramref name="right"/>, broadcasting.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary><paramref name="tensor"/> multiplied by <paramref name="factor"/>, in the tensor's type.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }

    /// <summary><paramref name="tensor"/> with every element below <paramref name="minimum"/> raised to it.</summary>
    public static Tensor AtLeast(this Tensor tensor, double minimum)
    {
        using var scalar = minimum.ToScalar();
        return tensor.clamp_min(scalar);
    }
}
