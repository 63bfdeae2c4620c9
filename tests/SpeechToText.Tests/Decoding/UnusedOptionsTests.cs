using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests.Decoding;

/// <summary>Options a model or a decoding cannot honour are named in a warning, not dropped unsaid.</summary>
public sealed class UnusedOptionsTests
{
    static List<string> WarningsOf(DecodingOptions options, bool withLanguageModel, WordLanguageModel? words = null, bool withCtcHead = false)
    {
        var (model, tokenizer) = CheckpointReader.Load(Repository.BundledModel);
        using (model)
        {
            if (withCtcHead)
                model.CtcHead = CtcHead.Load(Path.Combine(Repository.BundledModel, CtcHead.FileName), model.Dimensions.AudioState, tokenizer.TextTokenCount);
            var logger = new RecordingLogger();
            var languageModels = withLanguageModel
                ? new LanguageModels(CharacterLanguageModel.Load(Path.Combine(Repository.BundledModel, CharacterLanguageModel.FileName)), words)
                : null;
            var samples = AudioInput.ReadAll(Repository.Sample("short.wav"));
            _ = new Transcriber(model, tokenizer, logger, languageModels).Transcribe(samples, options).ToList();
            return [.. logger.Warnings];
        }
    }

    [Fact]
    public void The_bundled_model_warns_of_a_language_a_prompt_and_a_weight_it_cannot_use()
    {
        var warnings = WarningsOf(new DecodingOptions { Language = "de", InitialPrompt = "a compass", LanguageModelWeight = 0.5, BeamSize = 5 }, withLanguageModel: false);

        Assert.Equal(3, warnings.Count);
        Assert.Contains("the model is English-only: the language \"de\" is not used; it transcribes English", warnings);
        Assert.Contains("the model takes no previous text (it has no <|startofprev|> token): the initial prompt is not used", warnings);
        Assert.Contains("the model has no language model: the language model weight is not used", warnings);
    }

    [Fact]
    public void Greedy_decoding_warns_that_it_does_not_fuse_a_weight_asked_for_and_usable_options_warn_of_nothing()
    {
        Assert.Equal(["greedy decoding (beam size 1) does not fuse the language model: its weight is not used"],
            WarningsOf(new DecodingOptions { LanguageModelWeight = 0.5, BeamSize = 1 }, withLanguageModel: true));
        Assert.Empty(WarningsOf(new DecodingOptions { Language = "en", LanguageModelWeight = 0.5, BeamSize = 5 }, withLanguageModel: true));
    }

    [Fact]
    public void A_ctc_weight_warns_without_a_ctc_head_or_with_greedy_decoding()
    {
        Assert.Equal(["the model has no CTC head (ctc_head.safetensors): the CTC weight is not used"],
            WarningsOf(new DecodingOptions { CtcWeight = 0.3, BeamSize = 5 }, withLanguageModel: false));
        Assert.Equal(["greedy decoding (beam size 1) does not score by the CTC head: its weight is not used"],
            WarningsOf(new DecodingOptions { CtcWeight = 0.3, BeamSize = 1 }, withLanguageModel: false, withCtcHead: true));
        Assert.Empty(WarningsOf(new DecodingOptions { CtcWeight = 0.3, BeamSize = 5 }, withLanguageModel: false, withCtcHead: true));
    }

    [Fact]
    public void A_word_weight_warns_without_a_word_model_beside_a_character_weight_of_zero_or_with_greedy_decoding()
    {
        var words = WordLanguageModel.Train(["a compass needle"], " abcdefghijklmnopqrstuvwxyz'", order: 2);

        Assert.Equal(["the model has no word language model: the word language model weight is not used"],
            WarningsOf(new DecodingOptions { WordLanguageModelWeight = 0.3, BeamSize = 5 }, withLanguageModel: true));
        Assert.Equal(["the word language model is fused only beside the character one: at language model weight 0 it is not used"],
            WarningsOf(new DecodingOptions { LanguageModelWeight = 0, WordLanguageModelWeight = 0.3, BeamSize = 5 }, withLanguageModel: true, words));
        Assert.Equal(["greedy decoding (beam size 1) does not fuse the word language model: its weight is not used"],
            WarningsOf(new DecodingOptions { WordLanguageModelWeight = 0.3, BeamSize = 1 }, withLanguageModel: true, words));
        Assert.Empty(WarningsOf(new DecodingOptions { WordLanguageModelWeight = 0.3, BeamSize = 5 }, withLanguageModel: true, words));
    }

    [Fact]
    public void A_hallucination_silence_threshold_warns_without_word_timestamps_or_timestamp_tokens()
    {
        Assert.Equal(["hallucinations are found by their words' timing: without word timestamps the hallucination silence threshold is not used"],
            WarningsOf(new DecodingOptions { HallucinationSilenceThreshold = 2 }, withLanguageModel: false));
        Assert.Equal(["the model has no timestamp tokens (its audio is cut at pauses): the hallucination silence threshold is not used"],
            WarningsOf(new DecodingOptions { HallucinationSilenceThreshold = 2, WordTimestamps = true }, withLanguageModel: false));
    }
}
