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
}
