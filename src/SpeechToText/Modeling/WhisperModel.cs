using SpeechToText.Decoding;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpeechToText.Modeling;

/// <summary>
/// The Whisper encoder-decoder (openai/whisper's Whisper module) in TorchSharp. Parameter names are
/// openai/whisper's, so checkpoints in that naming load directly.
/// </summary>
public sealed class WhisperModel : Module
{
#pragma warning disable IDE1006 // parameter names follow the checkpoints
    readonly AudioEncoder encoder;
    readonly TextDecoder decoder;
#pragma warning restore IDE1006

    /// <summary>Creates a model of the given shape with untrained weights.</summary>
    public WhisperModel(ModelDimensions dimensions) : base(nameof(WhisperModel))
    {
        TorchRuntime.EnsureAvailable();
        dimensions.Validate("model dimensions");
        Dimensions = dimensions;
        encoder = new AudioEncoder(dimensions);
        decoder = new TextDecoder(dimensions);
        AlignmentHeads = Modeling.AlignmentHeads.For(dimensions);
        RegisterComponents();
    }

    /// <summary>The model's shape.</summary>
    public ModelDimensions Dimensions { get; }

    /// <summary>The audio encoder.</summary>
    public AudioEncoder Encoder => encoder;

    /// <summary>The text decoder.</summary>
    public TextDecoder Decoder => decoder;

    /// <summary>
    /// Whether the model was trained on unpadded audio: its windows are then not padded to 30 s, and the
    /// encoder runs only over the positions the audio needs (Hugging Face config: "variable_length_audio").
    /// </summary>
    public bool VariableLengthAudio { get; set; }

    /// <summary>
    /// The settings a checkpoint of this model records (see <see cref="ModelSettings"/>); set, null alignment heads
    /// mean those assumed for the model's shape.
    /// </summary>
    public ModelSettings Settings
    {
        get => new(VariableLengthAudio, AlignmentHeads, BeamSize, CtcWeight);
        set
        {
            VariableLengthAudio = value.VariableLengthAudio;
            AlignmentHeads = value.AlignmentHeads ?? Modeling.AlignmentHeads.For(Dimensions);
            BeamSize = value.BeamSize;
            CtcWeight = value.CtcWeight;
        }
    }

    /// <summary>The cross-attention heads word timing aligns (see <see cref="Modeling.AlignmentHeads"/>).</summary>
    public IReadOnlyList<AlignmentHead> AlignmentHeads
    {
        get;
        set => field = Modeling.AlignmentHeads.Validate(value, Dimensions, "alignment heads");
    }

    /// <summary>
    /// The beam size the model's checkpoint asks decoding to search by default (Hugging Face generation_config.json:
    /// "num_beams"), or null when it names none. The command line searches this many beams unless told otherwise.
    /// </summary>
    public int? BeamSize
    {
        get;
        set
        {
            if (value is < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "A beam size is at least 1.");
            field = value;
        }
    }

    /// <summary>
    /// How much beam search weighs the <see cref="CtcHead"/> by default (generation_config.json "ctc_weight"), or null
    /// when the checkpoint names no weight (0: not at all).
    /// </summary>
    public double? CtcWeight
    {
        get;
        set
        {
            if (value is { } weight && !ScoreWeight.IsValid(weight))
                throw new ArgumentOutOfRangeException(nameof(value), value, "A CTC weight is a finite number, 0 or more.");
            field = value;
        }
    }

    /// <summary>
    /// The CTC head the model was trained with beside its decoder (a hybrid CTC/attention model; see
    /// <see cref="Modeling.CtcHead"/>), or null: beam search can weigh its scores. The model disposes it.
    /// </summary>
    public CtcHead? CtcHead { get; internal set; }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            CtcHead?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The element type of the weights (float32, or bfloat16 for faster CPU inference).</summary>
    public ScalarType DType => decoder.parameters().First().dtype;

    /// <summary>
    /// All-zero key/value positions appended to every attention over audio positions (encoder
    /// self-attention and cross-attention). 0, the default, is the reference model. whisper.cpp's
    /// flash-attention path attends to the zero-filled padding of its audio buffers (1500 positions
    /// padded to 1536), which a value of 36 reproduces, to compare decodes with that engine.
    /// </summary>
    internal int AudioKeyPadding
    {
        get => encoder.KeyPadding;
        set => encoder.KeyPadding = decoder.KeyPadding = value;
    }

    /// <summary>
    /// The numeric kernels (attention, GELU, convolutions) of the whole model; TorchSharp's unless a test
    /// substitutes another engine's arithmetic to compare with it.
    /// </summary>
    internal ModelKernels Kernels
    {
        get => encoder.Kernels;
        set => encoder.Kernels = decoder.Kernels = value;
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> (openai/whisper names, PyTorch shapes) into the model. Every
    /// parameter must be present with its exact shape (a convolution bias may also come as [n, 1]); no
    /// other tensor may be present.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected, or of the wrong shape.</exception>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var targets = state_dict();
        var missing = targets.Keys.Where(name => !tensors.ContainsKey(name)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{source}: missing {missing.Count} tensor(s): {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        var unexpected = tensors.Keys.Where(name => !targets.ContainsKey(name)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"{source}: unexpected tensor(s): {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}");
        using var noGrad = no_grad();
        foreach (var (name, target) in targets)
        {
            var tensor = tensors[name];
            if (!tensor.shape.SequenceEqual(target.shape))
            {
                if (tensor.numel() != target.numel() || !name.Contains(".conv", StringComparison.Ordinal))
                    throw new InvalidDataException($"{source}: tensor {name} has shape [{string.Join(", ", tensor.shape)}]; the model needs [{string.Join(", ", target.shape)}]");
            }
            using var reshaped = tensor.reshape(target.shape);
            target.copy_(reshaped);
        }
    }
}
