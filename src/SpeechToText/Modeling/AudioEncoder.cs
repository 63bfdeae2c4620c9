using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpeechToText.Modeling;

/// <summary>
/// Whisper's audio encoder: two GELU convolutions (the second halves the frame rate), sinusoidal
/// positions, transformer blocks, and a final LayerNorm. Input [batch, mel bins, frames]; output
/// [batch, frames / 2, state]. Inputs shorter than the full context use only the positions they need.
/// </summary>
public sealed class AudioEncoder : Module
{
#pragma warning disable IDE1006 // parameter names follow the checkpoints
    readonly Conv1d conv1;
    readonly Conv1d conv2;
    readonly Tensor positional_embedding;
    readonly ModuleList<ResidualAttentionBlock> blocks;
    readonly LayerNorm ln_post;
#pragma warning restore IDE1006

    internal AudioEncoder(ModelDimensions dims) : base(nameof(AudioEncoder))
    {
        conv1 = Conv1d(dims.MelBins, dims.AudioState, kernel_size: 3, padding: 1);
        conv2 = Conv1d(dims.AudioState, dims.AudioState, kernel_size: 3, stride: 2, padding: 1);
        positional_embedding = Sinusoids(dims.AudioContext, dims.AudioState);
        blocks = new ModuleList<ResidualAttentionBlock>(
            Enumerable.Range(0, dims.AudioLayers).Select(_ => new ResidualAttentionBlock(dims.AudioState, dims.AudioHeads, crossAttention: false)).ToArray());
        ln_post = LayerNorm(dims.AudioState, 1e-5);
        RegisterComponents();
    }

    /// <summary>The numeric kernels of the convolutions, GELUs and attentions.</summary>
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

    /// <summary>All-zero key positions appended to each self-attention (see <see cref="WhisperModel.AudioKeyPadding"/>).</summary>
    internal int KeyPadding { get; set; }

    /// <summary>Encodes <paramref name="mel"/> [batch, mel bins, frames] into audio features [batch, frames / 2, state].</summary>
    public Tensor Forward(Tensor mel)
    {
        using var scope = NewDisposeScope();
        var x = Kernels.Gelu(Kernels.Convolve(conv1, mel));
        x = Kernels.Gelu(Kernels.Convolve(conv2, x)).permute(0, 2, 1);
        long positions = x.shape[1];
        if (positions > positional_embedding.shape[0])
            throw new ArgumentException($"The encoder takes at most {positional_embedding.shape[0] * 2} mel frames; got {mel.shape[2]}.", nameof(mel));
        x = x.Plus(positional_embedding.narrow(0, 0, positions).to(x.dtype));
        foreach (var block in blocks)
            x = block.Forward(x, causal: false, cache: null, cross: null, KeyPadding);
        return ln_post.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Whisper's sinusoidal positions: row t = [sin(t·inv), cos(t·inv)], inv_i = exp(-ln(10000)·i / (channels/2 − 1)).</summary>
    internal static Tensor Sinusoids(int length, int channels)
    {
        int half = channels / 2;
        double increment = Math.Log(10000) / (half - 1);
        var values = new float[length * channels];
        for (int t = 0; t < length; t++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = t * Math.Exp(-increment * i);
                values[t * channels + i] = (float)Math.Sin(angle);
                values[t * channels + half + i] = (float)Math.Cos(angle);
            }
        }
        return torch.tensor(values, [length, channels]);
    }
}
