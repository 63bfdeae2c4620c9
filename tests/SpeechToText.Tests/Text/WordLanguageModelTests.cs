using SpeechToText.Decoding;
using SpeechToText.Text;

namespace SpeechToText.Tests.Text;

/// <summary>
/// The word language model: a proper distribution over the next word and the end, which prefers the word sequences
/// it has read, pools rare words into one unknown word, reads text as the character model does, takes over the
/// character model's score of each known word a transcript completes, and survives a round trip through its file,
/// which it refuses when damaged.
/// </summary>
public sealed class WordLanguageModelTests : IDisposable
{
    const string Alphabet = " abcdefghijklmnopqrstuvwxyz'";

    static readonly string[] Sentences =
    [
        "the direction in which a compass needle points",
        "a compass needle points to the north",
        "the needle of the compass",
        "which way is north",
        "it's a long way to the north",
        "the north wind",
    ];

    readonly string _directory = Directory.CreateTempSubdirectory("stt-wlm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static WordLanguageModel Trained(int minCount = 1) => WordLanguageModel.Train(Sentences, Alphabet, order: 3, minCount, fusionWeight: 0.3);

    static CharacterLanguageModel Spelling() => CharacterLanguageModel.Train(Sentences, Alphabet, order: 4);

    [Theory]
    [InlineData("")]
    [InlineData("the")]
    [InlineData("a compass")]
    [InlineData("zebra crossing")]
    public void The_next_word_the_unknown_word_and_the_end_have_probabilities_that_sum_to_one(string text)
    {
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var model = Trained();

        double sum = model.Vocabulary.Append("zebra").Sum(w => Math.Exp(model.LogProbability(words, w))) + Math.Exp(model.LogProbability(words, null));

        Assert.Equal(1.0, sum, 9);
    }

    [Fact]
    public void Prefers_the_word_sequences_it_has_read()
    {
        var model = Trained();

        Assert.True(model.LogProbability(["a", "compass"], "needle") > model.LogProbability(["a", "compass"], "north"));
        Assert.True(model.LogProbability(["to", "the"], "north") > model.LogProbability(["to", "the"], "needle"));
        Assert.True(model.LogProbability(["which", "way", "is", "north"], null) > model.LogProbability(["which", "way", "is"], null));
    }

    [Fact]
    public void Words_seen_fewer_times_than_the_minimum_count_are_one_unknown_word()
    {
        var pruned = Trained(minCount: 2);

        Assert.Contains("north", pruned.Vocabulary);
        Assert.DoesNotContain("direction", pruned.Vocabulary);
        Assert.Equal(pruned.LogProbability(["the"], "direction"), pruned.LogProbability(["the"], "zebra"));
        Assert.True(Trained(minCount: 1).LogProbability(["the"], "direction") > Trained(minCount: 1).LogProbability(["the"], "zebra"));
    }

    [Fact]
    public void Over_a_sentence_of_known_words_the_spelling_and_the_rescoring_add_up_to_the_word_models_log_probability()
    {
        var model = Trained();
        var spelling = Spelling();
        const string sentence = "a compass needle points north";

        double fused = WrittenOneCharacterAtATime(sentence, model, spelling);

        string[] words = sentence.Split(' ');
        double expected = words.Select((w, i) => model.LogProbability(words[..i], w)).Sum() + model.LogProbability(words, null);
        Assert.Equal(expected, fused, 9);
    }

    [Fact]
    public void An_unknown_word_keeps_its_spelling_and_adds_the_unknown_words_probability()
    {
        var model = Trained(minCount: 2);
        var spelling = Spelling();

        double fused = WrittenOneCharacterAtATime("the zebra", model, spelling);

        double expected = model.LogProbability([], "the") + spelling.LogProbability("the ", "zebra") + model.LogProbability(["the"], "zebra")
            + model.LogProbability(["the", "zebra"], null);
        Assert.Equal(expected, fused, 9);
    }

    [Fact]
    public void Reads_text_as_the_character_model_does_and_changes_nothing_inside_a_word()
    {
        var model = Trained();
        var spelling = Spelling();

        Assert.Equal(0, model.Rescoring("the comp", "a", ends: false, spelling));
        Assert.Equal(model.Rescoring("the compass", " ", ends: false, spelling), model.Rescoring("  The  Compass!", "  ", ends: false, spelling), 12);
    }

    [Fact]
    public void Written_in_whisper_style_pieces_with_a_trailing_space_the_sum_is_the_same()
    {
        var model = Trained();
        var spelling = Spelling();
        string[] pieces = [" A", " compass", " needle,", " points", " north", ".", " "];

        double total = 0;
        string text = "";
        foreach (string piece in pieces)
        {
            total += spelling.LogProbability(text, piece) + model.Rescoring(text, piece, ends: false, spelling);
            text += piece;
        }
        total += spelling.LogProbability(text, "", ends: true) + model.Rescoring(text, "", ends: true, spelling);

        Assert.Equal(WrittenOneCharacterAtATime("a compass needle points north", model, spelling), total, 9);
    }

    [Fact]
    public void Goes_only_beside_a_character_model_of_its_alphabet_and_weighted_no_more_than_it()
    {
        var otherAlphabet = WordLanguageModel.Train(Sentences, Alphabet.TrimEnd('\''), order: 3, minCount: 1, fusionWeight: 0.3);

        var refused = Assert.Throws<ArgumentException>(() => new LanguageModels(Spelling(), otherAlphabet));
        Assert.StartsWith("The word language model's alphabet", refused.Message);
        Assert.Null(LanguageModelFusion.Refusal(characterWeight: 0.4, wordWeight: 0.4));
        Assert.Equal("The word language model's weight (0.5) may not exceed the character language model's (0.4).",
            LanguageModelFusion.Refusal(characterWeight: 0.4, wordWeight: 0.5));
    }

    [Fact]
    public void A_word_too_long_to_store_is_an_unknown_word_and_the_model_still_loads()
    {
        string longWord = new('a', 300);
        var model = WordLanguageModel.Train([$"the {longWord} word", $"the {longWord} word"], Alphabet, order: 2);
        string path = Path.Combine(_directory, "long.bin");

        model.Save(path);

        Assert.DoesNotContain(longWord, WordLanguageModel.Load(path).Vocabulary);
        Assert.Contains("word", model.Vocabulary);
    }

    /// <summary>What fusion adds up for <paramref name="sentence"/> written a character at a time and then ended.</summary>
    static double WrittenOneCharacterAtATime(string sentence, WordLanguageModel model, CharacterLanguageModel spelling)
    {
        double total = 0;
        for (int i = 0; i < sentence.Length; i++)
        {
            string text = sentence[..i], next = sentence[i].ToString();
            total += spelling.LogProbability(text, next) + model.Rescoring(text, next, ends: false, spelling);
        }
        return total + spelling.LogProbability(sentence, "", ends: true) + model.Rescoring(sentence, "", ends: true, spelling);
    }

    [Fact]
    public void Saving_and_loading_keeps_every_probability_and_the_fusion_weight()
    {
        var model = Trained(minCount: 2);
        string path = Path.Combine(_directory, WordLanguageModel.FileName);

        model.Save(path);
        var loaded = WordLanguageModel.Load(path);

        Assert.Equal((3, Alphabet, 0.3), (loaded.Order, loaded.Alphabet, loaded.FusionWeight));
        Assert.Equal(model.Vocabulary, loaded.Vocabulary);
        foreach (string[] words in Sentences.Select(s => s.Split(' ')))
            for (int i = 0; i <= words.Length; i++)
                Assert.Equal(model.LogProbability(words[..i], i < words.Length ? words[i] : null), loaded.LogProbability(words[..i], i < words.Length ? words[i] : null), 12);
    }

    [Fact]
    public void A_truncated_or_damaged_file_is_refused_naming_the_file()
    {
        string path = Path.Combine(_directory, "good.bin");
        Trained().Save(path);
        byte[] good = File.ReadAllBytes(path);

        foreach (int length in new[] { 0, 3, 10, 40, good.Length / 2, good.Length - 1 })
            AssertRefused(good[..length]);
        AssertRefused([.. good, 0], "follow the last n-gram");
        AssertRefused([(byte)'X', .. good[1..]], "not a word language model");
        var badVersion = good.ToArray();
        badVersion[4] = 9;
        AssertRefused(badVersion, "version 9");
        var badOrder = good.ToArray();
        badOrder[8] = 7;
        AssertRefused(badOrder, "order 7");
        int wordsAt = 4 + 4 + 4 + 4 + Alphabet.Length + 8;
        var hugeCount = good.ToArray();
        BitConverter.GetBytes(int.MaxValue).CopyTo(hugeCount, wordsAt);
        AssertRefused(hugeCount, "number of words");
        var badWord = good.ToArray();
        badWord[wordsAt + 4 + 1] = (byte)'#'; // the first letter of the first word
        AssertRefused(badWord, "word 0");
    }

    void AssertRefused(byte[] bytes, string reason = "")
    {
        string path = Path.Combine(_directory, "damaged.bin");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => WordLanguageModel.Load(path));
        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void An_alphabet_without_a_space_or_an_order_it_cannot_pack_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => WordLanguageModel.Train(Sentences, "abcdefghijklmnopqrstuvwxyz", order: 2));
        Assert.Throws<InvalidDataException>(() => WordLanguageModel.Train(Sentences, Alphabet, order: WordLanguageModel.MaxOrder + 1));
        Assert.Throws<InvalidDataException>(() => WordLanguageModel.Train(Sentences, Alphabet, order: 0));
    }
}
