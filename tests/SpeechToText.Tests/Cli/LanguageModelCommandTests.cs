using SpeechToText.Cli;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Tests.Cli;

public sealed class LanguageModelCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Counts_the_training_sentences_in_the_bundled_models_alphabet_with_the_weight_asked_for()
    {
        string path = _temp.File(CharacterLanguageModel.FileName);

        var result = SttCommandLine.Run("language-model", path, "--order", "3", "--min-count", "2", "--weight", "0.25");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var model = CharacterLanguageModel.Load(path);
        Assert.Equal((3, ModelRecipe.Characters, 0.25), (model.Order, model.Alphabet, model.FusionWeight));
        Assert.True(model.LogProbability("in the ", "house", ends: true) > model.LogProbability("in the ", "hqxse", ends: true));
    }

    [Fact]
    public void With_words_it_counts_a_word_model_of_the_same_sentences_into_a_model_directory()
    {
        string directory = _temp.File("model");
        Directory.CreateDirectory(directory);

        var result = SttCommandLine.Run("language-model", directory, "--words", "--weight", "0.3");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var model = WordLanguageModel.Load(Path.Combine(directory, WordLanguageModel.FileName));
        Assert.Equal((3, ModelRecipe.Characters, 0.3), (model.Order, model.Alphabet, model.FusionWeight));
        Assert.True(model.LogProbability(["in", "the"], "house") > model.LogProbability(["in", "the"], "of"));
        Assert.False(File.Exists(Path.Combine(directory, CharacterLanguageModel.FileName)));
    }

    [Fact]
    public void A_word_order_beyond_the_word_models_is_a_usage_error()
    {
        var result = SttCommandLine.Run("language-model", _temp.File("lm.bin"), "--words", "--order", "4");

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("--order must be 1 to 3 with --words", result.Error);
    }

    [Theory]
    [InlineData("--order", "0")]
    [InlineData("--order", "13")]
    [InlineData("--min-count", "0")]
    [InlineData("--weight", "-0.5")]
    public void Impossible_options_are_usage_errors(params string[] options)
    {
        var result = SttCommandLine.Run(["language-model", _temp.File("lm.bin"), .. options]);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.StartsWith("stt: --", result.Error);
        Assert.False(File.Exists(_temp.File("lm.bin")));
    }

    [Fact]
    public void Given_a_model_directory_it_writes_the_language_model_into_it_in_place_of_the_old_one()
    {
        string directory = _temp.File("model"), kept = Path.Combine(directory, CharacterLanguageModel.FileName);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(kept, [1, 2, 3]);

        var result = SttCommandLine.Run("language-model", directory, "--order", "2");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Equal(2, CharacterLanguageModel.Load(kept).Order);
        Assert.Equal([kept], Directory.GetFiles(directory));
    }

    [Fact]
    public void A_file_that_cannot_be_written_is_refused_before_counting()
    {
        string path = Path.Combine(_temp.File("missing"), "lm.bin");

        var result = SttCommandLine.Run("language-model", path);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains($"{path}: its directory does not exist", result.Error);
    }
}
