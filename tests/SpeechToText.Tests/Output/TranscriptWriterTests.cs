using SpeechToText.Decoding;
using SpeechToText.Output;

namespace SpeechToText.Tests.Output;

public class TranscriptWriterTests
{
    static Segment Segment(double start, double end, string text, params int[] tokens) =>
        new(start, end, text, tokens, tokens.Select(_ => 0.5f).ToList(), -0.25, 0.01, 0.0, 1.5);

    static readonly Segment[] Two =
    [
        Segment(0.0, 2.5, " And so, my fellow Americans,", 50364, 400, 50489),
        Segment(3661.04, 3667.999, " ask not <what> & \"why\" --> now", 50364, 401, 50489),
    ];

    static string Write(TranscriptFormat format, IEnumerable<Segment> segments, SubtitleLayout? layout = null, string? language = null)
    {
        using var text = new StringWriter { NewLine = "\n" };
        var writer = TranscriptWriter.For(format, text, layout, language);
        foreach (var segment in segments)
            writer.Write(segment);
        writer.Finish();
        return text.ToString();
    }

    [Fact]
    public void Srt_numbers_cues_from_one_with_comma_milliseconds_and_hours()
    {
        Assert.Equal(
            "1\n00:00:00,000 --> 00:00:02,500\nAnd so, my fellow Americans,\n\n" +
            "2\n01:01:01,040 --> 01:01:07,999\nask not <what> & \"why\" -> now\n\n",
            Write(TranscriptFormat.Srt, Two));
    }

    [Fact]
    public void Vtt_has_its_header_dot_milliseconds_hours_only_when_there_are_any_and_escaped_markup()
    {
        Assert.Equal(
            "WEBVTT\n\n" +
            "00:00.000 --> 00:02.500\nAnd so, my fellow Americans,\n\n" +
            "01:01:01.040 --> 01:01:07.999\nask not &lt;what&gt; &amp; \"why\" --&gt; now\n\n",
            Write(TranscriptFormat.Vtt, Two));
    }

    [Fact]
    public void Tsv_has_a_header_and_integer_milliseconds()
    {
        Assert.Equal(
            "start\tend\ttext\n0\t2500\tAnd so, my fellow Americans,\n3661040\t3667999\task not <what> & \"why\" --> now\n",
            Write(TranscriptFormat.Tsv, Two));
    }

    [Fact]
    public void Txt_writes_one_trimmed_line_per_segment_and_flattens_line_breaks()
    {
        Assert.Equal("first line second\nthird\n",
            Write(TranscriptFormat.Txt, [Segment(0, 1, " first line\nsecond "), Segment(1, 2, "\tthird")]));
    }

