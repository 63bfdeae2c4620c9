using SpeechToText.Modeling;

namespace SpeechToText.Tests.Modeling;

public class ClipFeaturesTests
{
    static readonly ModelDimensions Small = new(
        MelBins: 80, AudioContext: 100, AudioState: 64, AudioHeads: 4, AudioLayers: 1,
        VocabularySize: 300, TextContext: 32, TextState: 64, TextHeads: 4, TextLayers: 1);

    static float[] Tone(double seconds) =>
        Enumerable.Range(0, (int)(seconds * 16000)).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000))).ToArray();

    [Fact]
    public void A_variable_length_model_sees_its_audio_then_zero_frames_half_as_long()
    {
        using var model = new WhisperModel(Small) { VariableLengthAudio = true };

        var (values, frames) = ClipFeatures.Of(model, Tone(0.6)); // 60 frames

        Assert.Equal(90, frames);
        Assert.Equal(80 * 90, values.Length);
        for (int bin = 0; bin < 80; bin++)
        {
            Assert.Contains(values.Skip(bin * 90).Take(60), v => v != 0);
            Assert.All(values.Skip(bin * 90 + 60).Take(30), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Training_features_have_no_tail()
    {
        using var model = new WhisperModel(Small) { VariableLengthAudio = true };

        Assert.Equal(60, ClipFeatures.Of(model, Tone(0.6), tail: false).Frames);
    }

    [Fact]
    public void The_tail_stays_within_the_window_and_pieces_leave_room_for_it()
    {
        using var model = new WhisperModel(Small) { VariableLengthAudio = true };

        Assert.Equal(200, ClipFeatures.Of(model, Tone(1.9)).Frames); // 190 frames: the tail is cut at the window
        Assert.Equal(133, ClipFeatures.MaxAudioFrames(model, 200));
        Assert.Equal(200, ClipFeatures.Width(model, 133, 200));
    }

    [Fact]
    public void A_fixed_window_model_sees_a_whole_window()
    {
        using var model = new WhisperModel(Small);

        Assert.Equal(200, ClipFeatures.Of(model, Tone(0.6)).Frames);
        Assert.Equal(200, ClipFeatures.MaxAudioFrames(model, 200));
    }
}
