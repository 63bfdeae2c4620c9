using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

public sealed class WordTimingTests
{
    const int EndOfText = 100, Timestamp = 150;

    /// <summary>A segment from <paramref name="start"/> to <paramref name="end"/> of <paramref name="textTokens"/> text tokens between two timestamps.</summary>
    static Segment Segment(double start, double end, int textTokens) =>
        new(start, end, "", [Timestamp, .. Enumerable.Range(0, textTokens), Timestamp], [], -0.2, 0.01, 0, 1.2);

    static AlignedWord Aligned(string text, double start, double end, int tokens = 1) => new(text, tokens, start, end, 0.9);

    static (string, double, double)[] Times(Segment segment) => [.. segment.Words!.Select(w => (w.Text, w.Start, w.End))];

    [Fact]
    public void Closing_punctuation_joins_the_word_before_it_which_keeps_its_times_and_the_segment_spans_its_words()
    {
        AlignedWord[] alignment = [Aligned(" Hello", 0, 0.4), Aligned(",", 0.4, 0.5), Aligned(" world", 0.5, 0.9), Aligned(".", 0.9, 1.0)];

        var segment = WordTiming.Attach([Segment(10, 11.2, 4)], alignment, offset: 10, lastSpeech: 9.9, EndOfText).Single();

        Assert.Equal([(" Hello,", 10.0, 10.4), (" world.", 10.5, 10.9)], Times(segment));
        Assert.Equal((10.0, 10.9), (segment.Start, segment.End));
    }

    [Fact]
    public void Opening_punctuation_after_a_space_joins_the_next_word()
    {
        AlignedWord[] alignment = [Aligned(" one", 0, 0.3), Aligned(" (", 0.3, 0.4), Aligned("two", 0.4, 0.7), Aligned(")", 0.7, 0.8)];

        var segment = WordTiming.Attach([Segment(0, 0.8, 4)], alignment, offset: 0, lastSpeech: 0, EndOfText).Single();

        Assert.Equal([(" one", 0.0, 0.3), (" (two)", 0.4, 0.7)], Times(segment));
    }

    [Fact]
    public void Each_segment_takes_the_words_of_its_own_tokens()
    {
        AlignedWord[] alignment = [Aligned(" one", 0, 0.3), Aligned(" two", 0.3, 0.6, tokens: 2), Aligned(" three", 0.6, 0.9)];

        var segments = WordTiming.Attach([Segment(0, 0.6, 3), Segment(0.6, 0.9, 1)], alignment, offset: 0, lastSpeech: 0, EndOfText);

        Assert.Equal([" one", " two"], segments[0].Words!.Select(w => w.Text));
        Assert.Equal([" three"], segments[1].Words!.Select(w => w.Text));
    }

    [Fact]
    public void A_segment_keeps_its_own_start_when_its_first_word_starts_more_than_half_a_second_before_it()
    {
        // Durations 1.7, 0.2 and 0.3 s: the median is 0.3 s.
        AlignedWord[] alignment = [Aligned(" so", 0.5, 2.2), Aligned(" it", 2.2, 2.4), Aligned(" goes", 2.4, 2.7)];

        var segment = WordTiming.Attach([Segment(12, 12.7, 3)], alignment, offset: 10, lastSpeech: 12.1, EndOfText).Single();

        Assert.Equal(12.0, segment.Start);
        Assert.Equal(11.9, segment.Words![0].Start, 1e-9); // the word's end less the median
    }

    [Fact]
    public void A_segment_keeps_its_own_end_when_its_last_word_ends_more_than_half_a_second_after_it()
    {
        // Durations 0.3 and 1.3 s: the median, 0.8 s, is capped at 0.7 s.
        AlignedWord[] alignment = [Aligned(" yes", 0.2, 0.5), Aligned(" please", 0.5, 1.8)];

        var segment = WordTiming.Attach([Segment(10, 11, 2)], alignment, offset: 10, lastSpeech: 10, EndOfText).Single();

        Assert.Equal(11.0, segment.End);
        Assert.Equal(11.2, segment.Words![^1].End, 1e-9); // its start plus the median
    }

    [Fact]
    public void The_first_word_after_a_pause_gives_back_the_silence_it_absorbed()
    {
        // Durations 2.0, 0.2, 0.3 and 0.2 s: the median is 0.25 s, words may last 0.5 s.
        AlignedWord[] alignment = [Aligned(" after", 0, 2), Aligned(" the", 2, 2.2), Aligned(" pause", 2.2, 2.5), Aligned(" we", 2.5, 2.7)];

        var segment = WordTiming.Attach([Segment(5, 8, 4)], alignment, offset: 5, lastSpeech: 0, EndOfText).Single();

        Assert.Equal((" after", 6.5, 7.0), Times(segment)[0]);
        Assert.Equal(6.5, segment.Start);
    }

