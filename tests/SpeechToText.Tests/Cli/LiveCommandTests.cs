using System.Text.Json;
using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

/// <summary>stt live with the bundled model, fed from files (the microphone path is in LiveMicrophoneTests).</summary>
public sealed class LiveCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_file_is_transcribed_as_timed_commits_and_the_final_transcript_is_written()
    {
        string json = _temp.File("live.json");

        var result = SttCommandLine.Run("live", "--input", Repository.Sample("short.wav"), "--output", json);

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Matches(@"^\[00:00\.\d\d --> 00:0\d\.\d\d\] \w", result.Output);
        var transcript = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var utterance = Assert.Single(transcript.GetProperty("segments").EnumerateArray());
        Assert.Equal("en", transcript.GetProperty("language").GetString());
        var committed = string.Join(' ', result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[(line.IndexOf(']') + 2)..]));
        Assert.Equal(committed, utterance.GetProperty("text").GetString()!.Trim());
        Assert.NotEmpty(utterance.GetProperty("words").EnumerateArray());
    }

    [Fact]
    public void Stats_score_the_offline_transcription_with_its_utterances_apart()
    {
        var once = SpeechToText.Audio.AudioInput.ReadAll(Repository.Sample("short.wav"));
        float[] twice = [.. once, .. new float[16000], .. once]; // two utterances, so two segments offline
        string wav = _temp.Write("twice.wav", TestAudio.Wav16([.. twice.Select(s => (short)Math.Round(s * 32767))]));
        string sentence = File.ReadAllText(Path.ChangeExtension(Repository.Sample("short.wav"), ".txt")).Trim();
        string reference = _temp.Write("twice.txt", System.Text.Encoding.UTF8.GetBytes(sentence + " " + sentence));

        var result = SttCommandLine.Run("live", "--input", wav, "--stats", "--reference", reference);

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("offline WER 0.0%", result.Error);
    }

    [Fact]
    public void Raw_pcm_on_standard_input_is_heard_at_its_rate()
    {
        var samples = SpeechToText.Audio.AudioInput.ReadAll(Repository.Sample("short.wav"));
        string pcm = _temp.Write("short.pcm", [.. samples.SelectMany(s => BitConverter.GetBytes((short)Math.Round(s * 32767)))]);

        var result = SttCommandLine.RunProcess(null, pcm, "live", "--input", "-", "--stats");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains($"stdin: {samples.Length / 16000.0:F1} s of audio", result.Error);
        Assert.Contains("latency: not measured (standard input may arrive faster than real time)", result.Error);
        Assert.Matches(@"^\[00:00\.\d\d --> 00:0\d\.\d\d\] \w", result.Output);
    }

    [Fact]
    public void A_language_given_to_an_english_only_model_is_named_as_not_used()
    {
        var result = SttCommandLine.Run("live", "--input", Repository.Sample("short.wav"), "--language", "de");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("the model is English-only: the language \"de\" is not used; it transcribes English", result.Error);
        Assert.Matches(@"^\[00:00\.\d\d --> 00:0\d\.\d\d\] \w", result.Output);
    }

    [Theory]
    [InlineData("--realtime")]
    [InlineData("--input", "-", "--realtime")]
    [InlineData("--chunk", "0")]
    [InlineData("--format", "srt")]
    [InlineData("--input", "x.wav", "--output", "transcript.unknown")]
    [InlineData("--input", "x.wav", "--reference", "x.txt")]
    [InlineData("--beam-size", "0")]
    [InlineData("--lm-weight", "-1")]
    [InlineData("--word-lm-weight", "-1")]
    [InlineData("--threads", "0")]
    public void Contradictory_or_impossible_options_are_usage_errors(params string[] options)
    {
        var result = SttCommandLine.Run(["live", .. options]);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
    }

    [Fact]
    public void A_capture_device_that_does_not_exist_is_an_input_error_naming_it()
    {
        var result = SttCommandLine.Run("live", "--capture-device", "no_such_device");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains("no_such_device", result.Error);
        Assert.DoesNotContain("ALSA lib", result.Error);
    }

    [Theory]
    [InlineData("missing/live.txt", "its directory does not exist")]
    [InlineData("existing.txt", "is a directory, not a file")]
    public void An_output_file_that_cannot_be_written_is_refused_before_listening(string name, string reason)
    {
        Directory.CreateDirectory(_temp.File("existing.txt"));
        string transcript = _temp.File(name);

        var result = SttCommandLine.Run("live", "--input", Repository.Sample("short.wav"), "--output", transcript, "--format", "txt");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains($"{transcript}: {reason}", result.Error);
        Assert.Empty(result.Output);
    }
}
