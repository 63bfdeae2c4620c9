using SpeechToText.Audio;

namespace SpeechToText.Tests.Audio;

public sealed class VoiceActivityDetectorTests
{
    const int Rate = AudioInput.SampleRate;

    /// <summary>Background noise of amplitude <paramref name="background"/> with bursts of louder noise at the given times.</summary>
    static float[] Signal(double seconds, double background, params (double Start, double End, double Amplitude)[] bursts)
    {
        var samples = TestAudio.Noise((int)(seconds * Rate), seed: 5, amplitude: background);
        var loud = TestAudio.Noise(samples.Length, seed: 6, amplitude: 1);
        foreach (var (start, end, amplitude) in bursts)
            for (int i = (int)(start * Rate); i < (int)(end * Rate); i++)
                samples[i] += (float)(amplitude * loud[i]);
        return samples;
    }

    static List<VoiceActivityChange> Run(float[] samples, int chunk)
    {
        var detector = new VoiceActivityDetector();
        var changes = new List<VoiceActivityChange>();
        for (int i = 0; i < samples.Length; i += chunk)
            changes.AddRange(detector.Push(samples.AsSpan(i, Math.Min(chunk, samples.Length - i))));
        changes.AddRange(detector.Complete());
        return changes;
    }

    [Fact]
    public void Speech_in_quiet_is_found_where_it_begins_and_ends()
    {
        var samples = Signal(3, background: 0.0003, (1.0, 2.0, 0.1));

        var changes = Run(samples, 1600);

        Assert.Equal(2, changes.Count);
        Assert.True(changes[0].IsSpeech);
        Assert.InRange(changes[0].Seconds, 0.99, 1.01);
        Assert.False(changes[1].IsSpeech);
        Assert.InRange(changes[1].Seconds, 1.99, 2.01);
    }

    [Fact]
    public void A_steady_noise_becomes_the_background_and_louder_speech_still_stands_out()
    {
        var noiseOnly = Signal(4, background: 0.01);
        var withSpeech = Signal(4, background: 0.01, (2.5, 3.2, 0.2));

        Assert.Empty(Run(noiseOnly, 800));
        var changes = Run(withSpeech, 800);
        Assert.Equal([true, false], changes.Select(c => c.IsSpeech));
        Assert.InRange(changes[0].Seconds, 2.49, 2.51);
        Assert.InRange(changes[1].Seconds, 3.19, 3.21);
    }

    [Fact]
    public void A_click_is_not_speech_and_a_short_pause_does_not_end_it()
    {
        var samples = Signal(4, background: 0.0003, (0.5, 0.52, 0.3), (1.0, 1.6, 0.1), (1.8, 2.5, 0.1));

        var changes = Run(samples, 160);

        Assert.Equal(2, changes.Count);
        Assert.InRange(changes[0].Seconds, 0.99, 1.01);   // not at the 20 ms click
        Assert.InRange(changes[1].Seconds, 2.49, 2.51);   // through the 0.2 s pause
    }

    [Fact]
    public void A_stream_that_begins_in_speech_is_judged_once_a_pause_shows_its_background_and_heard_from_its_first_frame()
    {
        var samples = Signal(4, background: 0.0003, (0.0, 1.5, 0.1), (2.5, 3.0, 0.1));
        var detector = new VoiceActivityDetector();

        var beforeThePause = detector.Push(samples.AsSpan(0, (int)(1.79 * Rate)));
        var afterIt = detector.Push(samples.AsSpan((int)(1.79 * Rate), (int)(0.01 * Rate)));
        var rest = detector.Push(samples.AsSpan((int)(1.8 * Rate))).Concat(detector.Complete()).ToList();

        Assert.Empty(beforeThePause); // a steady sound from the start could be the background itself
        Assert.Equal([new VoiceActivityChange(true, 0.0), new VoiceActivityChange(false, 1.5)], afterIt);
        Assert.Equal([new VoiceActivityChange(true, 2.5), new VoiceActivityChange(false, 3.0)], rest);
    }

