using SpeechToText.Modeling;
using TorchSharp;

namespace SpeechToText.Training;

/// <summary>
/// Deepens a trained model's audio encoder, text decoder or both: blocks are appended after a stack's last one,
/// each starting as the identity (its attention, cross-attention and MLP output projections zero, so that a block
/// adds nothing to the residual stream), and the deepened model computes exactly what the model computed before.
/// Training then gives the new blocks their work without losing what the model had learned.
/// </summary>
internal static class ModelDeepening
{
    /// <summary>
    /// Why <paramref name="model"/> cannot be deepened to <paramref name="encoderBlocks"/> encoder and
    /// <paramref name="decoderBlocks"/> decoder blocks, or null when it can.
    /// </summary>
    public static string? Refusal(WhisperModel model, int encoderBlocks, int decoderBlocks) =>
        Fewer("encoder", encoderBlocks, model.Dimensions.AudioLayers) ?? Fewer("decoder", decoderBlocks, model.Dimensions.TextLayers);

    static string? Fewer(string stack, int blocks, int has) => blocks < has
        ? $"The {stack} cannot be deepened to {blocks} blocks: the model has {has}, and deepening removes none."
        : null;

    /// <summary>
    /// A copy of <paramref name="model"/> with <paramref name="encoderBlocks"/> encoder and <paramref name="decoderBlocks"/>
    /// decoder blocks: its own weights and the new blocks' (initialised by <paramref name="initialize"/>, then their
    /// output projections zeroed).
    /// </summary>
    /// <exception cref="ArgumentException">A stack would have fewer blocks than the model's.</exception>
    public static WhisperModel Deepen(WhisperModel model, int encoderBlocks, int decoderBlocks, Action<WhisperModel> initialize)
    {
        if (Refusal(model, encoderBlocks, decoderBlocks) is { } why)
            throw new ArgumentException(why, nameof(model));
        var deepened = new WhisperModel(model.Dimensions with { AudioLayers = encoderBlocks, TextLayers = decoderBlocks }) { Settings = model.Settings };
        try
        {
            initialize(deepened);
            var trained = model.state_dict();
            using var noGrad = torch.no_grad();
            foreach (var (name, tensor) in deepened.state_dict())
            {
                if (trained.TryGetValue(name, out var value))
                    tensor.copy_(value);
                else if (IsOutputProjection(name))
                    tensor.zero_();
            }
            return deepened;
        }
        catch
        {
            deepened.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="name"/> is a block's attention, cross-attention or MLP output projection (weight or bias).</summary>
    static bool IsOutputProjection(string name) =>
        name.Contains("attn.out.", StringComparison.Ordinal) || name.Contains(".mlp.2.", StringComparison.Ordinal);
}
