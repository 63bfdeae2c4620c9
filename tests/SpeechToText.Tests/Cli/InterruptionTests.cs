using System.Diagnostics;
using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

/// <summary>
/// Ctrl+C in a terminal signals the whole foreground process group: stt and the programs it runs (ffmpeg, the speech
/// synthesisers) at once. stt is run here in a session of its own and the group is sent SIGINT, as a terminal does.
/// </summary>
public sealed class InterruptionTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Ctrl_C_during_synthesis_cancels_the_corpus_build_and_keeps_the_recordings_made()
    {
        string directory = _temp.File("corpus");
        string recordings = Path.Combine(directory, "wav", "train");
        using var stt = StartInItsOwnSession("corpus", directory, "--train", "400", "--test", "0", "--workers", "2");
        var error = SttCommandLine.ErrorOf(stt);

        await Until(() => Directory.Exists(recordings) && Directory.EnumerateFiles(recordings, "*.wav").Any(), stt, error);
        await AssertCtrlCCancels(stt, error);
        Assert.NotEmpty(Directory.EnumerateFiles(recordings, "*.wav"));
    }

    [Fact]
    public async Task Ctrl_C_while_ffmpeg_decodes_the_input_cancels_the_transcription_and_blames_no_input()
    {
        string ogg = _temp.File("tone.ogg");
        TestAudio.Ffmpeg(_temp.Write("tone.wav", TestAudio.Wav16(TestAudio.ToPcm16(TestAudio.Sine(440, 16000, 2.0)))), ogg, "-c:a", "libvorbis");
        using var stt = StartInItsOwnSession("transcribe", "-");
        var error = SttCommandLine.ErrorOf(stt);
        // Half of the stream, and standard input left open: ffmpeg waits for the rest.
        byte[] bytes = File.ReadAllBytes(ogg);
        await stt.StandardInput.BaseStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await stt.StandardInput.BaseStream.FlushAsync();

        await Until(() => ChildNamed(stt, "ffmpeg"), stt, error);
        await AssertCtrlCCancels(stt, error);
    }

    [Fact]
    public async Task Ctrl_C_while_stt_waits_for_the_rest_of_a_wav_stream_cancels_the_transcription()
    {
        using var stt = StartInItsOwnSession("transcribe", "-");
        var error = SttCommandLine.ErrorOf(stt);
        // 200 KB of a 320 KB WAV stream, and standard input left open: stt reads it itself and waits for the rest.
        // The write ends once stt has read all but a pipe's buffer (64 KB) of it.
        byte[] wav = TestAudio.Wav16(TestAudio.ToPcm16(TestAudio.Sine(440, 16000, 10.0)));
        using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            await stt.StandardInput.BaseStream.WriteAsync(wav.AsMemory(0, 200_000), patience.Token);
            await stt.StandardInput.BaseStream.FlushAsync(patience.Token);
        }

        await AssertCtrlCCancels(stt, error);
    }

    [Theory]
    [InlineData("INT", "press Ctrl+C again", 130)]
    [InlineData("TERM", "send SIGTERM again", 143)]
    public async Task A_second_Ctrl_C_or_SIGTERM_quits_at_once_while_stt_waits_for_input_that_does_not_come(string signal, string again, int exitCode)
    {
        // A named pipe that nothing opens for writing: opening it waits for a writer, and no first Ctrl+C can end that wait.
        string fifo = _temp.File("never.wav");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
            await mkfifo.WaitForExitAsync();
        using var stt = StartInItsOwnSession("transcribe", fifo, "--verbose");
        var error = SttCommandLine.ErrorOf(stt);
        await Until(() => error.ToString().Contains("loaded "), stt, error); // the model: next, the input is opened

        await Signal(stt, signal);
        await Until(() => error.ToString().Contains($"stt: stopping ({again} to quit at once)"), stt, error);
        await Task.Delay(Interruption.SameInterruption); // sooner, it would count as the same interruption
        await Signal(stt, signal);
        await Exit(stt);

        Assert.Equal(exitCode, stt.ExitCode); // 128 + the signal's number: ended by the signal,
        Assert.DoesNotContain("stt: cancelled", error.ToString()); // not by the command's own stop
    }

    /// <summary>
    /// Starts stt in a session of its own, with SIGINT's default disposition: a test run started in the background
    /// (<c>command &amp;</c> in a script) inherits SIGINT ignored, and stt and its children would ignore it too.
    /// </summary>
    static Process StartInItsOwnSession(params string[] args)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (string argument in (string[])["--default-signal=INT", "setsid", Path.Combine(AppContext.BaseDirectory, "stt"), .. args])
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Waits (up to a minute) for <paramref name="condition"/> while stt runs; <paramref name="error"/> is its stderr.</summary>
    static async Task Until(Func<bool> condition, Process stt, SttCommandLine.Transcript error)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && !stt.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1))
            await Task.Delay(20);
        Assert.False(stt.HasExited, stt.HasExited ? $"stt exited with code {stt.ExitCode}: {error}" : null);
        Assert.True(condition(), "stt did not get there within a minute");
    }

    /// <summary>Presses Ctrl+C: stt ends cancelled, blaming nothing (<paramref name="error"/> is its stderr).</summary>
    static async Task AssertCtrlCCancels(Process stt, SttCommandLine.Transcript error)
    {
        await PressCtrlC(stt);
        await Exit(stt);

        Assert.Equal(ExitCode.Cancelled, stt.ExitCode);
        Assert.EndsWith("stt: cancelled", error.ToString().TrimEnd());
        Assert.DoesNotContain("error", error.ToString());
    }

    /// <summary>SIGINT to stt's process group, as Ctrl+C in a terminal sends it.</summary>
    static Task PressCtrlC(Process stt) => Signal(stt, "INT");

    /// <summary>The signal <paramref name="name"/> (INT, TERM) to stt's process group.</summary>
    static async Task Signal(Process stt, string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", "--", $"-{stt.Id}"]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits (up to 30 s) for stt to exit, and for the end of its stderr.</summary>
    static async Task Exit(Process stt)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stt.WaitForExitAsync(patience.Token); // throws if stt is still running 30 s after Ctrl+C
    }

    static bool ChildNamed(Process parent, string name) =>
        Directory.EnumerateDirectories($"/proc/{parent.Id}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(child => File.Exists($"/proc/{child}/comm") && File.ReadAllText($"/proc/{child}/comm").Trim() == name);
}
