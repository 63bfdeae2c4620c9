using SpeechToText.Text;

namespace SpeechToText.Tests.Text;

/// <summary>
/// The character language model: a proper distribution over the next character and the end, which prefers the
/// spellings it has read, reads text as the model writes it, and survives a round trip through its file, which
/// it refuses when damaged.
/// </summary>
public sealed class CharacterLanguageModelTests : IDisposable
{
    const string Alphabet = " abcdefghijklmnopqrstuvwxyz'";

    static readonly string[] Sentences =
    [
        "the direction in which a compass needle points",
        "a compass needle points to the north",
        "the needle of the compass",
        "which way is north",
        "it's a long way to the north",
    ];

    readonly string _directory = Directory.CreateTempSubdirectory("stt-lm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static CharacterLanguageModel Trained(int minCount = 1) => CharacterLanguageModel.Train(Sentences, Alphabet, order: 5, minCount, fusionWeight: 0.4);

    [Theory]
    [InlineData("")]
    [InlineData("the comp")]
    [InlineData("which way is north")]
    [InlineData("zqx")]
    public void The_next_character_and_the_end_have_probabilities_that_sum_to_one(string text)
    {
        var model = Trained();
        double sum = Math.Exp(model.LogProbability(text, "", ends: true))
            + Alphabet.Where(c => c != ' ' || text.Length > 0).Sum(c => Math.Exp(model.LogProbability(text, c.ToString())));
        Assert.Equal(1.0, sum, 9);
    }

    [Fact]
    public void Prefers_the_spellings_it_has_read()
    {
        var model = Trained();

        Assert.True(model.LogProbability("the direction in which a ", "compass needle") > model.LogProbability("the direction in which a ", "combace needled"));
        Assert.True(model.LogProbability("which way is", " north", ends: true) > model.LogProbability("which way is", " nort", ends: true));
    }

    [Fact]
    public void Reads_text_as_the_model_writes_it_lower_case_in_its_alphabet_single_spaced()
    {
        var model = Trained();

        Assert.Equal(model.LogProbability("the compass", " needle"), model.LogProbability("  The  Compass!", "  NEEDLE"), 12);
        Assert.Equal(0, model.LogProbability("the ", " "));
    }

    [Fact]
    public void N_grams_seen_fewer_times_than_the_minimum_count_are_dropped()
    {
        var everything = Trained(minCount: 1);
        var pruned = Trained(minCount: 2);

        // "directio" occurs once: its continuation is certain to the full model, much less so once pruned.
        Assert.True(everything.LogProbability("the directio", "n") > pruned.LogProbability("the directio", "n") + 0.5);
        // "compass" occurs three times and keeps its continuation either way.
        Assert.Equal(everything.LogProbability("a compa", "s"), pruned.LogProbability("a compa", "s"), 1);
    }

    [Fact]
    public void Saving_and_loading_keeps_every_probability_and_the_fusion_weights()
    {
        var model = Trained();
        string path = Path.Combine(_directory, CharacterLanguageModel.FileName);

        model.Save(path);
        var loaded = CharacterLanguageModel.Load(path);

        Assert.Equal((5, Alphabet, 0.4), (loaded.Order, loaded.Alphabet, loaded.FusionWeight));
        foreach (string sentence in Sentences)
            Assert.Equal(model.LogProbability("", sentence, ends: true), loaded.LogProbability("", sentence, ends: true), 12);
        Assert.Equal(model.LogProbability("the ", "zebra"), loaded.LogProbability("the ", "zebra"), 12);
    }

    [Fact]
    public void A_truncated_or_damaged_file_is_refused_naming_the_file()
    {
        string path = Path.Combine(_directory, "good.bin");
        Trained().Save(path);
        byte[] good = File.ReadAllBytes(path);

        foreach (int length in new[] { 0, 3, 10, 40, good.Length / 2, good.Length - 1 })
            AssertRefused(good[..length]);
        AssertRefused([.. good, 0], "follow the last context");
        AssertRefused([(byte)'X', .. good[1..]], "not a character language model");
        var badVersion = good.ToArray();
        badVersion[4] = 9;
        AssertRefused(badVersion, "version 9");
        var badOrder = good.ToArray();
        badOrder[8] = 40;
        AssertRefused(badOrder, "order 40");
        var hugeCount = good.ToArray();
        int countAt = 4 + 4 + 4 + 4 + Alphabet.Length + 8;
        BitConverter.GetBytes(int.MaxValue).CopyTo(hugeCount, countAt);
        AssertRefused(hugeCount, "number of contexts");
    }

    void AssertRefused(byte[] bytes, string reason = "")
    {
        string path = Path.Combine(_directory, "damaged.bin");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => CharacterLanguageModel.Load(path));
        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void An_alphabet_or_order_it_cannot_pack_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => CharacterLanguageModel.Train(Sentences, new string('a', 2), order: 3));
        Assert.Throws<InvalidDataException>(() => CharacterLanguageModel.Train(Sentences, Alphabet + "0123", order: 3));
        Assert.Throws<InvalidDataException>(() => CharacterLanguageModel.Train(Sentences, Alphabet, order: CharacterLanguageModel.MaxOrder + 1));
    }
}
