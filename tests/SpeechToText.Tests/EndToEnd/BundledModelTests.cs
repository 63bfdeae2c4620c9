using SpeechToText.Cli.Commands;
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

        var asTheCommandLine = new DecodingOptions { BeamSize = TranscribeCommand.BeamSizeFor(recognizer, given: null) };

        string hypothesis = EnglishTextNormalizer.Normalize(await Transcribe(recognizer, Path.Combine(Repository, "audio", "long.wav"), asTheCommandLine));

        var (errors, words) = WordErrorRate.Count(reference, hypothesis);
        double characterErrors = (double)WordErrorRate.EditDistance(reference.ToCharArray(), hypothesis.ToCharArray()) / reference.Length;
        Assert.True((double)errors / words <= BundledModel.MaxSampleWordErrorRate, $"WER {(double)errors / words:P1}: \"{hypothesis}\"");
        Assert.True(characterErrors <= BundledModel.MaxSampleCharacterErrorRate, $"CER {characterErrors:P1}: \"{hypothesis}\"");
    }

    [Fact]
    public async Task The_short_sample_comes_out_exactly_as_its_transcript_with_the_models_language_models()
    {
        using var recognizer = SpeechRecognizer.Load(ModelPath);
        string reference = File.ReadAllText(Path.Combine(Repository, "audio", "short.txt")).Trim();

        string transcript = await Transcribe(recognizer, Path.Combine(Repository, "audio", "short.wav"),
            new DecodingOptions { BeamSize = TranscribeCommand.BeamSizeFor(recognizer, given: null) });

        // The speech model alone (LanguageModelWeight = 0) spells what it hears: "the direction in which a combace needled points".
        Assert.NotNull(recognizer.LanguageModels?.Words);
        Assert.Equal(reference, transcript.Trim());
    }

    [Fact]
    public async Task Bfloat16_inference_writes_what_float32_inference_writes_but_for_a_few_characters()
    {
        string wav = Path.Combine(Repository, "audio", "short.wav");
        using var full = SpeechRecognizer.Load(ModelPath);
        using var half = SpeechRecognizer.Load(ModelPath, new RecognizerOptions(Precision: Precision.Bf16));

        var greedy = new DecodingOptions { Temperatures = [0.0] };
        string fp32 = await Transcribe(full, wav, greedy), bf16 = await Transcribe(half, wav, greedy);

        // Greedy decoding follows one path: where bf16 rounding flips a near-tie, a few characters differ. Measured:
        // identical at 1,600 and 6,673 steps; the last word differs at 3,288 steps; at 4,709 steps the last 5
        // characters; at 8,000 steps "cine in" / "sening" (5 edits in 48 characters); identical at 9,614 steps;
        // at 11,467 steps "combetis needled points" / "combus needled alpoints" (5 edits in 50 characters).
        double differing = (double)WordErrorRate.EditDistance(fp32.ToCharArray(), bf16.ToCharArray()) / fp32.Length;
        Assert.True(differing <= 0.2, $"bf16 \"{bf16}\" against fp32 \"{fp32}\": {differing:P0} of the characters differ");
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
    /// Measured 0.291 with the command line's decoding (the 20 beams the model names and its language model, weight
    /// 0.4; 26,600 steps; 0.331 with 5 beams; 0.327 at 25,767 steps and at 20,617 steps with weight 0.6, 5 beams,
    /// 0.532 there without the language model).
    /// Before the transcriber decoded one utterance at a time it measured 0.683 with weight 0.4 (0.698 at 18,129
    /// steps).
    /// </summary>
    public const double MaxSampleWordErrorRate = 0.40;

    /// <summary>
    /// Measured 0.133 (0.143 with 5 beams; 0.136 at 25,767 steps, 0.144 at 20,617 steps, 0.215 there without the language model; 0.458
    /// with weight 0.4 before one utterance at a time); an empty or unrelated transcript scores 1.0 or more.
    /// </summary>
    public const double MaxSampleCharacterErrorRate = 0.20;

    /// <summary>
    /// Live decoding of audio/long.wav with the library's default (greedy) streaming decode: measured 0.601 fed in
    /// real time, 0.561 replayed (20,617 steps; 0.604 and 0.619 at 18,129); replayed 0.583 at 25,767 steps and 0.576
    /// at 26,600 (the streaming test's output). Greedy decoding does not use the language model (`stt live`'s default 3 beams do:
    /// 0.356 in real time at 20,617 steps, 0.381 at 26,600).
    /// </summary>
    public const double MaxLiveWordErrorRate = 0.75;
}
