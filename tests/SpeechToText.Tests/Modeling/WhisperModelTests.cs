using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Modeling;

public class WhisperModelTests
{
    static readonly ModelDimensions Small = new(
        MelBins: 80, AudioContext: 100, AudioState: 64, AudioHeads: 4, AudioLayers: 2,
        VocabularySize: 300, TextContext: 32, TextState: 64, TextHeads: 4, TextLayers: 2);

    /// <summary>A model with random weights (including biases and norms, which start at 0 and 1).</summary>
    internal static WhisperModel RandomModel(ModelDimensions dims, int seed)
    {
        // A generator of its own: tests running in parallel draw from the global one.
        using var generator = new torch.Generator((ulong)seed);
        var model = new WhisperModel(dims);
        using (torch.no_grad())
        {
            foreach (var (_, parameter) in model.named_parameters())
                parameter.copy_(torch.randn(parameter.shape, generator: generator) * 0.2);
        }
        model.eval();
        return model;
    }

    internal static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void Encoder_matches_a_straightforward_reimplementation()
    {
        using var model = RandomModel(Small, 1);
        var reference = new ReferenceWhisper(model.state_dict(), Small);
        using var inference = torch.inference_mode();
        var mel = torch.randn(2, 80, 200);

        var ours = model.Encoder.Forward(mel);
        var expected = reference.Encode(mel);

        Assert.Equal(new long[] { 2, 100, 64 }, ours.shape);
        Assert.True(MaxDifference(ours, expected) < 1e-4, $"max difference {MaxDifference(ours, expected):E2}");
    }

    [Fact]
    public void Shorter_input_uses_only_the_positions_it_needs()
    {
        using var model = RandomModel(Small, 2);
        var reference = new ReferenceWhisper(model.state_dict(), Small);
        using var inference = torch.inference_mode();
        var mel = torch.randn(1, 80, 46);

        var ours = model.Encoder.Forward(mel);

        Assert.Equal(new long[] { 1, 23, 64 }, ours.shape);
        Assert.True(MaxDifference(ours, reference.Encode(mel)) < 1e-4);
    }

    [Fact]
    public void Decoder_logits_match_the_reimplementation_with_and_without_the_cache()
    {
        using var model = RandomModel(Small, 3);
        var reference = new ReferenceWhisper(model.state_dict(), Small);
        using var inference = torch.inference_mode();
        var audio = model.Encoder.Forward(torch.randn(1, 80, 200));
        var tokens = torch.tensor(new long[] { 5, 17, 250, 3, 99, 42, 7 }, [1, 7]);
        var expected = reference.Logits(tokens, audio);

        using var cross = model.Decoder.CrossAttention(audio);
        using (var cache = new DecoderCache(Small.TextLayers))
        {
            var all = model.Decoder.Forward(tokens, cross, cache);
            Assert.True(MaxDifference(all, expected) < 1e-4, $"whole sequence: {MaxDifference(all, expected):E2}");
        }
        using (var cache = new DecoderCache(Small.TextLayers))
        {
            // A prompt of three, then one token at a time, then two at once.
            var parts = new[] { (0, 3), (3, 1), (4, 1), (5, 2) };
            foreach (var (start, count) in parts)
            {
                var logits = model.Decoder.Forward(tokens[.., start..(start + count)], cross, cache);
                var slice = expected[.., start..(start + count)];
                Assert.True(MaxDifference(logits, slice) < 1e-4, $"tokens {start}..{start + count}: {MaxDifference(logits, slice):E2}");
            }
            Assert.Equal(7, cache.Length);
        }
    }

    [Fact]
    public void The_decoder_refuses_more_tokens_than_its_context()
    {
        using var model = RandomModel(Small, 4);
        using var inference = torch.inference_mode();
        using var cross = model.Decoder.CrossAttention(model.Encoder.Forward(torch.randn(1, 80, 20)));
        using var cache = new DecoderCache(Small.TextLayers);
        Assert.Throws<ArgumentException>(() => model.Decoder.Forward(torch.zeros(1, 33, ScalarType.Int64), cross, cache));
    }

    [Fact]
    public void Loading_weights_rejects_missing_unexpected_and_misshapen_tensors()
    {
        using var model = RandomModel(Small, 5);
        var good = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var missing = new Dictionary<string, Tensor>(good);
        missing.Remove("decoder.ln.weight");
        Assert.Contains("missing 1 tensor(s): decoder.ln.weight", Assert.Throws<InvalidDataException>(() => model.LoadWeights(missing, "x")).Message);

        var unexpected = new Dictionary<string, Tensor>(good) { ["decoder.extra"] = torch.zeros(3) };
        Assert.Contains("unexpected tensor(s): decoder.extra", Assert.Throws<InvalidDataException>(() => model.LoadWeights(unexpected, "x")).Message);

        var misshapen = new Dictionary<string, Tensor>(good) { ["decoder.ln.weight"] = torch.zeros(65) };
        Assert.Contains("decoder.ln.weight has shape [65]; the model needs [64]", Assert.Throws<InvalidDataException>(() => model.LoadWeights(misshapen, "x")).Message);
    }
}

public class BFloat16Tests
{
    [Fact]
    public void A_bfloat16_model_computes_what_the_float32_model_does_to_bfloat16_precision()
    {
        var dims = new ModelDimensions(80, 100, 64, 4, 2, 300, 32, 64, 4, 2);
        using var full = WhisperModelTests.RandomModel(dims, 51);
        using var half = WhisperModelTests.RandomModel(dims, 51);
        half.to(ScalarType.BFloat16);
        using var inference = torch.inference_mode();
        var mel = torch.randn(1, 80, 200);

        var expected = full.Encoder.Forward(mel);
        var actual = half.Encoder.Forward(mel.to_type(ScalarType.BFloat16)).to_type(ScalarType.Float32);
        double scale = expected.abs().max().item<float>();
        double error = (expected - actual).abs().max().item<float>();

        Assert.Equal(ScalarType.BFloat16, half.DType);
        Assert.True(error < 0.05 * scale, $"max error {error} for values up to {scale}");
        using var cross = half.Decoder.CrossAttention(half.Encoder.Forward(mel.to_type(ScalarType.BFloat16)));
        using var cache = new DecoderCache(dims.TextLayers);
        var logits = half.Decoder.Forward(torch.tensor(new long[] { 1, 2 }, [1, 2]), cross, cache);
        Assert.Equal(ScalarType.Float32, logits.dtype); // logits are computed in float32
    }
}
