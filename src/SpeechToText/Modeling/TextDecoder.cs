using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpeechToText.Modeling;

/// <summary>
/// Whisper's text decoder: token embedding plus learned positions, causal transformer blocks that
/// cross-attend to the audio, a final LayerNorm, and logits from the (tied) token embedding, in fp32.
/// </summary>
public sealed class TextDecoder : Module
{
#pragma warning disable IDE1006 // parameter names follow the checkpoints
    readonly Embedding token_embedding;
    readonly Parameter positional_embedding;
    readonly ModuleList<ResidualAttentionBlock> blocks;
    readonly LayerNorm ln;
#pragma warning restore IDE1006
    (IntPtr Source, Tensor Weight)? _outputWeight; // see OutputWeight

    internal TextDecoder(ModelDimensions dims) : base(nameof(TextDecoder))
    {
        token_embedding = Embedding(dims.VocabularySize, dims.TextState);
        positional_embedding = new Parameter(torch.zeros(dims.TextContext, dims.TextState));
        blocks = new ModuleList<ResidualAttentionBlock>(
            Enumerable.Range(0, dims.TextLayers).Select(_ => new ResidualAttentionBlock(dims.TextState, dims.TextHeads, crossAttention: true)).ToArray());
        ln = LayerNorm(dims.TextState, 1e-5);
        RegisterComponents();
    }

    /// <summary>Decoder blocks.</summary>
    public int Layers => blocks.Count;

    /// <summary>The longest token sequence the decoder accepts.</summary>
    public long Context => positional_embedding.shape[0];

    /// <summary>The numeric kernels of the blocks' attentions and GELUs.</summary>
    internal ModelKernels Kernels
    {
        get;
        set
        {
            field = value;
            foreach (var block in blocks)
                block.Kernels = value;
        }
    } = ModelKernels.Torch;

    /// <summary>All-zero key positions appended to the cross-attention keys (see <see cref="WhisperModel.AudioKeyPadding"/>).</summary>
    internal int KeyPadding { get; set; }

    /// <summary>Computes the cross-attention keys and values of <paramref name="audio"/> for every block, once per audio window.</summary>
    public CrossAttentionCache CrossAttention(Tensor audio)
    {
        using var scope = NewDisposeScope();
        var layers = new (Tensor, Tensor)[blocks.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            var (keys, values) = blocks[i].CrossKeysValues(audio);
            (keys, values) = MultiHeadAttention.AppendZeroPositions(keys, values, KeyPadding);
            layers[i] = (keys.DetachFromDisposeScope(), values.DetachFromDisposeScope()); // the cache owns them
        }
        return new CrossAttentionCache(layers, Kernels);
    }

    /// <summary>
    /// Logits [batch, tokens, vocabulary] for <paramref name="tokens"/> [batch, tokens], which continue the
    /// positions already in <paramref name="cache"/>.
    /// </summary>
    public Tensor Forward(Tensor tokens, CrossAttentionCache audio, DecoderCache cache) => Run(tokens, audio, cache, crossScores: null);

    /// <summary>
    /// Logits [batch, tokens, vocabulary] of <paramref name="tokens"/> [batch, tokens] decoded from the first
    /// position, and each block's cross-attention scores before the softmax, [batch, heads, tokens, audio
    /// positions] (what word timing aligns).
    /// </summary>
    public (Tensor Logits, Tensor[] CrossScores) ForwardWithCrossScores(Tensor tokens, CrossAttentionCache audio)
    {
        var scores = new List<Tensor>();
        var logits = Run(tokens, audio, cache: null, scores);
        return (logits, [.. scores]);
    }

    Tensor Run(Tensor tokens, CrossAttentionCache audio, DecoderCache? cache, List<Tensor>? crossScores)
    {
        using var scope = NewDisposeScope();
        long offset = cache?.Length ?? 0, count = tokens.shape[1];
        if (offset + count > Context)
            throw new ArgumentException($"The decoder takes at most {Context} tokens; {offset + count} were given.", nameof(tokens));
        var x = token_embedding.call(tokens).Plus(positional_embedding.narrow(0, offset, count));
        for (int i = 0; i < blocks.Count; i++)
            x = blocks[i].Forward(x, causal: true, cache?.Layer(i), audio.Layer(i), crossScores: crossScores);
        foreach (var score in crossScores ?? [])
            score.MoveToOuterDisposeScope();
        x = ln.call(x);
        if (x.dtype != ScalarType.Float32)
            x = x.to_type(ScalarType.Float32);
        return nn.functional.linear(x, OutputWeight()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The token embedding in fp32 for the logits: the weight itself in an fp32 model; else, at inference, an
    /// fp32 copy made once per conversion of the model rather than once per step (for a 51,865-token vocabulary
    /// that would be tens of MB a step); with gradients on, a fresh conversion so that they reach the weight.
    /// </summary>
    Tensor OutputWeight()
    {
        var weight = token_embedding.weight!;
        if (weight.dtype == ScalarType.Float32)
            return weight;
        if (torch.is_grad_enabled())
            return weight.to_type(ScalarType.Float32);
        if (_outputWeight is not { } cached || cached.Source != weight.Handle)
        {
            _outputWeight?.Weight.Dispose();
            using var inference = torch.inference_mode();
            var copy = weight.to_type(ScalarType.Float32).DetachFromDisposeScope();
            _outputWeight = (weight.Handle, copy);
        }
        return _outputWeight.Value.Weight;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _outputWeight?.Weight.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>The cross-attention keys and values of one audio window for every decoder block. Owns its tensors.</summary>
public sealed class CrossAttentionCache : IDisposable
{
    readonly (Tensor Keys, Tensor Values)[] _layers;
    readonly ModelKernels _kernels;

    internal CrossAttentionCache((Tensor Keys, Tensor Values)[] layers, ModelKernels kernels) => (_layers, _kernels) = (layers, kernels);

    internal (Tensor Keys, Tensor Values) Layer(int index) => _layers[index];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (keys, values) in _layers)
        {
            _kernels.Release(keys);
            keys.Dispose();
            values.Dispose();
        }
    }
}

/// <summary>The self-attention caches of every decoder block for the sequences being decoded together.</summary>
public sealed class DecoderCache : IDisposable
{
    readonly KeyValueCache[] _layers;

    /// <summary>Creates empty caches for a decoder with <paramref name="layers"/> blocks.</summary>
    public DecoderCache(int layers) => _layers = Enumerable.Range(0, layers).Select(_ => new KeyValueCache()).ToArray();

    /// <summary>Positions cached.</summary>
    public long Length => _layers.Length == 0 ? 0 : _layers[0].Length;

    internal KeyValueCache Layer(int index) => _layers[index];

    /// <summary>Makes sequence i a copy of sequence <paramref name="sources"/>[i] in every block (see <see cref="KeyValueCache.Reorder"/>).</summary>
    internal void Reorder(IReadOnlyList<long> sources)
    {
        foreach (var layer in _layers)
            layer.Reorder(sources);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
    }
}
