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
    static readonly ModelDimensions Narrow = new(80, 50, 64, 1, 2, CustomVocabularyModelTests.Characters.Length + 2, 32, 64, 1, 2);

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
            state["encoder.conv2.weight"].copy_(state["encoder.conv2.weight"][0].expand_as(state["encoder.conv2.weight"]));
            state["encoder.conv2.bias"].fill_(state["encoder.conv2.bias"][0].item<float>());
        }
        using var widened = ModelWidening.Widen(model, 192, Scramble);
        widened.eval();
        Assert.Equal(192, widened.Dimensions.AudioState);
        Assert.Equal(3, widened.Dimensions.TextHeads);

        using var inference = inference_mode();
        using var generator = new Generator(3);
        using var mel = randn([1, 80, 60], generator: generator);
        using var tokens = tensor(new long[] { 29, 3, 1, 0, 7, 28 }, [1, 6]);
        using var features = model.Encoder.Forward(mel);
        using var widenedFeatures = widened.Encoder.Forward(mel);
        Assert.True(Difference(features, widenedFeatures[.., .., ..64]) < 1e-4);
        Assert.True(widenedFeatures[.., .., 64..].abs().max().item<float>() < 1e-4);
        using var logits = Logits(model, features, tokens);
        using var widenedLogits = Logits(widened, widenedFeatures, tokens);
        Assert.True(Difference(logits, widenedLogits) < 1e-4, $"logits differ by {Difference(logits, widenedLogits)}");
    }

    [Theory]
    [InlineData(32, "it is 64 wide, and widening removes nothing")]
    [InlineData(96, "must be a multiple of its heads' size, 64")]
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

    static float Difference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
