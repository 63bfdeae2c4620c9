using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Text;

namespace SpeechToText.Tests.Text;

public sealed class WhisperTokenizerTests : IClassFixture<WhisperTokenizerTests.Gpt2Vocabulary>
{
    /// <summary>The GPT-2 ranks as the oracle ggml file stores them.</summary>
    public sealed class Gpt2Vocabulary
    {
        public Gpt2Vocabulary()
        {
            using var checkpoint = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
            Ranks = checkpoint.Vocabulary;
        }

        public IReadOnlyList<byte[]> Ranks { get; }
    }

    readonly WhisperTokenizer _english;

    public WhisperTokenizerTests(Gpt2Vocabulary vocabulary) =>
        _english = WhisperTokenizer.FromRanks(vocabulary.Ranks, SpecialTokens.ForVocabularySize(51864));

    [Theory]
    // vocabulary, eot, sot, translate, transcribe, startoflm, startofprev, nospeech, notimestamps, <|0.00|>
    [InlineData(51864, 50256, 50257, 50357, 50358, 50359, 50360, 50361, 50362, 50363)]
    [InlineData(51865, 50257, 50258, 50358, 50359, 50360, 50361, 50362, 50363, 50364)]
    [InlineData(51866, 50257, 50258, 50359, 50360, 50361, 50362, 50363, 50364, 50365)]
    public void Special_token_ids_follow_the_reference_layouts(int vocabulary, int eot, int sot, int translate, int transcribe,
        int startOfLm, int startOfPrevious, int noSpeech, int noTimestamps, int timestampBegin)
    {
        var special = SpecialTokens.ForVocabularySize(vocabulary);
        Assert.Equal(
            (eot, sot, translate, transcribe, startOfLm, startOfPrevious, noSpeech, noTimestamps, timestampBegin),
            (special.EndOfText, special.StartOfTranscript, special.Translate, special.Transcribe, special.StartOfLm,
             special.StartOfPrevious, special.NoSpeech, special.NoTimestamps, special.TimestampBegin));
        Assert.Equal(sot + 1, special.FirstLanguage);
        Assert.Equal(vocabulary >= 51865, special.Multilingual);
        Assert.Equal(vocabulary == 51866 ? 100 : 99, special.LanguageCount);
        Assert.Equal(30.0, special.SecondsOf(special.TimestampBegin + 1500), 9);
    }

    [Fact]
    public void Cantonese_has_a_token_from_large_v3_on_and_the_earlier_vocabularies_say_they_lack_it()
    {
        Assert.Equal(50258 + 1 + 99, SpecialTokens.ForVocabularySize(51866).LanguageToken("yue"));

        var missing = Assert.Throws<ArgumentException>(() => SpecialTokens.ForVocabularySize(51865).LanguageToken("yue"));

        Assert.Equal("language", missing.ParamName);
        Assert.StartsWith("The model has no token for the language \"yue\" (its vocabulary has the first 99 of Whisper's 100 languages)", missing.Message);
    }

    [Fact]
    public void A_whisper_model_is_not_let_end_at_once_for_it_says_no_speech_with_its_own_token()
    {
        var logits = new float[51864];

        SpeechToText.Decoding.SuppressBlank.For(_english).Apply(logits, []);

        Assert.Equal(float.NegativeInfinity, logits[_english.Special.EndOfText]);
        Assert.Equal(float.NegativeInfinity, logits[_english.Encode(" ")[0]]);
        Assert.Equal(0, logits[_english.Special.NoSpeech]);
    }

    [Fact]
    public void A_vocabulary_without_the_standard_layout_is_rejected() =>
        Assert.Throws<InvalidDataException>(() => SpecialTokens.ForVocabularySize(50000));

    [Fact]
    public void A_vocabulary_with_more_language_tokens_than_whisper_has_languages_is_rejected()
    {
        // Language detection picks among the language tokens: each must have a code.
        var sized = Assert.Throws<InvalidDataException>(() => SpecialTokens.ForVocabularySize(51900));
        var named = Assert.Throws<InvalidDataException>(() => SpecialTokens.FromNames(
            new Dictionary<string, int> { ["<|endoftext|>"] = 0, ["<|startoftranscript|>"] = 1, ["<|translate|>"] = 200 }, multilingual: true, vocabularySize: 300));

        Assert.Equal("The vocabulary has 134 language tokens; Whisper knows 100 languages.", sized.Message);
        Assert.Contains("198 language tokens", named.Message);
    }

    [Fact]
    public void Encodes_text_with_gpt2_ranks()
    {
        Assert.Equal(new[] { 15496, 995 }, _english.Encode("Hello world"));
        Assert.Equal(new[] { 220 }, _english.Encode(" "));
    }

    [Theory]
    [InlineData("And so, my fellow Americans: ask not what your country can do for you.")]
    [InlineData("Grüße aus Köln — ¿qué tal? Ça va très bien.")]
    [InlineData("日本語のテキストと中文文本")]
    [InlineData("emoji 🎙️👩🏽‍💻 and symbols ♪♫ ∑√")]
    [InlineData("  leading and trailing spaces, tabs\tand\nnewlines  ")]
    public void Decoding_the_encoding_gives_back_the_text(string text) =>
        Assert.Equal(text, _english.Decode(_english.Encode(text)));

    [Fact]
    public void Decoding_skips_special_and_timestamp_tokens()
    {
        var special = _english.Special;
        int[] tokens = [special.StartOfTranscript, special.TimestampBegin + 10, 15496, 995, special.TimestampBegin + 50, special.EndOfText];
        Assert.Equal("Hello world", _english.Decode(tokens));
    }

    [Fact]
    public void Bytes_split_across_tokens_decode_once_whole_and_as_replacement_when_cut()
    {
        var tokens = _english.Encode("🎙");
        Assert.True(tokens.Count > 1); // a 4-byte character spans several byte-level tokens
        Assert.Equal("🎙", _english.Decode(tokens));
        Assert.Equal("\uFFFD", _english.Decode(tokens.Take(1)));
    }

    [Fact]
    public void Default_suppressed_tokens_are_the_reference_set_for_english_models()
    {
        // suppress_tokens of the English-only checkpoints' generation configuration (tiny.en ... medium.en).
        int[] reference =
        [
            1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 357, 366, 438, 532, 685,
            705, 796, 930, 1058, 1220, 1267, 1279, 1303, 1343, 1377, 1391, 1635, 1782, 1875, 2162, 2361, 2488, 3467, 4008,
            4211, 4600, 4808, 5299, 5855, 6329, 7203, 9609, 9959, 10563, 10786, 11420, 11709, 11907, 13163, 13697, 13700,
            14808, 15306, 16410, 16791, 17992, 19203, 19510, 20724, 22305, 22935, 27007, 30109, 30420, 33409, 34949, 40283,
            40493, 40549, 47282, 49146, 50257, 50357, 50358, 50359, 50360, 50361,
        ];
        Assert.Equal(reference, SuppressTokens.Default(_english).Tokens);
    }
}