    [Fact]
    public void A_stream_that_begins_in_noise_is_judged_after_five_seconds()
    {
        var samples = Signal(6, background: 0.01, (1.0, 2.0, 0.2));
        var detector = new VoiceActivityDetector();

        var first = detector.Push(samples.AsSpan(0, (int)(4.99 * Rate)));
        var fifth = detector.Push(samples.AsSpan((int)(4.99 * Rate), (int)(0.01 * Rate)));

        Assert.Empty(first);
        Assert.Equal([true, false], fifth.Select(c => c.IsSpeech));
        Assert.Equal(1.0, fifth[0].Seconds, 0.01);
        Assert.Equal(2.0, fifth[1].Seconds, 0.01);
        Assert.Empty(detector.Push(samples.AsSpan(5 * Rate)).Concat(detector.Complete()));
    }

    [Fact]
    public void Speech_running_at_the_end_of_the_stream_ends_there()
    {
        var samples = Signal(2, background: 0.0003, (1.0, 2.0, 0.1));

        var changes = Run(samples, 4000);

        Assert.Equal(new VoiceActivityChange(false, 2.0), changes[^1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(159)]
    [InlineData(777)]
    [InlineData(48000)]
    public void The_result_does_not_depend_on_the_chunk_size(int chunk)
    {
        var samples = Signal(5, background: 0.002, (0.7, 1.9, 0.05), (2.6, 2.8, 0.2), (3.5, 4.5, 0.1));

        Assert.Equal(Run(samples, samples.Length), Run(samples, chunk));
    }

    [Fact]
    public void Digital_silence_and_audio_below_the_minimum_level_are_never_speech()
    {
        var silence = new float[3 * Rate];
        var faint = Signal(3, background: 0, (1.0, 2.0, 0.0005)); // about -70 dB

        Assert.Empty(Run(silence, 1000));
        Assert.Empty(Run(faint, 1000));
    }

    [Fact]
    public void Audio_is_silent_when_no_frame_reaches_minus_70_dB_whatever_its_background()
    {
        static float[] Tone(double db) => TestAudio.Sine(440, Rate, 3, amplitude: Math.Sqrt(2) * Math.Pow(10, db / 20)); // mean square at db

        Assert.True(VoiceActivityDetector.IsSilent(new float[3 * Rate]));
        Assert.True(VoiceActivityDetector.IsSilent(Tone(-73)));
        Assert.False(VoiceActivityDetector.IsSilent(Tone(-67)));                                    // too quiet for the detector, still transcribed
        Assert.False(VoiceActivityDetector.IsSilent(Signal(3, background: 0.05)));                   // steady noise, no speech found in it
        Assert.False(VoiceActivityDetector.IsSilent(Signal(3, background: 0, (2.98, 2.99, 0.1))));   // one loud frame
    }

    [Fact]
    public void The_bundled_short_sample_is_one_stretch_of_speech()
    {
        var samples = AudioInput.ReadAll(Repository.Sample("short.wav"));

        var regions = VoiceActivityDetector.Regions(samples);

        var (start, end) = Assert.Single(regions);
        double duration = samples.Length / (double)Rate;
        Assert.True(start < 0.3 && end > duration - 0.5 && end <= duration, $"{start:F2}-{end:F2} of {duration:F2} s");
    }

    [Fact]
    public void In_a_whole_recording_speech_from_the_very_first_frame_is_found_from_there()
    {
        var samples = Signal(4, background: 0.0003, (0.0, 1.5, 0.1), (2.5, 3.0, 0.1));

        var regions = VoiceActivityDetector.Regions(samples);

        Assert.Equal(2, regions.Count);
        Assert.Equal(0, regions[0].Start, 0.01);
        Assert.Equal(1.5, regions[0].End, 0.01);
        Assert.Equal(2.5, regions[1].Start, 0.01);
    }

    [Fact]
    public void A_recording_shorter_than_five_seconds_is_its_own_background_each_frame_counted_once()
    {
        // 260 of 300 frames loud: the 10th percentile of the whole recording is still its quiet end. Counting the
        // frames judged so far twice would raise the background to the speech's level after its first second.
        var samples = Signal(3, background: 0.0003, (0.0, 2.6, 0.1));

        var (start, end) = Assert.Single(VoiceActivityDetector.Regions(samples));

        Assert.Equal(0, start, 0.01);
        Assert.Equal(2.6, end, 0.01);
    }
}
