using SpeechToText.Decoding;

namespace SpeechToText.Output;

/// <summary>
/// How subtitles are laid out from timed words (segments with <see cref="Segment.Words"/>), as the reference's
/// subtitle options: each limit null for none.
/// </summary>
/// <param name="MaxLineWidth">The most characters in a line (a word that does not fit starts the next line).</param>
/// <param name="MaxLineCount">With <paramref name="MaxLineWidth"/>, the most lines in a subtitle; segments then flow
/// together, a subtitle ending when it is full or before a word that starts more than 3 s after the one before it.</param>
/// <param name="MaxWordsPerLine">Without <paramref name="MaxLineCount"/>, the most words in a subtitle.</param>
/// <param name="HighlightWords">Whether each word is underlined in its own cue while it is spoken.</param>
public sealed record SubtitleLayout(int? MaxLineWidth = null, int? MaxLineCount = null, int? MaxWordsPerLine = null, bool HighlightWords = false)
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> (parameter "layout") naming the first limit below 1 and its value.
    /// </summary>
    public void Validate()
    {
        foreach (var (name, limit) in new[] { ("most characters a line", MaxLineWidth), ("most lines", MaxLineCount), ("most words", MaxWordsPerLine) })
        {
            if (limit < 1)
                throw new ArgumentException($"A subtitle's {name} must be at least 1; {limit} was given.", "layout");
        }
    }
}

/// <summary>
/// Groups timed words into subtitles as the reference does, segment by segment as they arrive. A word that
/// starts a line loses its leading space; one that starts a new line of the same subtitle gets a line break.
/// Unless both the line width and count are limited, each segment (or each run of the most words per line in
/// it) is a subtitle of its own.
/// </summary>
internal sealed class SubtitleBuilder(SubtitleLayout layout)
{
    const double LongPauseSeconds = 3.0;
    const int Unlimited = 1000;
    readonly bool _segmentsKept = layout.MaxLineCount is null || layout.MaxLineWidth is null;
    readonly int _maxLineWidth = layout.MaxLineWidth ?? Unlimited;
    readonly int _maxWords = layout.MaxWordsPerLine ?? Unlimited;
    List<Word> _subtitle = [];
    int _lineLength;
    int _lineCount = 1;
    double? _lastStart;

    /// <summary>Adds <paramref name="segment"/>'s words; returns the subtitles they complete.</summary>
    public List<IReadOnlyList<Word>> Add(Segment segment)
    {
        var complete = new List<IReadOnlyList<Word>>();
        var words = segment.Words ?? [];
        for (int chunk = 0; chunk < words.Count; chunk += _maxWords)
        {
            for (int i = 0; i < Math.Min(_maxWords, words.Count - chunk); i++)
            {
                var word = words[chunk + i];
                _lastStart ??= word.Start;
                bool longPause = !_segmentsKept && word.Start - _lastStart > LongPauseSeconds;
                bool hasRoom = _lineLength + word.Text.Length <= _maxLineWidth;
                bool segmentBreak = i == 0 && _subtitle.Count > 0 && _segmentsKept;
                if (_lineLength > 0 && hasRoom && !longPause && !segmentBreak)
                {
                    _lineLength += word.Text.Length;
                }
                else
                {
                    string text = word.Text.Trim();
                    if (segmentBreak || (_subtitle.Count > 0 && layout.MaxLineCount is { } maxLines && (longPause || _lineCount >= maxLines)))
                    {
                        complete.Add(_subtitle);
                        _subtitle = [];
                        _lineCount = 1;
                    }
                    else if (_lineLength > 0)
                    {
                        _lineCount++;
                        text = "\n" + text;
                    }
                    _lineLength = text.Trim().Length;
                    word = word with { Text = text };
                }
                _subtitle.Add(word);
                _lastStart = word.Start;
            }
        }
        return complete;
    }

    /// <summary>The last subtitle, once every segment is added; null when there is none.</summary>
    public IReadOnlyList<Word>? Finish() => _subtitle.Count > 0 ? _subtitle : null;
}
