using System.Runtime.Versioning;
using SpeechToText.Audio;
using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

/// <summary>
/// How <see cref="SpeechSynthesizer"/> deals with the programs it runs, shown with a stand-in for flite put first on
/// the PATH. Runs alone: the PATH is the whole process's.
/// </summary>
[Collection(nameof(RunsAlone))]
[SupportedOSPlatform("linux")]
public sealed class SynthesiserProcessTests : IDisposable
{
    readonly TempDirectory _temp = new();
    readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _temp.Dispose();
    }

    [Fact]
    public async Task A_synthesiser_that_writes_more_than_a_pipe_holds_to_its_output_is_read_to_the_end()
    {
        string clip = _temp.File("clip.wav");
        WavWriter.Write(clip, Enumerable.Repeat(0.25f, 1600).ToArray());
        // a megabyte to its output before it writes the WAV file it was asked for (after -o)
        FakeFlite($"head -c 1048576 /dev/zero\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && cp '{clip}' \"$2\"; shift; done");

        var speaking = Task.Run(() => SpeechSynthesizer.Speak("a word", new Voice("flite", "awb"), new Prosody(1, 1, 0)));

        Assert.Same(speaking, await Task.WhenAny(speaking, Task.Delay(TimeSpan.FromSeconds(30)))); // else its output was never read
        Assert.Equal(1600, (await speaking).Length);
    }

    [Fact]
    public void A_synthesiser_that_fails_saying_why_on_its_output_alone_is_quoted_in_the_error_its_last_words_only()
    {
        FakeFlite("head -c 100000 /dev/zero | tr '\\0' x\necho\necho 'voice awb: no such voice'\nexit 3");

        var error = Assert.Throws<InvalidOperationException>(() => SpeechSynthesizer.Speak("a word", new Voice("flite", "awb"), new Prosody(1, 1, 0)));

        Assert.Contains("no such voice", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Message.Length, 1, 2100);
    }

    /// <summary>Puts a shell script named flite with <paramref name="body"/> first on the PATH.</summary>
    void FakeFlite(string body)
    {
        string program = _temp.File("flite");
        File.WriteAllText(program, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", $"{_temp.Path}:{_path}");
    }
}
