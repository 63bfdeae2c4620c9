using System.Diagnostics;
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
    public async Task Ctrl_C_during_synthesis_cancels_the_build_and_keeps_the_recordings_made()
    {
        string directory = _temp.File("corpus");
        string recordings = Path.Combine(directory, "wav", "train");
        // In a session of its own, as stt runs in a terminal: Ctrl+C signals the whole process group, the synthesisers too.
        var start = new ProcessStartInfo("setsid") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "stt"), "corpus", directory, "--train", "400", "--test", "0", "--workers", "2" })
            start.ArgumentList.Add(argument);
        using var stt = Process.Start(start)!;
        var error = stt.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!(Directory.Exists(recordings) && Directory.EnumerateFiles(recordings, "*.wav").Any()) && !stt.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1))
            await Task.Delay(20);
        Assert.False(stt.HasExited, stt.HasExited ? await error : null);

        using (var interrupt = Process.Start("kill", ["-INT", "--", $"-{stt.Id}"]))
            await interrupt.WaitForExitAsync();

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stt.WaitForExitAsync(patience.Token); // throws if stt is still running 30 s after Ctrl+C
        string messages = await error;
        Assert.Equal(ExitCode.Cancelled, stt.ExitCode);
        Assert.Contains("stt: cancelled", messages);
        Assert.DoesNotContain("error", messages);
        Assert.NotEmpty(Directory.EnumerateFiles(recordings, "*.wav"));
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
