using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpeechToText.Modeling;

/// <summary>
/// Multi-head scaled dot-product attention with Whisper's projections (the key projection has no bias).
/// Field names are openai/whisper's parameter names.
/// </summary>
internal sealed class MultiHeadAttention : Module
{
#pragma warning disable IDE1006 // parameter names follow the checkpoints
    readonly Linear query;
    readonly Linear key;
    readonly Linear value;
    readonly Linear @out;
#pragma warning restore IDE1006
    readonly int _heads;

    public MultiHeadAttention(int state, int heads) : base(nameof(MultiHeadAttention))
    {
        _heads = heads;
        query = Linear(state, state);
        key = Linear(state, state, hasBias: false);
        value = Linear(state, state);
        @out = Linear(state, state);
        RegisterComponents();
    }

    /// <summary>Keys and values of <paramref name="source"/>, split into heads: [batch, heads, time, head size].</summary>
    public (Tensor Keys, Tensor Values) KeysValues(Tensor source) =>
        (SplitHeads(key.call(source)), SplitHeads(value.call(source)));

    /// <summary>The kernels that compute the attention itself.</summary>
    internal ModelKernels Kernels { get; set; } = ModelKernels.Torch;

    /// <summary>
    /// Attends from <paramref name="x"/> [batch, time, state] to <paramref name="keys"/>/<paramref name="values"/>
    /// (masking by <paramref name="kind"/>, see <see cref="ModelKernels.Attend"/>).
    /// </summary>
    public Tensor Attend(Tensor x, Tensor keys, Tensor values, AttentionKind kind) =>
        Attend(x, q => Kernels.Attend(kind, q, keys, values));

    /// <summary>Causal attention from <paramref name="x"/> to every position of <paramref name="cache"/>, whose keys/values are given.</summary>
    public Tensor AttendCached(Tensor x, KeyValueCache cache, Tensor keys, Tensor values) =>
        Attend(x, q => Kernels.AttendCached(q, cache, keys, values));

    Tensor Attend(Tensor x, Func<Tensor, Tensor> attend)
    {
        using var q = SplitHeads(query.call(x));
        using var attended = attend(q);
        using var merged = attended.transpose(1, 2).reshape(x.shape[0], q.shape[2], -1);
        return @out.call(merged);
    }

    /// <summary>
    /// The attention scores of <paramref name="x"/> [batch, time, state] against <paramref name="keys"/>
    /// [batch, heads, key time, head size] before the softmax: q·kᵀ/√(head size), [batch, heads, time, key time].
    /// </summary>
    public Tensor Scores(Tensor x, Tensor keys)
    {
        using var q = SplitHeads(query.call(x));
        using var scores = torch.matmul(q, keys.transpose(-2, -1));
        return scores.Times(1.0 / Math.Sqrt(q.shape[3]));
    }

    /// <summary>Appends <paramref name="count"/> all-zero positions to keys and values [batch, heads, time, head size].</summary>
    public static (Tensor Keys, Tensor Values) AppendZeroPositions(Tensor keys, Tensor values, int count)
    {
        if (count == 0)
            return (keys, values);
        using var zeros = torch.zeros(keys.shape[0], keys.shape[1], count, keys.shape[3], keys.dtype, keys.device);
        return (torch.cat([keys, zeros], 2), torch.cat([values, zeros], 2));
    }

    Tensor SplitHeads(Tensor x)
    {
        using (x)
            return x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
    }
}
