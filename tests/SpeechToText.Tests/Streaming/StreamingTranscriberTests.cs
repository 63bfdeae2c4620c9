using SpeechToText.Audio;
using SpeechToText.Decoding;
using SpeechToText.Streaming;
using SpeechToText.Text;
using Xunit.Abstractions;

namespace SpeechToText.Tests.Streaming;

/// <summary>Streaming transcription with the bundled model, the samples pushed in chunks as a live source would.</summary>
public sealed class StreamingTranscriberTests(ITestOutputHelper output)
{
    const int Rate = AudioInput.SampleRate;

    static (List<StreamingEvent> Events, double LargestBuffer) Stream(StreamingTranscriber stream, float[] samples, int chunk, bool complete = true)
    {
        var events = new List<StreamingEvent>();
        double largestBuffer = 0;
        for (int i = 0; i < samples.Length; i += chunk)
        {
            events.AddRange(stream.Push(samples.AsSpan(i, Math.Min(chunk, samples.Length - i))));
            largestBuffer = Math.Max(largestBuffer, stream.BufferSeconds);
        }
        if (complete)
            events.AddRange(stream.Complete());
        return (events, largestBuffer);
    }

    static string CommittedText(IEnumerable<StreamingEvent> events) => string.Concat(events.OfType<CommittedText>().Select(c => c.Text));

    static double WordErrorRateOf(string reference, string hypothesis)
    {
        var (errors, words) = WordErrorRate.Count(EnglishTextNormalizer.Normalize(reference), EnglishTextNormalizer.Normalize(hypothesis));
        return (double)errors / words;
    }

    [Fact]
    public async Task The_long_sample_streams_in_order_within_a_bounded_buffer_and_nearly_as_well_as_offline()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var samples = AudioInput.ReadAll(Repository.Sample("long.wav"));
        string reference = File.ReadAllText(Path.Combine(Repository.Root, "audio", "long.txt"));
        var options = new StreamingOptions();

        var (events, largestBuffer) = Stream(recognizer.CreateStream(options), samples, Rate / 4);

        var offline = new List<string>();
        await foreach (var segment in recognizer.TranscribeAsync(samples, options.Decoding))
            offline.Add(segment.Text);
        double streamedWer = WordErrorRateOf(reference, CommittedText(events)), offlineWer = WordErrorRateOf(reference, string.Join(' ', offline));
        output.WriteLine($"WER streamed {streamedWer:P1}, offline {offlineWer:P1}, largest buffer {largestBuffer:F2} s");

