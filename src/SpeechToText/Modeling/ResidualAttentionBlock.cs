using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpeechToText.Modeling;

/// <summary>
/// A pre-LayerNorm transformer block: self-attention, cross-attention to the audio (decoder blocks only),
/// and a GELU MLP of width 4·state, each added to the residual stream.
/// </summary>
internal sealed class ResidualAttentionBlock : Module
{
    const double LayerNormEpsilon = 1e-5;

#pragma warning disable IDE1006 // parameter names follow the checkpoints
    readonly MultiHeadAttention attn;
    readonly LayerNorm attn_ln;
    readonly MultiHeadAttention? cross_attn;
    readonly LayerNorm? cross_attn_ln;
    readonly Sequential mlp;
    readonly LayerNorm mlp_ln;
#pragma warning restore IDE1006
    readonly (Linear Expand, Linear Project) _mlpLayers;

    public ResidualAttentionBlock(int state, int heads, bool crossAttention) : base(nameof(ResidualAttentionBlock))
    {
        attn = new MultiHeadAttention(state, heads);
        attn_ln = LayerNorm(state, LayerNormEpsilon);
        if (crossAttention)
        {
            cross_attn = new MultiHeadAttention(state, heads);
            cross_attn_ln = LayerNorm(state, LayerNormEpsilon);
        }
        var (expand, project) = (Linear(state, 4 * state), Linear(4 * state, state));
        mlp = Sequential(("0", expand), ("1", GELU()), ("2", project)); // named as in the checkpoints; run by Forward
        _mlpLayers = (expand, project);
        mlp_ln = LayerNorm(state, LayerNormEpsilon);
        RegisterComponents();
    }

    /// <summary>The numeric kernels of this block's attentions and GELU.</summary>
    internal ModelKernels Kernels
    {
        get => attn.Kernels;
        set
        {
            attn.Kernels = value;
            if (cross_attn != null)
                cross_attn.Kernels = value;
        }
    }

    /// <summary>The cross-attention keys and values of the audio for this block (decoder blocks only).</summary>
    public (Tensor Keys, Tensor Values) CrossKeysValues(Tensor audio) =>
        (cross_attn ?? throw new InvalidOperationException("Encoder blocks have no cross-attention.")).KeysValues(audio);

    /// <summary>
    /// Runs the block on <paramref name="x"/> [batch, time, state]. <paramref name="cache"/> holds the
    /// self-attention keys/values of earlier positions and receives those of <paramref name="x"/>.
    /// <paramref name="zeroKeys"/> all-zero positions are appended to the self-attention keys (see
    /// <see cref="WhisperModel.AudioKeyPadding"/>). <paramref name="crossScores"/>, when given, receives the
    /// cross-attention scores before the softmax, [batch, heads, time, audio positions] (see <see cref="MultiHeadAttention.Scores"/>).
    /// </summary>
    public Tensor Forward(Tensor x, bool causal, KeyValueCache? cache, (Tensor Keys, Tensor Values)? cross, int zeroKeys = 0,
        List<Tensor>? crossScores = null)
    {
        using var scope = NewDisposeScope();
        using var normed = attn_ln.call(x);
        var (keys, values) = attn.KeysValues(normed);
        if (cache != null)
            (keys, values) = cache.Append(keys, values);
        (keys, values) = MultiHeadAttention.AppendZeroPositions(keys, values, zeroKeys);
        x = x.Plus(cache != null && zeroKeys == 0
            ? attn.AttendCached(normed, cache, keys, values)
            : attn.Attend(normed, keys, values, causal ? AttentionKind.DecoderSelf : AttentionKind.EncoderSelf));
        if (cross_attn != null && cross_attn_ln != null && cross is { } audio)
        {
            var normedForCross = cross_attn_ln.call(x);
            crossScores?.Add(cross_attn.Scores(normedForCross, audio.Keys).MoveToOuterDisposeScope());
            x = x.Plus(CrossAttend(cross_attn, normedForCross, audio));
        }
        x = x.Plus(_mlpLayers.Project.call(Kernels.Gelu(_mlpLayers.Expand.call(mlp_ln.call(x)))));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Cross-attention of <paramref name="x"/> [sequences, time, state] to the audio. Several sequences
    /// decoded against one audio (beams) attend as one sequence of all their queries: cross-attention has no
    /// mask, so each query is independent, and the audio's keys/values are neither copied nor broadcast.
    /// </summary>
    static Tensor CrossAttend(MultiHeadAttention attention, Tensor x, (Tensor Keys, Tensor Values) audio)
    {
        if (audio.Keys.shape[0] != 1 || x.shape[0] == 1)
            return attention.Attend(x, audio.Keys, audio.Values, AttentionKind.Cross);
        using var folded = x.reshape(1, -1, x.shape[2]);
        using var attended = attention.Attend(folded, audio.Keys, audio.Values, AttentionKind.Cross);
        return attended.reshape(x.shape);
    }
}
