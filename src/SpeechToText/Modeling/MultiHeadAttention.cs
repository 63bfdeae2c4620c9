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

    /// <summary>
    /// Attends from <paramref name="x"/> [batch, time, state] to <paramref name="keys"/>/<paramref name="values"/>.
    /// With <paramref name="causal"/>, query t (the last of the queries being the last key) sees keys up to its own position.
    /// </summary>
    public Tensor Attend(Tensor x, Tensor keys, Tensor values, bool causal)
    {
        using var q = SplitHeads(query.call(x));
        long queries = q.shape[2], offset = keys.shape[2] - queries;
        Tensor attended;
        if (!causal || queries == 1)
        {
            attended = nn.functional.scaled_dot_product_attention(q, keys, values);
        }
        else if (offset == 0)
        {
            attended = nn.functional.scaled_dot_product_attention(q, keys, values, is_casual: true);
        }
        else
        {
            // Queries continue a cached prefix: query i may see keys 0 .. offset + i.
            using var allowed = torch.ones(queries, keys.shape[2], ScalarType.Bool, x.device).tril(offset);
            attended = nn.functional.scaled_dot_product_attention(q, keys, values, allowed);
        }
        using (attended)
        {
            using var merged = attended.transpose(1, 2).reshape(x.shape[0], queries, -1);
            return @out.call(merged);
        }
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
