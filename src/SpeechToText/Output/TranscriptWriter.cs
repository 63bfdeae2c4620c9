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

    /// <summary>JSON with every segment's timing, text, token ids and probabilities, the whole text and the language.</summary>
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

    /// <summary>
    /// A writer of <paramref name="format"/> to <paramref name="output"/>. Subtitles (srt, vtt) of segments with words
    /// are laid out from the words, by <paramref name="layout"/> when given. JSON names <paramref name="language"/> (a
    /// code such as "en") until a segment names its own, so that a transcript without speech still has a language.
    /// </summary>
    public static TranscriptWriter For(TranscriptFormat format, TextWriter output, SubtitleLayout? layout = null, string? language = null) => format switch
    {
        TranscriptFormat.Txt => new TxtWriter(output),
        TranscriptFormat.Srt => new SrtWriter(output, layout ?? new SubtitleLayout()),
        TranscriptFormat.Vtt => new VttWriter(output, layout ?? new SubtitleLayout()),
        TranscriptFormat.Json => new JsonWriter(output, language),
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

    /// <summary>[HH:]MM:SS plus the milliseconds after <paramref name="separator"/>; the hours always, or only when there are any.</summary>
    protected static string Clock(double seconds, char separator, bool alwaysHours = true)
    {
        long milliseconds = (long)Math.Round(Math.Max(0, seconds) * 1000);
        long hours = milliseconds / 3_600_000;
        string hoursPart = alwaysHours || hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours:00}:") : "";
        return hoursPart + string.Create(CultureInfo.InvariantCulture,
            $"{milliseconds / 60_000 % 60:00}:{milliseconds / 1000 % 60:00}{separator}{milliseconds % 1000:000}");
    }

    /// <summary>The segment's text on one line, trimmed.</summary>
    protected static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ').Trim();
}

sealed class TxtWriter(TextWriter output) : TranscriptWriter(output)
{
    protected override void WriteSegment(Segment segment, int index) => Output.WriteLine(OneLine(segment.Text));
}

/// <summary>
/// Subtitles: a cue per segment, or with words, per subtitle as <see cref="SubtitleBuilder"/> groups them (each
/// word underlined in a cue of its own with <see cref="SubtitleLayout.HighlightWords"/>), as the reference writes them.
/// </summary>
abstract class SubtitleWriter(TextWriter output, SubtitleLayout layout) : TranscriptWriter(output)
{
    readonly SubtitleBuilder _subtitles = new(layout);
    bool _fromWords;

    /// <summary>A cue's time.</summary>
    protected abstract string Timestamp(double seconds);

    /// <summary>Text as the format must write it.</summary>
    protected abstract string Escape(string text);

    /// <summary>Writes a cue from <paramref name="start"/> to <paramref name="end"/> (formatted times).</summary>
    protected abstract void WriteCue(string start, string end, string text);

    protected sealed override void WriteSegment(Segment segment, int index)
    {
        if (index == 1)
            _fromWords = segment.Words != null;
        if (!_fromWords)
        {
            WriteCue(Timestamp(segment.Start), Timestamp(segment.End), Escape(OneLine(segment.Text)));
            return;
        }
        foreach (var subtitle in _subtitles.Add(segment))
            WriteSubtitle(subtitle);
    }

    protected override void WriteFooter()
    {
        if (_fromWords && _subtitles.Finish() is { } last)
            WriteSubtitle(last);
    }

    void WriteSubtitle(IReadOnlyList<Word> words)
    {
        string start = Timestamp(words[0].Start), end = Timestamp(words[^1].End);
        var texts = words.Select(w => Escape(w.Text)).ToList();
        string text = string.Concat(texts);
        if (!layout.HighlightWords)
        {
            WriteCue(start, end, text);
            return;
        }
        string last = start;
        for (int i = 0; i < words.Count; i++)
        {
            string wordStart = Timestamp(words[i].Start), wordEnd = Timestamp(words[i].End);
            if (last != wordStart)
                WriteCue(last, wordStart, text);
            WriteCue(wordStart, wordEnd, string.Concat(texts.Select((t, j) => j == i ? Underlined(t) : t)));
            last = wordEnd;
        }
    }

    /// <summary>The word underlined, its leading white space (a space, a line break) left outside the tags.</summary>
    static string Underlined(string word)
    {
        int lead = word.Length - word.TrimStart().Length;
        return $"{word[..lead]}<u>{word[lead..]}</u>";
    }
}

sealed class SrtWriter(TextWriter output, SubtitleLayout layout) : SubtitleWriter(output, layout)
{
    int _cues;

    protected override string Timestamp(double seconds) => Clock(seconds, ',');

    protected override string Escape(string text) => text.Replace("-->", "->", StringComparison.Ordinal);

    protected override void WriteCue(string start, string end, string text)
    {
        Output.WriteLine((++_cues).ToString(CultureInfo.InvariantCulture));
        Output.WriteLine($"{start} --> {end}");
        Output.WriteLine(text);
        Output.WriteLine();
    }
}

sealed class VttWriter(TextWriter output, SubtitleLayout layout) : SubtitleWriter(output, layout)
{
    protected override void WriteHeader()
    {
        Output.WriteLine("WEBVTT");
        Output.WriteLine();
    }

    protected override string Timestamp(double seconds) => Clock(seconds, '.', alwaysHours: false);

    protected override string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    protected override void WriteCue(string start, string end, string text)
    {
        Output.WriteLine($"{start} --> {end}");
        Output.WriteLine(text);
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

sealed class JsonWriter(TextWriter output, string? language) : TranscriptWriter(output)
{
    static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull, // "words" only when timed
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // "-Infinity" rather than a failure
    };
    readonly List<string> _texts = [];
    string? _language = language;

    protected override void WriteHeader() => Output.Write("{\"segments\": [");

    protected override void WriteSegment(Segment segment, int index)
    {
        _texts.Add(segment.Text);
        _language = segment.Language ?? _language;
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

    protected override void WriteFooter()
    {
        string language = _language == null ? "" : $", \"language\": {JsonSerializer.Serialize(_language, Options)}";
        Output.WriteLine($"\n], \"text\": {JsonSerializer.Serialize(string.Concat(_texts), Options)}{language}}}");
    }
}
