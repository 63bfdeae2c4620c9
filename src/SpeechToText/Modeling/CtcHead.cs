using SpeechToText.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>
/// The linear layer a hybrid CTC/attention model was trained with beside its decoder: from each encoder position to
/// the text tokens and a blank (the last class), read by connectionist temporal classification. A model directory
/// keeps it as <see cref="FileName"/> (tensors "weight", [classes, width], and "bias", [classes]); beam search can
/// score its transcripts with it (<see cref="Decoding.CtcPrefixScorer"/>).
/// </summary>
public sealed class CtcHead : IDisposable
{
    /// <summary>The head's file in a model directory.</summary>
    public const string FileName = "ctc_head.safetensors";

    readonly Tensor _weight, _bias;

    CtcHead(Tensor weight, Tensor bias) => (_weight, _bias) = (weight, bias);

    /// <summary>The text tokens it classifies; the blank follows them.</summary>
    public int TextTokens => (int)_weight.shape[0] - 1;

    /// <summary>
    /// Reads the head at <paramref name="path"/> for an encoder of <paramref name="width"/> and a vocabulary of
    /// <paramref name="textTokens"/> text tokens.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not safetensors, or lacks either tensor, or their shapes do not fit
    /// the model and its vocabulary; the message names the file and the reason.</exception>
    public static CtcHead Load(string path, int width, int textTokens)
    {
        var tensors = SafeTensorsFile.Read(path);
        try
        {
            long classes = textTokens + 1;
            Check(tensors, "weight", [classes, width], path);
            Check(tensors, "bias", [classes], path);
            var head = new CtcHead(tensors["weight"], tensors["bias"]);
            tensors.Remove("weight");
            tensors.Remove("bias");
            return head;
        }
        finally
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
    }

    static void Check(Dictionary<string, Tensor> tensors, string name, long[] shape, string path)
    {
        string? wrong = !tensors.TryGetValue(name, out var tensor) ? "it has none"
            : tensor.shape.SequenceEqual(shape) ? null
            : $"it has [{string.Join(", ", tensor.shape)}]";
        if (wrong != null)
            throw new InvalidDataException($"{path}: the CTC head's {name} must have shape [{string.Join(", ", shape)}], as the model and its vocabulary need; {wrong}");
    }

    /// <summary>The weight, [classes, width] (for training to begin from).</summary>
    internal Tensor Weight => _weight;

    /// <summary>The bias, [classes].</summary>
    internal Tensor Bias => _bias;

    /// <summary>
    /// Log-probabilities of the classes (text tokens, then the blank) at each of the first <paramref name="positions"/>
    /// positions of <paramref name="features"/> ([1, positions or more, width], as the encoder gives them).
    /// </summary>
    public float[][] LogProbabilities(Tensor features, int positions)
    {
        using var scope = NewDisposeScope();
        using var inference = torch.inference_mode();
        positions = (int)Math.Min(positions, features.shape[1]);
        var audio = features[0, ..positions].to(ScalarType.Float32).cpu();
        var flat = nn.functional.log_softmax(nn.functional.linear(audio, _weight, _bias), -1).data<float>().ToArray();
        int classes = (int)_weight.shape[0];
        return Enumerable.Range(0, positions).Select(t => flat.AsSpan(t * classes, classes).ToArray()).ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}
