using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

public sealed class HallucinationSkippingTests
{
    const double Threshold = 2;

    /// <summary>
    /// A window of 30 s from <paramref name="startSeconds"/> in audio of <paramref name="contentSeconds"/>, its last word
    /// ending at <paramref name="lastWordEnd"/> seconds (null: its text ended with a lone timestamp).
    /// </summary>
    static HallucinationSkipping.Window Window(double startSeconds = 0, double contentSeconds = 60, double? lastWordEnd = null) =>
        new((int)(startSeconds * 100), 3000, 3000, (int)(contentSeconds * 100), lastWordEnd);

    static Segment Segment(params (string Text, double Start, double End, double Probability)[] words) =>
        new(words[0].Start, words[^1].End, string.Concat(words.Select(w => w.Text)), [], [], -0.3, 0.1, 0, 1.2,
            [.. words.Select(w => new Word(w.Start, w.End, w.Text, w.Probability))]);

    /// <summary>Two plausible words from <paramref name="start"/>, half a second each.</summary>
    static Segment Plausible(double start) => Segment((" so", start, start + 0.5, 0.9), (" it", start + 0.5, start + 1, 0.8));

    /// <summary>One improbable word from <paramref name="start"/>.</summary>
    static Segment Improbable(double start) => Segment((" uh", start, start + 1, 0.05));

    [Fact]
    public void A_word_is_anomalous_when_improbable_very_short_or_very_long()
    {
        Assert.Equal(0, HallucinationSkipping.AnomalyScore(new Word(0, 0.5, " fine", 0.9)));
        Assert.Equal(1, HallucinationSkipping.AnomalyScore(new Word(0, 0.5, " uh", 0.1)));
        Assert.Equal(1.5, HallucinationSkipping.AnomalyScore(new Word(0, 0.033, " a", 0.9)), 1e-9);
        Assert.Equal(1.5, HallucinationSkipping.AnomalyScore(new Word(0, 3.5, " sooo", 0.9)), 1e-9);
    }

    [Fact]
    public void A_segment_is_anomalous_when_its_words_score_about_one_each_or_three_in_all()
    {
        Assert.False(HallucinationSkipping.IsAnomaly(Plausible(0)));
        Assert.True(HallucinationSkipping.IsAnomaly(Improbable(0)));
        Assert.True(HallucinationSkipping.IsAnomaly(Segment((" a", 0, 4, 0.9), (" b", 4, 8, 0.9)))); // 2 + 2 seconds too long
        Assert.False(HallucinationSkipping.IsAnomaly(Segment((" fine", 0, 0.5, 0.9), (" uh", 0.5, 1, 0.1), (" yes", 1, 1.5, 0.9))));
    }

    [Fact]
    public void A_window_opening_with_an_anomaly_after_silence_is_decoded_again_from_it()
    {
        var (kept, seek) = HallucinationSkipping.Apply(Window(), [Improbable(5), Plausible(8)], seek: 900, lastSpeech: 0, Threshold);

        Assert.Null(kept);
        Assert.Equal(500, seek);
    }

    [Fact]
    public void An_anomaly_with_silence_on_both_sides_ends_the_window_at_its_start()
    {
        var (kept, seek) = HallucinationSkipping.Apply(Window(), [Plausible(0.5), Improbable(10), Plausible(20)], seek: 2100, lastSpeech: 0, Threshold);

        Assert.Equal([0.5], kept!.Select(s => s.Start));
        Assert.Equal(1000, seek);
    }

    [Fact]
    public void An_anomaly_between_speech_close_on_both_sides_is_kept()
    {
        var segments = new[] { Plausible(9), Improbable(10), Plausible(11.5) };

        var (kept, _) = HallucinationSkipping.Apply(Window(), segments, seek: 1250, lastSpeech: 8.5, Threshold);

        Assert.Equal(3, kept!.Count);
    }

    [Fact]
    public void An_anomaly_with_less_than_the_threshold_of_audio_after_it_ends_the_audio()
    {
        var (kept, seek) = HallucinationSkipping.Apply(Window(30, contentSeconds: 52.5), [Plausible(31), Improbable(50)], seek: 5100, lastSpeech: 30, Threshold);

        Assert.Single(kept!);
        Assert.Equal(5250, seek);
    }

    [Theory]
    [InlineData(20, 2100)]  // 9 s of silence after the last word: the next window starts there, as without the guard
    [InlineData(28, 3000)]  // 1 s left: the window is consumed whole
    public void Silence_after_the_last_word_longer_than_the_threshold_starts_the_next_window_at_it(double lastStart, int expectedSeek)
    {
        double lastWordEnd = lastStart + 1;
        int atLastWord = Transcriber.SeekToWordEnd(0, lastWordEnd);

        var (kept, seek) = HallucinationSkipping.Apply(Window(lastWordEnd: lastWordEnd), [Plausible(0.5), Plausible(lastStart)], atLastWord, lastSpeech: 0, Threshold);

        Assert.Equal(2, kept!.Count);
        Assert.Equal(expectedSeek, seek);
    }

    [Fact]
    public void A_window_ending_with_a_lone_timestamp_is_consumed_whole_whatever_the_silence_after_its_last_word()
    {
        var (_, seek) = HallucinationSkipping.Apply(Window(lastWordEnd: null), [Plausible(0.5), Plausible(10)], seek: 3000, lastSpeech: 0, Threshold);

        Assert.Equal(3000, seek);
    }
}
