using SpeechToText.Modeling;
using TorchSharp;

namespace SpeechToText.Training;

/// <summary>
/// Deepens a trained model's audio encoder: blocks are appended after its last one, each starting as the identity
/// (its attention and MLP output projections zero, so that a block adds nothing to the residual stream), and the
/// deepened model computes exactly what the model computed before. Training then gives the new blocks their work
/// without losing what the model had learned.
/// </summary>
internal static class EncoderDeepening
{
    /// <summary>Why <paramref name="model"/> cannot be deepened to <paramref name="blocks"/> encoder blocks, or null when it can.</summary>
    public static string? Refusal(WhisperModel model, int blocks) => blocks < model.Dimensions.AudioLayers
        ? $"The encoder cannot be deepened to {blocks} blocks: the model has {model.Dimensions.AudioLayers}, and deepening removes none."
        : null;

    /// <summary>
    /// A copy of <paramref name="model"/> with <paramref name="blocks"/> encoder blocks: its own weights and the new
    /// blocks' (initialised by <paramref name="initialize"/>, then their output projections zeroed).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="blocks"/> is fewer than the model's encoder blocks.</exception>
    public static WhisperModel Deepen(WhisperModel model, int blocks, Action<WhisperModel> initialize)
    {
        if (Refusal(model, blocks) is { } why)
            throw new ArgumentException(why, nameof(blocks));
        var deepened = new WhisperModel(model.Dimensions with { AudioLayers = blocks })
        {
            VariableLengthAudio = model.VariableLengthAudio, AlignmentHeads = model.AlignmentHeads, BeamSize = model.BeamSize,
        };
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

    /// <summary>Whether <paramref name="name"/> is a block's attention or MLP output projection (weight or bias).</summary>
    static bool IsOutputProjection(string name) =>
        name.Contains(".attn.out.", StringComparison.Ordinal) || name.Contains(".mlp.2.", StringComparison.Ordinal);
}
