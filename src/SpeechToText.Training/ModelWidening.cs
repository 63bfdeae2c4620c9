using SpeechToText.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Training;

/// <summary>
/// Widens a trained model: its residual stream, attention heads, MLPs and convolutions grow to a new width while the
/// model computes what it computed before, so that training continues from what it learned with more capacity.
/// </summary>
/// <remarks>
/// Each new residual channel carries the mean of the old channels: every layer that writes the stream (the second
/// convolution, the position and token embeddings, the attention and MLP output projections) writes into a new
/// channel the mean of what it writes into the old ones. A LayerNorm then sees the old channels' mean, and their
/// variance scaled by old / new width, which its gain (scaled by the square root of that) undoes; its new channels
/// come out as zero, so the random weights that read them change nothing, and the new heads, hidden units and
/// convolution channels, whose outputs the writers read with zero weights, add nothing. One place is approximate:
/// the encoder adds its positions after the second convolution's GELU, so a new channel there carries the GELU of
/// the mean rather than the mean of the GELUs, and that difference stays in the new channels through the encoder
/// (every writer adds the mean of its own writes): its LayerNorms, output, cross-attention and CTC head see it.
/// </remarks>
internal static class ModelWidening
{
    /// <summary>Why <paramref name="model"/> cannot be widened to <paramref name="width"/>, or null when it can.</summary>
    public static string? Refusal(WhisperModel model, int width)
    {
        var dims = model.Dimensions;
        int headSize = dims.AudioState / dims.AudioHeads;
        if (dims.TextState / dims.TextHeads != headSize)
            return $"The model cannot be widened: its encoder's heads ({headSize} wide) and decoder's ({dims.TextState / dims.TextHeads}) differ.";
        if (width < dims.AudioState)
            return $"The model cannot be widened to {width}: it is {dims.AudioState} wide, and widening removes nothing.";
        if (width % headSize != 0)
            return $"The model cannot be widened to {width}: the width must be a multiple of its heads' size, {headSize}.";
        try
        {
            WidenedDimensions(dims, width).Validate("the widened model");
        }
        catch (InvalidDataException e)
        {
            return $"The model cannot be widened to {width}: {e.Message}.";
        }
        return null;
    }

    static ModelDimensions WidenedDimensions(ModelDimensions dims, int width)
    {
        int heads = width / (dims.AudioState / dims.AudioHeads);
        return dims with { AudioState = width, TextState = width, AudioHeads = heads, TextHeads = heads };
    }

    /// <summary>
    /// A copy of <paramref name="model"/> of width <paramref name="width"/> (heads of the same size, MLPs four times
    /// as wide): the new weights that only read new channels are initialised by <paramref name="initialize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The model cannot be widened to that width (see <see cref="Refusal"/>).</exception>
    public static WhisperModel Widen(WhisperModel model, int width, Action<WhisperModel> initialize)
    {
        if (Refusal(model, width) is { } why)
            throw new ArgumentException(why, nameof(model));
        var widened = new WhisperModel(WidenedDimensions(model.Dimensions, width)) { Settings = model.Settings };
        try
        {
            initialize(widened);
            var trained = model.state_dict();
            double scale = Math.Sqrt((double)model.Dimensions.AudioState / width);
            using var noGrad = no_grad();
            foreach (var (name, tensor) in widened.state_dict())
            {
                using var scope = NewDisposeScope();
                var old = trained[name];
                switch (RoleOf(name))
                {
                    case Role.Reads:
                        tensor[Leading(old)] = old;
                        break;
                    case Role.Writes:
                        tensor[Leading(old)] = old;
                        Write(tensor, old, ResidualAxis(name));
                        break;
                    case Role.Normalises when name.EndsWith(".weight", StringComparison.Ordinal):
                        tensor.fill_(scale);
                        tensor[Leading(old)] = old * scale;
                        break;
                    case Role.Normalises:
                        tensor.zero_();
                        tensor[Leading(old)] = old;
                        break;
                }
            }
            return widened;
        }
        catch
        {
            widened.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A copy of <paramref name="head"/>, a linear layer that reads the encoder's output, reading <paramref name="width"/>
    /// channels: the new channels (zero in the widened model's encoder output) are read with small random weights.
    /// </summary>
    public static Linear WidenHead(Linear head, int width)
    {
        var weight = head.weight!;
        var widened = nn.Linear(width, weight.shape[0]);
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            nn.init.normal_(widened.weight!, 0, 0.02);
            widened.weight![Leading(weight)] = weight;
            widened.bias!.copy_(head.bias!);
            return widened;
        }
        catch
        {
            widened.Dispose();
            throw;
        }
    }

    enum Role { Reads, Writes, Normalises }

    /// <summary>What a tensor does with the residual stream: reads it (or a convolution's channels), writes it, or normalises it.</summary>
    static Role RoleOf(string name)
    {
        if (name.Split('.').Any(part => part is "ln" or "ln_post" || part.EndsWith("_ln", StringComparison.Ordinal)))
            return Role.Normalises; // attn_ln, cross_attn_ln, mlp_ln, ln_post, ln
        if (name.Contains("conv2.", StringComparison.Ordinal) || name.Contains("embedding", StringComparison.Ordinal)
            || name.Contains("attn.out.", StringComparison.Ordinal) || name.Contains("mlp.2.", StringComparison.Ordinal))
            return Role.Writes;
        if (name.Contains("conv1.", StringComparison.Ordinal) || name.Contains("mlp.0.", StringComparison.Ordinal)
            || name.Contains(".query.", StringComparison.Ordinal) || name.Contains(".key.", StringComparison.Ordinal) || name.Contains(".value.", StringComparison.Ordinal))
            return Role.Reads;
        throw new InvalidOperationException($"No widening rule for the tensor {name}.");
    }

    /// <summary>The axis along which a writer's output is the residual stream: the last of the embeddings, the first of the others.</summary>
    static int ResidualAxis(string name) => name.Contains("embedding", StringComparison.Ordinal) ? 1 : 0;

    /// <summary>
    /// A writer widened: the new inputs (heads, hidden units, convolution channels) read with zero weights, and each
    /// new output channel the mean of the old ones (over the widened inputs, so zero for the new inputs too).
    /// </summary>
    static void Write(Tensor tensor, Tensor old, int residualAxis)
    {
        for (int axis = 0; axis < tensor.dim(); axis++)
        {
            if (axis != residualAxis && tensor.shape[axis] > old.shape[axis])
                tensor.narrow(axis, old.shape[axis], tensor.shape[axis] - old.shape[axis]).zero_();
        }
        long had = old.shape[residualAxis], added = tensor.shape[residualAxis] - had;
        if (added == 0)
            return;
        var mean = tensor.narrow(residualAxis, 0, had).mean([residualAxis], keepdim: true);
        tensor.narrow(residualAxis, had, added).copy_(mean.expand_as(tensor.narrow(residualAxis, had, added)));
    }

    /// <summary>The slice of a widened tensor that holds <paramref name="old"/>: its leading indices on every axis.</summary>
    static TensorIndex[] Leading(Tensor old) => old.shape.Select(n => TensorIndex.Slice(0, n)).ToArray();
}
