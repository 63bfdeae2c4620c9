using System.Text.Json;
using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_measures_the_bundled_model_and_reports_json()
    {
        var result = SttCommandLine.Run("bench", "--audio", Repository.Sample("short.wav"), "--threads", "1", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var report = JsonDocument.Parse(result.Output).RootElement;
        foreach (string positive in new[] { "LoadMs", "MelMsPer30Seconds", "EncoderMs", "TimeToFirstTokenMs", "DecodeStepP50Ms", "TokensPerSecond",
                     "RealTimeFactor", "MatmulGflops", "EncoderGflops", "MemoryGBps", "DecodeStepBoundMs", "EncoderFractionOfPeak" })
            Assert.True(report.GetProperty(positive).GetDouble() > 0, positive);
        Assert.True(report.GetProperty("DecodeStepP95Ms").GetDouble() >= report.GetProperty("DecodeStepP50Ms").GetDouble());
        Assert.Equal(64, report.GetProperty("DecodeSteps").GetInt32());
        Assert.Equal("fp32", report.GetProperty("Precision").GetString());
        Assert.Equal(5, report.GetProperty("BeamSize").GetInt32());
    }

    [Fact]
    public void Bench_transcribes_with_the_beams_it_is_given()
    {
        var result = SttCommandLine.Run("bench", "--audio", Repository.Sample("short.wav"), "--threads", "1", "--beam-size", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"real-time factor\s+[0-9.]+ \([0-9.]+ s of audio, greedy, \d+x real time\)", result.Output);
    }

    [Fact]
    public void Bench_refuses_a_beam_size_below_one()
    {
        var result = SttCommandLine.Run("bench", "--audio", Repository.Sample("short.wav"), "--beam-size", "0");

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("--beam-size", result.Error);
    }

    [Fact]
    public void Bench_refuses_fewer_than_one_thread()
    {
        var result = SttCommandLine.Run("bench", "--audio", Repository.Sample("short.wav"), "--threads", "0");

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("--threads must be at least 1, not 0", result.Error);
    }

    [Fact]
    public void Bench_names_a_missing_audio_file()
    {
        var result = SttCommandLine.Run("bench", "--audio", "/nonexistent/clip.wav");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/nonexistent/clip.wav", result.Error);
    }
}
