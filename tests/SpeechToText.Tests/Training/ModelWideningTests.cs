using SpeechToText.Modeling;
using SpeechToText.Tests.Decoding;
using SpeechToText.Tests.Modeling;
using SpeechToText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Training;

/// <summary>
/// A widened model has more channels, heads and hidden units, and computes what the model computed before: the same
/// encoder output in its old channels (zero in the new ones) and the same logits.
/// </summary>
public sealed class ModelWideningTests
{
    /// <summary>Two heads of 32 in the encoder and the decoder.</summary>
    static readonly ModelDimensions Narrow = new(80, 50, 64, 2, 2, CustomVocabularyModelTests.Characters.Length + 2, 32, 64, 2, 2);

    /// <summary>Every weight of the widened model drawn at random first, so that only the widening's own choices can keep the outputs.</summary>
    static void Scramble(WhisperModel model)
    {
        using var generator = new Generator(11);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in model.named_parameters())
            parameter.copy_(randn(parameter.shape, generator: generator));
    }

    [Fact]
    public void A_widened_model_computes_what_it_did_with_every_new_weight_that_reads_new_channels_random()
    {
        using var model = WhisperModelTests.RandomModel(Narrow, 5);
        // The second convolution's channels made alike, so that the mean of their GELUs is the GELU of their mean:
        // the one place where widening is approximate (see ModelWidening) is exact here, and the rest is tested exactly.
        var state = model.state_dict();
        using (no_grad())
        {
            using var first = state["encoder.conv2.weight"][0].clone();
            state["encoder.conv2.weight"].copy_(first.expand_as(state["encoder.conv2.weight"]));
            state["encoder.conv2.bias"].fill_(state["encoder.conv2.bias"][0].item<float>());
        }
        using var widened = ModelWidening.Widen(model, 160, Scramble);
        widened.eval();
        Assert.Equal(160, widened.Dimensions.AudioState);
        Assert.Equal(5, widened.Dimensions.AudioHeads);
        Assert.Equal(5, widened.Dimensions.TextHeads);

        using var inference = inference_mode();
        using var generator = new Generator(3);
        using var mel = randn([1, 80, 60], generator: generator);
        using var tokens = tensor(new long[] { 29, 3, 1, 0, 7, 28 }, [1, 6]);
        using var features = model.Encoder.Forward(mel);
        using var widenedFeatures = widened.Encoder.Forward(mel);
        Assert.True(WhisperModelTests.MaxDifference(features, widenedFeatures[.., .., ..64]) < 1e-4, $"old channels differ by {WhisperModelTests.MaxDifference(features, widenedFeatures[.., .., ..64])}");
        Assert.True(widenedFeatures[.., .., 64..].abs().max().item<float>() < 1e-4, "the new channels of the encoder output are not zero");
        using var logits = Logits(model, features, tokens);
        using var widenedLogits = Logits(widened, widenedFeatures, tokens);
        Assert.True(WhisperModelTests.MaxDifference(logits, widenedLogits) < 1e-4, $"logits differ by {WhisperModelTests.MaxDifference(logits, widenedLogits)}");
    }

    [Fact]
    public void A_widened_head_reads_the_old_channels_as_it_did()
    {
        using var head = nn.Linear(64, 31);
        using var widened = ModelWidening.WidenHead(head, 160);
        using var generator = new Generator(8);
        using var features = randn([3, 64], generator: generator);
        using var padded = nn.functional.pad(features, [0, 96]); // the widened encoder's output: zero in the new channels
        using var inference = inference_mode();

        Assert.Equal(new long[] { 31, 160 }, widened.weight!.shape);
        Assert.True(WhisperModelTests.MaxDifference(head.call(features), widened.call(padded)) < 1e-5);
        Assert.True(widened.weight![.., 64..].abs().sum().item<float>() > 0, "the new channels are read with zero weights, which learn slowly");
    }

    [Fact]
    public void A_model_whose_encoder_and_decoder_heads_differ_in_size_cannot_be_widened()
    {
        using var model = WhisperModelTests.RandomModel(Narrow with { TextHeads = 1 }, 5);
        Assert.Contains("its encoder's heads (32 wide) and decoder's (64) differ", ModelWidening.Refusal(model, 128));
    }

    [Theory]
    [InlineData(32, "it is 64 wide, and widening removes nothing")]
    [InlineData(80, "must be a multiple of its heads' size, 32")]
    [InlineData(1 << 15, "AudioState = 32768 is out of range")]
    public void A_width_the_model_cannot_grow_to_is_refused_with_the_reason(int width, string reason)
    {
        using var model = WhisperModelTests.RandomModel(Narrow, 5);
        Assert.Contains(reason, ModelWidening.Refusal(model, width));
        var error = Assert.Throws<ArgumentException>(() => ModelWidening.Widen(model, width, Scramble));
        Assert.Contains(reason, error.Message);
    }

    static Tensor Logits(WhisperModel model, Tensor features, Tensor tokens)
    {
        using var cross = model.Decoder.CrossAttention(features);
        using var cache = new DecoderCache(model.Decoder.Layers);
        return model.Decoder.Forward(tokens, cross, cache);
    }
}