        Assert.True(streamedWer <= offlineWer + 0.10, $"streamed WER {streamedWer:P1} against {offlineWer:P1} offline");
        Assert.True(largestBuffer <= options.MaximumBufferSeconds + 0.25, $"the buffer reached {largestBuffer:F2} s");
        var words = events.OfType<CommittedText>().SelectMany(c => c.Words).ToList();
        Assert.All(words.Zip(words.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start && pair.Second.Start <= pair.Second.End,
            $"{pair.First} then {pair.Second}"));
        Assert.InRange(words[^1].End, 140, samples.Length / (double)Rate);
        // The sample's sentences are read with pauses between them: each pause ends an utterance.
        int utterances = events.OfType<EndOfUtterance>().Count();
        Assert.InRange(utterances, 25, 40);
    }

    [Fact]
    public void A_replayed_recording_is_decoded_chunk_by_chunk_as_if_it_arrived_live()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var live = recognizer.CreateStream();
        var (expected, _) = Stream(live, AudioInput.ReadAll(Repository.Sample("short.wav")), Rate / 20);
        var replayed = recognizer.CreateStream();
        using var source = AudioInput.Open(Repository.Sample("short.wav"));

        var events = LiveTranscription.Replay(replayed, source).ToList();

        // 2.7 s of speech, decoded every 0.5 s of new audio (not once, as one push of the whole file would be).
        Assert.InRange(replayed.Decodes, 4, 8);
        Assert.Equal(live.Decodes, replayed.Decodes);
        static IEnumerable<(string, double, double)> Words(IEnumerable<StreamingEvent> events) =>
            events.OfType<CommittedText>().SelectMany(c => c.Words).Select(w => (w.Text, w.Start, w.End));
        Assert.Equal(Words(expected), Words(events));
        Assert.Equal(expected.OfType<EndOfUtterance>(), events.OfType<EndOfUtterance>());
    }

    /// <summary>A recording that fails once it has delivered its audio, as an unplugged microphone does.</summary>
    sealed class FailingAtTheEnd(AudioSource recording) : AudioSource
    {
        public override string Name => recording.Name;

        public override int SampleRate => recording.SampleRate;

        public override int Read(Span<float> destination) =>
            recording.Read(destination) is > 0 and var read ? read : throw new AudioInputException(Name, "was unplugged");
    }

    /// <summary>A quiet source that gives one chunk, then a second once <see cref="Open"/> is called, then waits until interrupted.</summary>
    sealed class GatedSource : AudioSource
    {
        readonly ManualResetEventSlim _gate = new(), _interrupted = new();
        int _reads;

        public override string Name => "gated";

        public override int SampleRate => Rate;

        /// <summary>Samples given so far.</summary>
        public int Delivered { get; private set; }

        public void Open() => _gate.Set();

        public override int Read(Span<float> destination)
        {
            int read = ++_reads;
            if (read == 2)
                _gate.Wait();
            if (read > 2)
            {
                _interrupted.Wait();
                return 0;
            }
            int count = Math.Min(destination.Length, Rate / 20);
            destination[..count].Fill(1e-4f);
            Delivered += count;
            return count;
        }

        protected internal override void Interrupt() => _interrupted.Set();

        protected override void Dispose(bool disposing)
        {
            _gate.Dispose();
            _interrupted.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void Audio_arriving_as_a_live_stream_is_cancelled_is_still_heard()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        using var source = new GatedSource();
        using var stop = new CancellationTokenSource();
        int heard = 0;

        var events = LiveTranscription.Run(recognizer.CreateStream(), source, chunk =>
        {
            heard += chunk.Length;
            stop.Cancel(); // at the first chunk, as the second is being read
            source.Open();
        }, stop.Token).ToList();

        Assert.Equal(source.Delivered, heard);
        Assert.Empty(events); // nothing was said
    }

    [Fact]
    public void A_replayed_source_that_fails_has_what_it_delivered_committed_before_the_failure()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        using var whole = AudioInput.Open(Repository.Sample("short.wav"));
        var expected = LiveTranscription.Replay(recognizer.CreateStream(), whole).ToList();
        using var failing = new FailingAtTheEnd(AudioInput.Open(Repository.Sample("short.wav")));
        var events = new List<StreamingEvent>();

        var error = Assert.Throws<AudioInputException>(() => events.AddRange(LiveTranscription.Replay(recognizer.CreateStream(), failing)));

        Assert.EndsWith("was unplugged", error.Message);
        Assert.Equal(CommittedText(expected), CommittedText(events));
        Assert.NotEmpty(CommittedText(events));
        Assert.IsType<EndOfUtterance>(events[^1]);
    }

    [Fact]
    public void Every_utterance_ends_after_its_words_and_tentative_text_follows_the_committed_text()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var sentence = AudioInput.ReadAll(Repository.Sample("short.wav"));
        float[] twice = [.. sentence, .. new float[Rate], .. sentence];

        var (events, _) = Stream(recognizer.CreateStream(), twice, Rate / 10);

        double committedEnd = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case CommittedText c:
                    Assert.True(c.Start >= committedEnd, $"{c} after {committedEnd}");
                    committedEnd = c.End;
                    break;
                case TentativeText t:
                    Assert.True(t.Start >= committedEnd, $"{t} after {committedEnd}");
                    break;
                case EndOfUtterance end:
                    Assert.True(end.Seconds >= committedEnd - 0.3, $"{end} after words ending at {committedEnd}");
                    break;
            }
        }
        Assert.Equal(2, events.OfType<EndOfUtterance>().Count());
        Assert.IsType<EndOfUtterance>(events[^1]);
    }

    [Fact]
    public async Task A_stream_that_begins_mid_sentence_keeps_the_sentence()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var samples = AudioInput.ReadAll(Repository.Sample("long.wav"));
        // The second sentence from a quarter of a second in (it begins at 6.0 s), and the pause after it: the
        // detector hears nothing but speech until the pause, and the stream ends before the pause has lasted 0.3 s.
        var clip = samples[(int)(6.25 * Rate)..(int)(8.6 * Rate)];
        const string sentence = "move along on a luge or toboggan";
        var options = new StreamingOptions();

        var (events, _) = Stream(recognizer.CreateStream(options), clip, Rate / 10);

        var offline = new List<string>();
        await foreach (var segment in recognizer.TranscribeAsync(clip, options.Decoding))
            offline.Add(segment.Text);
        string streamed = CommittedText(events), whole = string.Join(' ', offline);
        output.WriteLine($"streamed \"{streamed}\", offline \"{whole}\"");
        Assert.True(WordErrorRateOf(sentence, streamed) <= WordErrorRateOf(sentence, whole) + 0.15, $"streamed \"{streamed}\", offline \"{whole}\"");
    }

    [Fact]
    public void Silence_is_not_decoded_and_not_kept()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var stream = recognizer.CreateStream();
        var quiet = TestAudio.Noise(10 * Rate, seed: 3, amplitude: 0.001);

        var (events, largestBuffer) = Stream(stream, quiet, Rate / 2);

        Assert.Empty(events);
        Assert.Equal(0, stream.Decodes);
        Assert.True(largestBuffer <= 0.3 + 0.5, $"{largestBuffer} s kept");
    }

    [Fact]
    public void Stopping_mid_utterance_commits_what_was_said()
    {
        using var recognizer = SpeechRecognizer.Load(Repository.BundledModel);
        var samples = AudioInput.ReadAll(Repository.Sample("short.wav"));
        var stream = recognizer.CreateStream();

        var (events, _) = Stream(stream, samples[..(samples.Length * 2 / 3)], Rate / 4);

        Assert.NotEmpty(CommittedText(events).Trim());
        Assert.IsType<EndOfUtterance>(events[^1]);
        Assert.Empty(stream.Complete());
        Assert.Throws<InvalidOperationException>(() => stream.Push(samples));
    }
}
