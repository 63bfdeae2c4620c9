using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

public sealed class TrainCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--accumulate", "0")]
    [InlineData("--accumulate", "-1")]
    [InlineData("--lr", "NaN")]
    [InlineData("--validate-every", "0")]
    [InlineData("--minutes", "NaN")]
    [InlineData("--minutes", "1e300")]
    [InlineData("--steps", "100", "--decay-from", "100")]
    public void Impossible_options_are_usage_errors_and_leave_the_run_untouched(params string[] options)
    {
        string run = _temp.File("run");

        var result = SttCommandLine.Run(["train", _temp.File("corpus"), run, .. options]);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.StartsWith("stt: ", result.Error);
        Assert.DoesNotContain("internal error", result.Error);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_missing_corpus_is_an_input_error_naming_it_and_leaves_no_run_directory()
    {
        string corpus = _temp.File("no-corpus"), run = _temp.File("run");

        var result = SttCommandLine.Run("train", corpus, run);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.StartsWith($"stt: error: {corpus}: no manifest", result.Error);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_run_directory_that_is_a_file_is_an_input_error_and_the_file_is_kept()
    {
        string run = _temp.Write("run", "kept"u8.ToArray());

        var result = SttCommandLine.Run("train", _temp.File("no-corpus"), run);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {run}: is a file, not a run directory", result.Error.TrimEnd());
        Assert.Equal("kept", File.ReadAllText(run));
    }
}
