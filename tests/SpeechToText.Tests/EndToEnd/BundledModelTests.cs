using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests.EndToEnd;

/// <summary>
/// The whole pipeline with the model that ships in models/: the sample recordings in audio/ (a voice and
/// sentences the model never trained on) must come out as well as its card measures.
/// </summary>
public class BundledModelTests
{
    static string Repository => SpeechToText.Tests.Repository.Root;

    static string ModelPath => SpeechToText.Tests.Repository.BundledModel;

    static async Task<string> Transcribe(SpeechRecognizer recognizer, string wav, DecodingOptions? options = null)
    {
        var text = new List<string>();
        await foreach (var segment in recognizer.TranscribeAsync(wav, options))
            text.Add(segment.Text);
        return string.Join(' ', text);
    }

    [Fact]
    public async Task The_long_sample_is_transcribed_within_the_error_rates_the_model_card_measures()
    {
        using var recognizer = SpeechRecognizer.Load(ModelPath);
        string reference = EnglishTextNormalizer.Normalize(File.ReadAllText(Path.Combine(Repository, "audio", "long.txt")));

        var asTheCommandLine = new DecodingOptions { BeamSize = 5 };

        string hypothesis = EnglishTextNormalizer.Normalize(await Transcribe(recognizer, Path.Combine(Repository, "audio", "long.wav"), asTheCommandLine));

        var (errors, words) = WordErrorRate.Count(reference, hypothesis);
        double characterErrors = (double)WordErrorRate.EditDistance(reference.ToCharArray(), hypothesis.ToCharArray()) / reference.Length;
        Assert.True((double)errors / words <= BundledModel.MaxSampleWordErrorRate, $"WER {(double)errors / words:P1}: \"{hypothesis}\"");
        Assert.True(characterErrors <= BundledModel.MaxSampleCharacterErrorRate, $"CER {characterErrors:P1}: \"{hypothesis}\"");
    }

    [Fact]
    public async Task Bfloat16_inference_writes_what_float32_inference_writes_up_to_its_last_words()
    {
        string wav = Path.Combine(Repository, "audio", "short.wav");
        using var full = SpeechRecognizer.Load(ModelPath);
        using var half = SpeechRecognizer.Load(ModelPath, new RecognizerOptions(Precision: Precision.Bf16));

        var greedy = new DecodingOptions { Temperatures = [0.0] };
        string fp32 = await Transcribe(full, wav, greedy), bf16 = await Transcribe(half, wav, greedy);

        // Greedy decoding follows one path: once bf16 rounding flips a near-tie, the rest may differ. Measured:
        // identical at 1,600 steps; the last word differs at 3,288 steps; at 4,709 steps the two agree on the first
        // 37 of 42 characters ("the derect senon in which a some bean" + "ileds" / " old points"); identical at
        // 6,673 steps (greedy and with 5 beams).
        int agreed = fp32.Zip(bf16).TakeWhile(pair => pair.First == pair.Second).Count();
        Assert.True(agreed >= 0.8 * fp32.Length, $"bf16 \"{bf16}\" against fp32 \"{fp32}\": the first {agreed} characters agree");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_ilgpu_attention_kernels_decode_the_same_tokens_as_torchsharp(int beamSize)
    {
        string wav = Path.Combine(Repository, "audio", "short.wav");
        using var torchSharp = SpeechRecognizer.Load(ModelPath, new RecognizerOptions(Attention: AttentionBackend.Torch));
        using var ilgpu = SpeechRecognizer.Load(ModelPath, new RecognizerOptions(Attention: AttentionBackend.Ilgpu));
        var options = new DecodingOptions { Temperatures = [0.0], BeamSize = beamSize };

        var expected = new List<int>();
        await foreach (var segment in torchSharp.TranscribeAsync(wav, options))
            expected.AddRange(segment.Tokens);
        var actual = new List<int>();
        await foreach (var segment in ilgpu.TranscribeAsync(wav, options))
            actual.AddRange(segment.Tokens);

        Assert.True(expected.Count > 20, $"only {expected.Count} tokens decoded");
        Assert.Equal(expected, actual);
    }
}

/// <summary>
/// What the bundled model achieves on audio/long.wav, measured when it was trained (its card), plus a
/// margin: a regression anywhere in audio, features, model or decoding pushes the rates past these.
/// Tighten them whenever the model is retrained.
/// </summary>
internal static class BundledModel
{
    /// <summary>
    /// Measured 0.903 with the command line's decoding (5 beams; 6,673 steps; greedy: 1.086). The held-out voice
    /// is still barely recognised (1.061 at 4,709 steps, greedy).
    /// </summary>
    public const double MaxSampleWordErrorRate = 1.0;

    /// <summary>Measured 0.603 (greedy 0.704; 0.734 at 4,709 steps); an empty or unrelated transcript scores 1.0 or more.</summary>
    public const double MaxSampleCharacterErrorRate = 0.68;
}
