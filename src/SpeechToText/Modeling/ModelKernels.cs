using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>Which of the model's attentions a call computes.</summary>
internal enum AttentionKind
{
    /// <summary>Encoder self-attention: every audio position sees every other.</summary>
    EncoderSelf,

    /// <summary>Decoder self-attention, causal: the last queries continue the keys' positions (a cached prefix).</summary>
    DecoderSelf,

    /// <summary>Decoder cross-attention: text queries over all audio positions.</summary>
    Cross,
}

/// <summary>
/// The numeric kernels the model is built from: attention, GELU and the encoder's convolutions. This
/// class computes them with TorchSharp (scaled dot-product attention, exact GELU). A subclass may
/// substitute another implementation, e.g. one that reproduces another engine's arithmetic.
/// </summary>
internal class ModelKernels
{
    /// <summary>The TorchSharp kernels, used unless a model is told otherwise.</summary>
    public static ModelKernels Torch { get; } = new();

    /// <summary>
    /// softmax(q·kᵀ / √head size)·v for queries [batch, heads, queries, head size] over keys and values
    /// [batch, heads, keys, head size]. For <see cref="AttentionKind.DecoderSelf"/> query i sees keys
    /// 0 .. keys − queries + i.
    /// </summary>
    public virtual Tensor Attend(AttentionKind kind, Tensor queries, Tensor keys, Tensor values)
    {
        long count = queries.size(2), offset = keys.size(2) - count;
        if (kind != AttentionKind.DecoderSelf || count == 1)
            return nn.functional.scaled_dot_product_attention(queries, keys, values);
        if (offset == 0)
            return nn.functional.scaled_dot_product_attention(queries, keys, values, is_casual: true);
        using var allowed = torch.ones(count, count + offset, ScalarType.Bool, queries.device).tril(offset);
        return nn.functional.scaled_dot_product_attention(queries, keys, values, allowed);
    }

    /// <summary>
    /// Cached causal self-attention: <see cref="Attend"/> of kind <see cref="AttentionKind.DecoderSelf"/> over
    /// <paramref name="keys"/>/<paramref name="values"/>, which are all the positions of <paramref name="cache"/>
    /// (the last ones just appended). Kernels that keep the cache elsewhere (on a GPU) copy only the new positions.
    /// </summary>
    public virtual Tensor AttendCached(Tensor queries, KeyValueCache cache, Tensor keys, Tensor values) =>
        Attend(AttentionKind.DecoderSelf, queries, keys, values);

    /// <summary>
    /// Called when cross-attention keys (of an audio window) will not be attended again, so that kernels that
    /// keep a copy of them elsewhere (on a GPU) can free it.
    /// </summary>
    public virtual void Release(Tensor keys)
    {
    }

    /// <summary>GELU (the exact, erf-based form).</summary>
    public virtual Tensor Gelu(Tensor x) => nn.functional.gelu(x);

    /// <summary>One of the encoder's convolutions applied to <paramref name="input"/>.</summary>
    public virtual Tensor Convolve(Conv1d convolution, Tensor input) => convolution.call(input);
}