    [Fact]
    public void Without_a_pause_before_it_a_long_first_word_is_left_alone()
    {
        AlignedWord[] alignment = [Aligned(" after", 0, 2), Aligned(" the", 2, 2.2), Aligned(" pause", 2.2, 2.5), Aligned(" we", 2.5, 2.7)];

        var segment = WordTiming.Attach([Segment(5, 8, 4)], alignment, offset: 5, lastSpeech: 6.5, EndOfText).Single();

        Assert.Equal((" after", 5.0, 7.0), Times(segment)[0]);
    }

    [Fact]
    public void A_long_word_after_a_sentence_end_loses_its_head()
    {
        // Durations 0.3, 0.1, 1.6 and 0.3 s: the median is 0.3 s, words may last 0.6 s.
        AlignedWord[] alignment = [Aligned(" stop", 0, 0.3), Aligned(".", 0.3, 0.4), Aligned(" Then", 0.4, 2.0), Aligned(" go", 2.0, 2.3)];

        var segment = WordTiming.Attach([Segment(0, 2.3, 4)], alignment, offset: 0, lastSpeech: 0, EndOfText).Single();

        Assert.Equal([(" stop.", 0.0, 0.3), (" Then", 1.4, 2.0), (" go", 2.0, 2.3)], Times(segment));
    }

    [Fact]
    public void After_a_pause_a_long_second_word_gives_part_of_its_length_to_the_first()
    {
        // Durations 0.4, 1.4, 0.2 and 0.2 s: the median is 0.3 s, words may last 0.6 s.
        AlignedWord[] alignment = [Aligned(" oh", 0, 0.4), Aligned(" well", 0.4, 1.8), Aligned(" then", 1.8, 2.0), Aligned(" go", 2.0, 2.2)];

        var segment = WordTiming.Attach([Segment(20, 22.2, 4)], alignment, offset: 20, lastSpeech: 15, EndOfText).Single();

        // The boundary is the later of half the second word's end (10.9 s) and its end less 0.6 s.
        Assert.Equal(21.2, segment.Words![0].End, 1e-9);
        Assert.Equal(21.2, segment.Words[1].Start, 1e-9);
        Assert.Equal(20.6, segment.Words[0].Start, 1e-9); // and the first cut to 0.6 s
    }

    [Fact]
    public void A_long_sentence_end_mark_loses_its_tail_before_joining_its_word()
    {
        // Durations 0.3, 1.5, 0.3 and 0.3 s: the median is 0.3 s, words may last 0.6 s.
        AlignedWord[] alignment = [Aligned(" stop", 0, 0.3), Aligned("!", 0.3, 1.8), Aligned(" go", 1.8, 2.1), Aligned(" on", 2.1, 2.4)];

        var segment = WordTiming.Attach([Segment(0, 2.4, 4)], alignment, offset: 0, lastSpeech: 0, EndOfText).Single();

        Assert.Equal([(" stop!", 0.0, 0.3), (" go", 1.8, 2.1), (" on", 2.1, 2.4)], Times(segment)); // the mark's times are dropped with it
    }

    [Fact]
    public void The_pause_before_a_segment_is_measured_from_the_end_of_the_segment_before_it()
    {
        // Durations 2, 0.3, 0.3, 1, 0.3 and 0.3 s: the median is 0.3 s, words may last 0.6 s, a pause is over 1.2 s.
        AlignedWord[] alignment = [Aligned(" a", 0, 2), Aligned(" b", 2, 2.3), Aligned(" x", 2.3, 2.6), Aligned(" c", 2.6, 3.6), Aligned(" d", 3.6, 3.9), Aligned(" e", 3.9, 4.2)];

        var segments = WordTiming.Attach([Segment(10, 12.6, 3), Segment(12.6, 14.2, 3)], alignment, offset: 10, lastSpeech: 0, EndOfText);

        Assert.Equal(11.4, segments[0].Words![0].Start, 1e-9); // ends 12 s after the last speech: cut to 0.6 s
        Assert.Equal(12.6, segments[1].Words![0].Start, 1e-9); // ends 1 s after the first segment: no pause, left alone
    }

    [Fact]
    public void A_segment_without_words_keeps_its_times()
    {
        var segment = WordTiming.Attach([Segment(3, 4, 0)], [], offset: 3, lastSpeech: 0, EndOfText).Single();

        Assert.Empty(segment.Words!);
        Assert.Equal((3.0, 4.0), (segment.Start, segment.End));
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(0.25, WordTiming.Median([0.4, 0.1, 0.3, 0.2]), 1e-12);
        Assert.Equal(0.3, WordTiming.Median([0.3, 0.1, 0.9]));
        Assert.Equal(0, WordTiming.Median([]));
    }
}
