using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

public class SttAppTests
{
    [Fact]
    public void Version_prints_the_version_and_exits_0()
    {
        var result = SttCommandLine.Run("--version");
        Assert.Equal(ExitCode.Ok, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Output);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var result = SttCommandLine.Run("--help");
        Assert.Equal(ExitCode.Ok, result.ExitCode);
        Assert.Contains("mel", result.Output);
        Assert.Contains("info", result.Output);
        Assert.Contains("--verbose", result.Output);
    }

    [Fact]
    public void Info_reports_libtorch_and_ffmpeg()
    {
        var result = SttCommandLine.Run("info");
        Assert.Equal(ExitCode.Ok, result.ExitCode);
        Assert.Matches(@"libtorch: 2\.\d+", result.Output);
        Assert.Matches(@"ffmpeg: \d", result.Output);
    }
}
