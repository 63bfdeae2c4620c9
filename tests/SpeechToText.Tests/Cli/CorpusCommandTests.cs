using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

public sealed class CorpusCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--workers", "0")]
    [InlineData("--train", "-1")]
    [InlineData("--test", "-5")]
    [InlineData("--train", "0", "--test", "0")]
    public void Impossible_sizes_are_usage_errors_and_write_nothing(params string[] options)
    {
        string directory = _temp.File("corpus");

        var result = SttCommandLine.Run(["corpus", directory, .. options]);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.StartsWith("stt: ", result.Error);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Catalan_voice_has_festivals_Catalan_voice_read_some_of_the_corpus()
    {
        string directory = _temp.File("corpus");

        var result = SttCommandLine.Run("corpus", directory, "--train", "12", "--test", "0", "--seed", "3", "--catalan-voice");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("\tfestival-ca:upc_ca_ona_hts\t", File.ReadAllText(Path.Combine(directory, "manifest.tsv")), StringComparison.Ordinal);
    }

    [Fact]
    public void Catalan_share_gives_the_Catalan_voice_that_share_and_names_it_in_the_recipe()
    {
        string directory = _temp.File("corpus");

        var result = SttCommandLine.Run("corpus", directory, "--train", "12", "--test", "0", "--seed", "3", "--catalan-share", "0.5");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("\tfestival-ca:upc_ca_ona_hts\t", File.ReadAllText(Path.Combine(directory, "manifest.tsv")), StringComparison.Ordinal);
        Assert.EndsWith(", Catalan share 0.5", File.ReadAllText(Path.Combine(directory, "recipe.txt")).Trim());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-0.2")]
    public void A_catalan_share_outside_zero_to_one_is_a_usage_error(string share)
    {
        var result = SttCommandLine.Run("corpus", _temp.File("corpus"), "--train", "1", "--test", "0", "--catalan-share", share);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("--catalan-share must be more than 0 and less than 1", result.Error);
    }

    [Fact]
    public void An_accent_share_is_written_in_the_recipe_and_names_each_accent_in_the_manifest()
    {
        string directory = _temp.File("corpus");

        var result = SttCommandLine.Run("corpus", directory, "--train", "12", "--test", "0", "--seed", "3", "--accent-share", "1");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Matches(@"\tespeak-ng:[^\t]+ \(accent [A-Za-z+]+\)\t", File.ReadAllText(Path.Combine(directory, "manifest.tsv")));
        Assert.EndsWith(", accent share 1", File.ReadAllText(Path.Combine(directory, "recipe.txt")).Trim());
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.2")]
    public void An_accent_share_outside_zero_to_one_is_a_usage_error(string share)
    {
        var result = SttCommandLine.Run("corpus", _temp.File("corpus"), "--train", "1", "--test", "0", "--accent-share", share);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains($"--accent-share must be from 0 to 1, not {share}", result.Error);
    }

    [Fact]
    public void A_corpus_directory_where_a_file_stands_is_an_input_error_and_the_file_is_kept()
    {
        string file = _temp.Write("corpus", "kept"u8.ToArray());

        var result = SttCommandLine.Run("corpus", file, "--train", "1", "--test", "1");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {file}: is a file, not a directory", result.Error.TrimEnd());
        Assert.Equal("kept", File.ReadAllText(file));
    }
}
