using SpeechToText.Audio;
using SpeechToText.Decoding;
using SpeechToText.Features;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests.Decoding;

public class MultilingualTests(Text.WhisperTokenizerTests.Gpt2Vocabulary vocabulary) : IClassFixture<Text.WhisperTokenizerTests.Gpt2Vocabulary>
{
    static readonly ModelDimensions Multilingual = new(80, 1500, 32, 2, 1, 51865, 448, 32, 2, 1);

    (Transcriber Transcriber, LogMelSpectrogram Mel, WhisperModel Model) Setup()
    {
        var model = WhisperModelTests.RandomModel(Multilingual, 61);
        var tokenizer = WhisperTokenizer.FromRanks(vocabulary.Ranks, SpecialTokens.ForVocabularySize(51865));
        var mel = LogMelSpectrogram.Compute(AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav")), 80, LogMelSpectrogram.WindowSamples);
        return (new Transcriber(model, tokenizer), mel, model);
    }

    [Fact]
    public void The_language_is_detected_when_not_given_and_kept_when_given()
    {
        var (transcriber, mel, model) = Setup();
        using (model)
        {
            var options = new DecodingOptions { Temperatures = [0.0], MaxTokensPerWindow = 5 };
            _ = transcriber.Transcribe(mel, 1100, options).ToList();
            Assert.Contains(transcriber.Language, Languages.Codes.Take(99));

            _ = transcriber.Transcribe(mel, 1100, options with { Language = "DE", Task = DecodingTask.Translate }).ToList();
            Assert.Equal("de", transcriber.Language); // named as the codes are
        }
    }

    [Fact]
    public void A_clip_shorter_than_a_window_is_judged_with_the_padding_s_silence_after_it_not_zeros()
    {
        var (transcriber, mel, model) = Setup();
        using (model)
        {
            _ = transcriber.Transcribe(mel, 1100, new DecodingOptions { Temperatures = [0.0], MaxTokensPerWindow = 1 }).ToList();

            var special = SpecialTokens.ForVocabularySize(51865);
            (int, double) Judged(int audioFrames)
            {
                var window = TorchSharp.torch.tensor(mel.Window(0, audioFrames, 3000), [1, 80, 3000]);
                using var audio = model.Decoder.CrossAttention(model.Encoder.Forward(window));
                return LanguageDetector.Detect(model, special, audio);
            }
            var (token, probability) = Judged(3000);
            Assert.NotEqual(Judged(1100).Item2, probability, 1e-9); // zeros after the clip would be judged otherwise
            Assert.Equal(Languages.Codes[token - special.FirstLanguage], transcriber.Language);
            Assert.Equal(probability, transcriber.LanguageProbability!.Value, 1e-9);
        }
    }

    [Fact]
    public void Detection_before_transcribing_judges_as_the_transcription_s_own()
    {
        var (transcriber, _, model) = Setup();
        using (model)
        {
            var samples = AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav"));
            _ = transcriber.Transcribe(samples, new DecodingOptions { Temperatures = [0.0], MaxTokensPerWindow = 1 }).ToList();

            var (language, probability) = transcriber.DetectLanguage(samples);

            Assert.Equal(transcriber.Language, language);
            Assert.Equal(transcriber.LanguageProbability!.Value, probability, 1e-9);
        }
    }

    [Fact]
    public void Audio_without_a_sample_is_judged_from_the_padding_s_silence_as_the_reference_does()
    {
        var (transcriber, _, model) = Setup();
        using (model)
        {
            var padding = LogMelSpectrogram.Compute([], 80, LogMelSpectrogram.WindowSamples);
            var window = TorchSharp.torch.tensor(padding.Window(0, 3000, 3000), [1, 80, 3000]);
            using var audio = model.Decoder.CrossAttention(model.Encoder.Forward(window));
            var (token, expected) = LanguageDetector.Detect(model, SpecialTokens.ForVocabularySize(51865), audio);

            var (language, probability) = transcriber.DetectLanguage([]);

            Assert.Equal(Languages.Codes[token - SpecialTokens.ForVocabularySize(51865).FirstLanguage], language);
            Assert.Equal(expected, probability, 1e-9);
        }
    }

    [Fact]
    public void An_unknown_language_is_rejected_by_name()
    {
        var (transcriber, mel, model) = Setup();
        using (model)
        {
            var error = Assert.Throws<ArgumentException>(() => transcriber.Transcribe(mel, 1100, new DecodingOptions { Language = "klingon" }).ToList());
            Assert.Equal("options", error.ParamName); // refused with the options, before decoding: a usage error on the command line
            Assert.Contains("Unknown language \"klingon\"", error.Message);
        }
    }
}
