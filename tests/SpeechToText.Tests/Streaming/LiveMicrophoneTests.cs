using SpeechToText.Audio;
using SpeechToText.Streaming;
using SpeechToText.Tests.Cli;
using SpeechToText.Tests.EndToEnd;
using SpeechToText.Text;

namespace SpeechToText.Tests.Streaming;

/// <summary>
/// Live transcription through a real sound server: the samples are played into a virtual microphone in real
/// time and captured from ALSA's default device, as from a microphone. They run alone, so that the player, the
/// sound server and the live decoder keep real time without the other tests competing for the processor.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class LiveMicrophoneTests(VirtualMicrophone microphone) : IClassFixture<VirtualMicrophone>
{
    const int Rate = AudioInput.SampleRate;
    const float Tolerance = 1e-3f;
    const int Block = Rate / 10;

    /// <summary>What the capture of one playback gave: the samples and the events.</summary>
    sealed record Capture(List<float> Samples, List<StreamingEvent> Events);

    /// <summary>
    /// Transcribes the microphone while <paramref name="wav"/> plays, until <paramref name="stopAfter"/> seconds of
    /// audio or 1 s after the playback ends.
    /// </summary>
    Capture Record(StreamingTranscriber stream, string wav, double stopAfter = double.PositiveInfinity)
    {
        using var capture = AlsaMicrophone.Open(VirtualMicrophone.Device);
        using var playback = microphone.Play(wav);
        using var stop = new CancellationTokenSource();
        var samples = new List<float>();
        var events = new List<StreamingEvent>();
        int afterEnd = 0;
        void Heard(float[] chunk)
        {
            samples.AddRange(chunk);
            if (playback.HasExited && ++afterEnd > 20 || samples.Count >= stopAfter * Rate)
                stop.Cancel();
        }
        events.AddRange(LiveTranscription.Run(stream, capture, Heard, stop.Token));
        return new Capture(samples, events);
    }

    static string Committed(IEnumerable<StreamingEvent> events) => string.Concat(events.OfType<CommittedText>().Select(c => c.Text));

    [Fact]
    public void The_microphone_hears_the_played_sample_in_order_at_its_rate_and_level()
    {
        var played = AudioInput.ReadAll(Repository.Sample("short.wav"));
        var heard = new List<float>();
        int overruns;
        using (var capture = AlsaMicrophone.Open(VirtualMicrophone.Device))
        using (var playback = microphone.Play(Repository.Sample("short.wav")))
        {
            var buffer = new float[Rate / 10];
            while (!playback.HasExited || heard.Count < played.Length + Rate)
                heard.AddRange(buffer.AsSpan(0, capture.Read(buffer)));
            overruns = capture.Overruns;
        }
        Assert.Equal(0, overruns); // the reader kept up: nothing was lost on this side

        // Every 0.1 s of the sample that is not silence appears in the capture, in order, each sample within 1/1000 of
        // full scale: bit for bit on an idle machine; under load, seen off by a few 16-bit steps, and a player starved
        // of CPU for longer than the server's buffer makes it fill the gap with silence (a block that straddles one
        // is not found whole).
        var blocks = Enumerable.Range(0, played.Length / Block).Where(b => played.Skip(b * Block).Take(Block).Max(Math.Abs) > 0.01f).ToList();
        int offset = 0, found = 0;
        foreach (int block in blocks)
        {
            int first = block * Block;
            bool Matches(int shift) => first + shift + Block <= heard.Count
                && Enumerable.Range(first, Block).All(i => Math.Abs(heard[i + shift] - played[i]) <= Tolerance);
            int? shift = Enumerable.Range(offset, heard.Count - played.Length + Block).Select(s => (int?)s).FirstOrDefault(s => Matches(s!.Value));
            if (shift is { } at)
                (offset, found) = (at, found + 1);
        }
        Assert.True(blocks.Count > 10 && found >= 0.9 * blocks.Count, $"{found} of {blocks.Count} blocks of speech heard");
    }

    [Fact]
    public void Speech_from_the_microphone_is_committed_in_order_and_recognised_as_well_as_the_samples()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);

        // The first 40 s of the long sample: nine sentences with pauses between them.
        var capture = Record(recognizer.CreateStream(), Repository.Sample("long.wav"), stopAfter: 40);

        // Committed text never changes: each committed word follows the one before it (none is committed again).
        var words = capture.Events.OfType<CommittedText>().SelectMany(c => c.Words).ToList();
        Assert.All(words.Zip(words.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start, $"{pair.First} then {pair.Second}"));
        double previous = 0;
        foreach (var e in capture.Events)
        {
            double time = e switch { CommittedText c => c.Start, TentativeText t => t.Start, EndOfUtterance u => u.Seconds, _ => 0 };
            Assert.True(time >= previous - 0.3, $"{e} after {previous}");
            previous = e is CommittedText committed ? committed.End : previous;
        }
        Assert.True(capture.Events.OfType<EndOfUtterance>().Count() >= 4);

        // The words of that stretch, as well as live decoding writes them (see BundledModel.MaxLiveWordErrorRate).
        string heard = EnglishTextNormalizer.Normalize(Committed(capture.Events));
        var reference = EnglishTextNormalizer.Normalize(File.ReadAllText(Path.Combine(Repository.Root, "audio", "long.txt"))).Split(' ');
        int spoken = heard.Split(' ').Length;
        var (errors, count) = WordErrorRate.Count(string.Join(' ', reference.Take(spoken)), heard);
        Assert.True(errors <= BundledModel.MaxLiveWordErrorRate * count, $"WER {(double)errors / count:P1}: \"{heard}\"");
    }

    [Fact]
    public void Stopping_in_the_middle_of_an_utterance_commits_what_was_heard()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var stream = recognizer.CreateStream();

        // The first sentence of the long sample runs from about 0 to 4 s: stop at 2.5 s.
        var capture = Record(stream, Repository.Sample("long.wav"), stopAfter: 2.5);

        Assert.NotEmpty(Committed(capture.Events).Trim());
        Assert.IsType<EndOfUtterance>(capture.Events[^1]);
    }

    [Fact]
    public async Task Stt_live_transcribes_the_default_microphone_until_stopped_and_writes_the_transcript()
    {
        using var temp = new TempDirectory();
        string transcript = temp.File("live.txt");
        using var live = SttCommandLine.Start(
            new Dictionary<string, string> { ["PULSE_SERVER"] = Environment.GetEnvironmentVariable("PULSE_SERVER")! },
            "live", "--output", transcript, "--stats", "--verbose");
        var output = live.StandardOutput.ReadToEndAsync();
        var error = SttCommandLine.ErrorOf(live);
        string Messages() => error.ToString();
        for (int waited = 0; waited < 60 && !Messages().Contains("attention"); waited++)
            await Task.Delay(500); // the model loads (its first message is about the attention backend)

        using (var playback = microphone.Play(Repository.Sample("short.wav")))
            await playback.WaitForExitAsync();
        await Task.Delay(1000);
        VirtualMicrophone.Stop(live.Id);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await live.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            live.Kill();
            Assert.Fail($"stt live did not stop within 30 s of SIGTERM: {Messages()}");
        }
        string printed = await output, messages = Messages();
        Assert.True(live.ExitCode == 0, messages);
        Assert.Matches(@"^\[\d\d:\d\d\.\d\d --> \d\d:\d\d\.\d\d\] \w", printed);
        Assert.Contains("latency over", messages);
        string written = (await File.ReadAllTextAsync(transcript)).Trim();
        Assert.NotEmpty(written);
        Assert.Equal(string.Join(' ', printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf(']') + 2)..])), written.Replace('\n', ' '));
    }

    [Fact]
    public void A_capture_device_that_does_not_exist_is_an_error_naming_it()
    {
        var error = Assert.Throws<AudioInputException>(() => AlsaMicrophone.Open("no_such_device"));

        Assert.Contains("no_such_device", error.Message);
    }
}