    [Fact]
    public void Json_keeps_token_ids_and_probabilities_and_the_whole_text()
    {
        string json = Write(TranscriptFormat.Json, Two);
        var document = System.Text.Json.JsonDocument.Parse(json).RootElement;
        var first = document.GetProperty("segments")[0];
        Assert.Equal(new[] { 50364, 400, 50489 }, first.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(0.5, first.GetProperty("probabilities")[1].GetDouble());
        Assert.Equal(2.5, first.GetProperty("end").GetDouble());
        Assert.Equal(-0.25, first.GetProperty("avg_logprob").GetDouble());
        Assert.Equal(" And so, my fellow Americans, ask not <what> & \"why\" --> now", document.GetProperty("text").GetString());
    }

    [Fact]
    public void Json_names_the_language_and_writes_an_impossible_log_probability_rather_than_failing()
    {
        var segment = Segment(0, 1, " hm", 400) with { AverageLogProbability = double.NegativeInfinity, Language = "en" };

        var document = System.Text.Json.JsonDocument.Parse(Write(TranscriptFormat.Json, [segment])).RootElement;

        Assert.Equal("en", document.GetProperty("language").GetString());
        Assert.Equal("-Infinity", document.GetProperty("segments")[0].GetProperty("avg_logprob").GetString());
    }

    [Theory]
    [InlineData(TranscriptFormat.Txt, "")]
    [InlineData(TranscriptFormat.Srt, "")]
    [InlineData(TranscriptFormat.Vtt, "WEBVTT\n\n")]
    [InlineData(TranscriptFormat.Tsv, "start\tend\ttext\n")]
    [InlineData(TranscriptFormat.Json, "{\"segments\": [\n], \"text\": \"\"}\n")]
    public void An_empty_transcript_is_still_a_valid_file(TranscriptFormat format, string expected) =>
        Assert.Equal(expected, Write(format, []));

    [Fact]
    public void Json_names_the_language_it_was_given_until_a_segment_names_its_own()
    {
        static string? LanguageOf(IEnumerable<Segment> segments) =>
            System.Text.Json.JsonDocument.Parse(Write(TranscriptFormat.Json, segments, language: "de")).RootElement.GetProperty("language").GetString();

        Assert.Equal("de", LanguageOf([]));
        Assert.Equal("fr", LanguageOf([Segment(0, 1, " Bonjour", 400) with { Language = "fr" }]));
    }

    /// <summary>A segment of timed words (text, start, end), spanning them.</summary>
    static Segment Spoken(params (string Text, double Start, double End)[] words) =>
        Segment(words[0].Start, words[^1].End, string.Concat(words.Select(w => w.Text))) with
        {
            Words = [.. words.Select(w => new Word(w.Start, w.End, w.Text, 0.9))],
        };

    [Fact]
    public void Subtitles_of_timed_words_are_a_cue_per_segment_timed_by_its_words()
    {
        Segment[] segments = [Spoken((" Hello", 0.5, 0.9), (" world.", 1.0, 1.5)), Spoken((" Again", 2.0, 2.4))];

        Assert.Equal("1\n00:00:00,500 --> 00:00:01,500\nHello world.\n\n2\n00:00:02,000 --> 00:00:02,400\nAgain\n\n",
            Write(TranscriptFormat.Srt, segments));
    }

    [Fact]
    public void With_a_line_width_and_count_segments_flow_into_full_subtitles_broken_at_long_pauses()
    {
        Segment[] segments =
        [
            Spoken((" one", 0, 0.5), (" two", 0.5, 1), (" three", 1, 1.5), (" four", 1.5, 2)),
            Spoken((" five", 2, 2.5), (" six", 2.5, 3)),
            Spoken((" seven", 7, 7.5)), // 4.5 s after the last word's start
        ];

        Assert.Equal(
            "1\n00:00:00,000 --> 00:00:02,000\none two\nthree four\n\n" +
            "2\n00:00:02,000 --> 00:00:03,000\nfive six\n\n" +
            "3\n00:00:07,000 --> 00:00:07,500\nseven\n\n",
            Write(TranscriptFormat.Srt, segments, new SubtitleLayout(MaxLineWidth: 12, MaxLineCount: 2)));
    }

    [Fact]
    public void With_a_most_words_per_line_a_segment_is_cut_into_subtitles_of_that_many()
    {
        Segment[] segments = [Spoken((" a", 0, 0.2), (" b", 0.2, 0.4), (" c", 0.4, 0.6))];

        Assert.Equal("1\n00:00:00,000 --> 00:00:00,400\na b\n\n2\n00:00:00,400 --> 00:00:00,600\nc\n\n",
            Write(TranscriptFormat.Srt, segments, new SubtitleLayout(MaxWordsPerLine: 2)));
    }

    [Fact]
    public void Highlighted_words_are_underlined_each_in_a_cue_of_its_own_with_the_plain_text_between_them()
    {
        Segment[] segments = [Spoken((" Hi", 0.0, 0.4), (" there", 0.6, 1.0))];

        Assert.Equal(
            "WEBVTT\n\n" +
            "00:00.000 --> 00:00.400\n<u>Hi</u> there\n\n" +
            "00:00.400 --> 00:00.600\nHi there\n\n" +
            "00:00.600 --> 00:01.000\nHi <u>there</u>\n\n",
            Write(TranscriptFormat.Vtt, segments, new SubtitleLayout(HighlightWords: true)));
    }

    [Theory]
    [InlineData(0, null, null)]
    [InlineData(null, -1, null)]
    [InlineData(null, null, 0)]
    public void A_subtitle_limit_below_one_is_refused(int? width, int? count, int? words)
    {
        var error = Assert.Throws<ArgumentException>(() => new SubtitleLayout(width, count, words).Validate());
        Assert.StartsWith("A subtitle's most ", error.Message);
    }
}
