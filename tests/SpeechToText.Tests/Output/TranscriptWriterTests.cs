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

    static string Write(TranscriptFormat format, IEnumerable<Segment> segments)
    {
        using var text = new StringWriter { NewLine = "\n" };
        var writer = TranscriptWriter.For(format, text);
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
    public void Vtt_has_its_header_dot_milliseconds_and_escaped_markup()
    {
        Assert.Equal(
            "WEBVTT\n\n" +
            "00:00:00.000 --> 00:00:02.500\nAnd so, my fellow Americans,\n\n" +
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

    [Theory]
    [InlineData(TranscriptFormat.Txt, "")]
    [InlineData(TranscriptFormat.Srt, "")]
    [InlineData(TranscriptFormat.Vtt, "WEBVTT\n\n")]
    [InlineData(TranscriptFormat.Tsv, "start\tend\ttext\n")]
    [InlineData(TranscriptFormat.Json, "{\"segments\": [\n], \"text\": \"\"}\n")]
    public void An_empty_transcript_is_still_a_valid_file(TranscriptFormat format, string expected) =>
        Assert.Equal(expected, Write(format, []));
}
