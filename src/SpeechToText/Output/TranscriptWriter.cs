using System.Globalization;
using System.Text.Json;
using SpeechToText.Decoding;

namespace SpeechToText.Output;

/// <summary>Transcript file formats.</summary>
public enum TranscriptFormat
{
    /// <summary>Plain text, one segment per line.</summary>
    Txt,

    /// <summary>SubRip subtitles.</summary>
    Srt,

    /// <summary>WebVTT subtitles.</summary>
    Vtt,

    /// <summary>JSON with every segment's timing, text, token ids and probabilities.</summary>
    Json,

    /// <summary>Tab-separated start and end (integer milliseconds) and text, with a header line.</summary>
    Tsv,
}

/// <summary>
/// Writes segments as they arrive, so that a transcript can stream to stdout. Call <see cref="Write"/> for
/// each segment, then <see cref="Finish"/> once.
/// </summary>
public abstract class TranscriptWriter(TextWriter output)
{
    /// <summary>Where the transcript goes.</summary>
    protected TextWriter Output { get; } = output;

    /// <summary>Segments written so far.</summary>
    protected int Count { get; private set; }

    /// <summary>The file extension of a format, without the dot.</summary>
    public static string Extension(TranscriptFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>A writer of <paramref name="format"/> to <paramref name="output"/>.</summary>
    public static TranscriptWriter For(TranscriptFormat format, TextWriter output) => format switch
    {
        TranscriptFormat.Txt => new TxtWriter(output),
        TranscriptFormat.Srt => new SrtWriter(output),
        TranscriptFormat.Vtt => new VttWriter(output),
        TranscriptFormat.Json => new JsonWriter(output),
        TranscriptFormat.Tsv => new TsvWriter(output),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Writes one segment.</summary>
    public void Write(Segment segment)
    {
        if (Count == 0)
            WriteHeader();
        WriteSegment(segment, Count + 1);
        Count++;
        Output.Flush();
    }

    /// <summary>Completes the transcript (an empty transcript is still a valid file).</summary>
    public void Finish()
    {
        if (Count == 0)
            WriteHeader();
        WriteFooter();
        Output.Flush();
    }

    /// <summary>Writes what precedes the first segment.</summary>
    protected virtual void WriteHeader()
    {
    }

    /// <summary>Writes segment number <paramref name="index"/> (from 1).</summary>
    protected abstract void WriteSegment(Segment segment, int index);

    /// <summary>Writes what follows the last segment.</summary>
    protected virtual void WriteFooter()
    {
    }

    /// <summary>HH:MM:SS plus the milliseconds after <paramref name="separator"/>.</summary>
    protected static string Clock(double seconds, char separator)
    {
        long milliseconds = (long)Math.Round(Math.Max(0, seconds) * 1000);
        return string.Create(CultureInfo.InvariantCulture,
            $"{milliseconds / 3_600_000:00}:{milliseconds / 60_000 % 60:00}:{milliseconds / 1000 % 60:00}{separator}{milliseconds % 1000:000}");
    }

    /// <summary>The segment's text on one line, trimmed.</summary>
    protected static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ').Trim();
}

sealed class TxtWriter(TextWriter output) : TranscriptWriter(output)
{
    protected override void WriteSegment(Segment segment, int index) => Output.WriteLine(OneLine(segment.Text));
}

sealed class SrtWriter(TextWriter output) : TranscriptWriter(output)
{
    protected override void WriteSegment(Segment segment, int index)
    {
        Output.WriteLine(index.ToString(CultureInfo.InvariantCulture));
        Output.WriteLine($"{Clock(segment.Start, ',')} --> {Clock(segment.End, ',')}");
        Output.WriteLine(OneLine(segment.Text).Replace("-->", "->", StringComparison.Ordinal));
        Output.WriteLine();
    }
}

sealed class VttWriter(TextWriter output) : TranscriptWriter(output)
{
    protected override void WriteHeader()
    {
        Output.WriteLine("WEBVTT");
        Output.WriteLine();
    }

    protected override void WriteSegment(Segment segment, int index)
    {
        Output.WriteLine($"{Clock(segment.Start, '.')} --> {Clock(segment.End, '.')}");
        Output.WriteLine(OneLine(segment.Text).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal));
        Output.WriteLine();
    }
}

sealed class TsvWriter(TextWriter output) : TranscriptWriter(output)
{
    protected override void WriteHeader() => Output.WriteLine("start\tend\ttext");

    protected override void WriteSegment(Segment segment, int index) =>
        Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Math.Round(segment.Start * 1000):0}\t{Math.Round(segment.End * 1000):0}\t{OneLine(segment.Text)}"));
}

sealed class JsonWriter(TextWriter output) : TranscriptWriter(output)
{
    static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull, // "words" only when timed
    };
    readonly List<string> _texts = [];

    protected override void WriteHeader() => Output.Write("{\"segments\": [");

    protected override void WriteSegment(Segment segment, int index)
    {
        _texts.Add(segment.Text);
        var json = new
        {
            id = index - 1,
            start = Math.Round(segment.Start, 3),
            end = Math.Round(segment.End, 3),
            text = segment.Text,
            tokens = segment.Tokens,
            probabilities = segment.Probabilities.Select(p => Math.Round(p, 6)),
            avg_logprob = Math.Round(segment.AverageLogProbability, 6),
            no_speech_prob = Math.Round(segment.NoSpeechProbability, 6),
            temperature = segment.Temperature,
            compression_ratio = Math.Round(segment.CompressionRatio, 4),
            words = segment.Words?.Select(w => new { word = w.Text, start = Math.Round(w.Start, 3), end = Math.Round(w.End, 3), probability = Math.Round(w.Probability, 4) }),
        };
        Output.Write(index == 1 ? "\n  " : ",\n  ");
        Output.Write(JsonSerializer.Serialize(json, Options));
    }

    protected override void WriteFooter() =>
        Output.WriteLine($"\n], \"text\": {JsonSerializer.Serialize(string.Concat(_texts), Options)}}}");
}
