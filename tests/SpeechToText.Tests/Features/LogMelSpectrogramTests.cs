using SpeechToText.Audio;
using SpeechToText.Features;

namespace SpeechToText.Tests.Features;

public class LogMelSpectrogramTests
{
    const double OracleTolerance = 1e-4;

    [Fact]
    public void Matches_the_independent_reference_features_of_the_oracle_clip()
    {
        var samples = AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav"));
        var (shape, expected) = NpyFile.Read(SharedData.PathOf("oracle/jfk.mel80.npy"));

        var mel = LogMelSpectrogram.Compute(samples, 80);

        Assert.Equal(new[] { 80, 1100 }, shape);
        Assert.Equal((80, 1100), (mel.MelBins, mel.Frames));
        AssertClose(expected, mel.Values, OracleTolerance);
    }

    [Theory]
    [InlineData(80, 1)]
    [InlineData(128, 2)]
    public void Matches_a_plain_float64_implementation_with_whispers_stored_filterbank(int melBins, int seed)
    {
        var audio = TestAudio.Noise(16000, seed).Zip(TestAudio.Sine(440 * seed, 16000, 1), (a, b) => a * 0.1f + b).ToArray();
        var expected = ReferenceLogMel.Compute(audio, melBins);

        var mel = LogMelSpectrogram.Compute(audio, melBins);

        AssertClose(expected, mel.Values, 1e-5);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(159, 0)]
    [InlineData(160, 1)]
    [InlineData(16000, 100)]
    [InlineData(16159, 100)]
    public void Gives_one_frame_per_160_samples_dropping_the_last(int samples, int frames)
    {
        var mel = LogMelSpectrogram.Compute(TestAudio.Noise(samples, 1), 80);
        Assert.Equal(frames, mel.Frames);
    }

    [Fact]
    public void Window_padding_appends_3000_frames_and_keeps_the_audio_frames_and_maximum()
    {
        var audio = TestAudio.Noise(16000 * 3, 2);
        var plain = LogMelSpectrogram.Compute(audio, 80);
        var padded = LogMelSpectrogram.Compute(audio, 80, LogMelSpectrogram.WindowSamples);

        Assert.Equal(plain.Frames + LogMelSpectrogram.WindowFrames, padded.Frames);
        // Frames that do not reach the end of the audio are the same; silence only adds the floor value.
        for (int m = 0; m < 80; m++)
            for (int t = 0; t < plain.Frames - 2; t++)
                Assert.Equal(plain[m, t], padded[m, t], 5);
        // The padding is silence: the floor, 8 log10 units (2 after scaling) below the maximum.
        Assert.Equal(padded.Values.Max() - 2f, padded[0, padded.Frames - 1], 5);
        Assert.Equal(plain.Values.Max(), padded.Values.Max());
    }

    [Fact]
    public void Silence_is_the_floor_value()
    {
        var mel = LogMelSpectrogram.Compute(new float[16000], 80);
        // log10(1e-10) = -10 everywhere; the maximum is -10 too: (-10 + 4) / 4.
        Assert.All(mel.Values, v => Assert.Equal(-1.5f, v));
    }

    [Fact]
    public void Values_lie_within_the_80_dB_range_below_the_maximum()
    {
        var mel = LogMelSpectrogram.Compute(TestAudio.Sine(440, 16000, 2), 128);
        float max = mel.Values.Max(), min = mel.Values.Min();
        Assert.True(max - min <= 2f + 1e-6f, $"range {max - min}"); // 8 log10 units / 4
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(160)]
    [InlineData(333)]
    [InlineData(4096)]
    public void Streaming_in_any_chunk_size_gives_the_frames_of_the_whole_input(int chunk)
    {
        var audio = TestAudio.Noise(16000 + 123, 3);
        var whole = new StreamingLogMel(80);
        var expected = whole.Push(audio).Concat(whole.Complete()).ToList();

        var streamed = new StreamingLogMel(80);
        var frames = new List<float[]>();
        var random = new Random(chunk);
        for (int offset = 0; offset < audio.Length;)
        {
            int n = Math.Min(audio.Length - offset, 1 + random.Next(chunk));
            frames.AddRange(streamed.Push(audio.AsSpan(offset, n)));
            offset += n;
        }
        frames.AddRange(streamed.Complete());

        Assert.Equal(expected.Count, frames.Count);
        for (int t = 0; t < frames.Count; t++)
            Assert.Equal(expected[t], frames[t]);
    }

    [Fact]
    public void Streaming_emits_each_frame_as_soon_as_its_samples_have_arrived()
    {
        // Frame k spans samples [160k - 200, 160k + 200), reflected at the ends.
        var stream = new StreamingLogMel(80);
        Assert.Empty(stream.Push(new float[200]));
        Assert.Single(stream.Push(new float[1]));    // 201 samples: frame 0 (its reflection reads index 200)
        Assert.Empty(stream.Push(new float[158]));
        Assert.Single(stream.Push(new float[1]));    // 360 samples: frame 1
        Assert.Empty(stream.Push(new float[140]));   // 500 samples: frame 2 would reach index 519
        Assert.Single(stream.Complete());            // 500 / 160 = 3 frames; the last reflects the end
        Assert.Equal(3, stream.FramesEmitted);
    }

    [Fact]
    public void Normalisation_of_streamed_frames_with_the_whole_maximum_equals_the_whole_file_result()
    {
        var audio = TestAudio.Noise(8000, 4);
        var stream = new StreamingLogMel(80);
        var frames = stream.Push(audio).Concat(stream.Complete()).ToList();
        float max = frames.Max(f => f.Max());
        var whole = LogMelSpectrogram.Compute(audio, 80);

        for (int t = 0; t < frames.Count; t++)
        {
            var frame = (float[])frames[t].Clone();
            LogMelSpectrogram.Normalize(frame, max);
            for (int m = 0; m < 80; m++)
                Assert.Equal(whole[m, t], frame[m]);
        }
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            if (difference > worst)
                (worst, at) = (difference, i);
        }
        Assert.True(worst <= tolerance, $"largest difference {worst:E2} at index {at} (expected {expected[at]}, got {actual[at]})");
    }
}
