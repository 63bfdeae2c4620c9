using SpeechToText.Decoding;

namespace SpeechToText.Streaming;

/// <summary>
/// The LocalAgreement-2 policy of streaming transcription: the audio buffer is transcribed again each time it
/// grows, and a word is committed (never to change again) once two successive transcriptions agree on it and
/// on every word before it. What the newest transcription adds beyond that agreement stays tentative.
/// </summary>
/// <remarks>
/// Each hypothesis is given in stream time. Its words that end before the last committed word do not count
/// (the buffer may still hold audio already committed), and neither does a run of one to five words at its
/// start that only repeats the end of the committed text. Words agree when they read the same once case,
/// punctuation and spaces are set aside; a committed word is taken from the newer hypothesis, and starts no
/// earlier than the committed word before it ends (word times may overlap by a few hundredths of a second).
/// Only the last few committed words are kept (what a new hypothesis is compared with): the caller keeps the
/// text it is given, so memory does not grow with the stream. After the end of an utterance nothing is compared:
/// a speaker may say again what they said before the pause.
/// </remarks>
public sealed class LocalAgreement
{
    /// <summary>How far (seconds) a word may start before the last committed word's end and still be new.</summary>
    public const double Overlap = 0.1;

    /// <summary>The longest repetition of the committed text's end that is dropped from a hypothesis.</summary>
    public const int MaxRepeatedWords = 5;

    readonly List<Word> _committed = []; // the last MaxRepeatedWords committed words of the utterance
    List<Word> _previous = [];
    double _committedEnd;

    /// <summary>The words of the newest hypothesis that are not committed yet, timed as they would be committed.</summary>
    public IReadOnlyList<Word> Tentative => _previous;

    /// <summary>The end (seconds) of the last committed word, or 0.</summary>
    public double CommittedEnd => _committedEnd;

    /// <summary>
    /// Takes the newest transcription of the buffer (<paramref name="hypothesis"/>, words in stream time) and
    /// returns the words it commits, in order (often none).
    /// </summary>
    public IReadOnlyList<Word> Update(IReadOnlyList<Word> hypothesis)
    {
        var current = New(hypothesis);
        int agreed = 0;
        while (agreed < current.Count && agreed < _previous.Count && Same(current[agreed], _previous[agreed]))
            agreed++;
        var committed = Commit(current.GetRange(0, agreed));
        _previous = InSequence(current.GetRange(agreed, current.Count - agreed), CommittedEnd);
        return committed;
    }

    /// <summary>Commits the tentative words (at the end of the stream, or at a pause) and returns them.</summary>
    public IReadOnlyList<Word> Flush()
    {
        var words = _previous;
        _previous = [];
        return Commit(words);
    }

    /// <summary>
    /// Commits the tentative words at a pause that ends an utterance and returns them. The next hypothesis is of a new
    /// utterance: its words still come after these, but are not dropped for repeating them ("Thank you. Thank you very much.").
    /// </summary>
    public IReadOnlyList<Word> EndUtterance()
    {
        var words = Flush();
        _committed.Clear();
        return words;
    }

    /// <summary>Appends <paramref name="words"/> to the committed text, in sequence after it.</summary>
    List<Word> Commit(List<Word> words)
    {
        var committed = InSequence(words, CommittedEnd);
        _committed.AddRange(committed);
        _committed.RemoveRange(0, Math.Max(0, _committed.Count - MaxRepeatedWords));
        if (committed.Count > 0)
            _committedEnd = committed[^1].End;
        return committed;
    }

    /// <summary><paramref name="words"/>, each starting no earlier than <paramref name="after"/> or the one before it ends.</summary>
    static List<Word> InSequence(List<Word> words, double after)
    {
        var timed = new List<Word>(words.Count);
        foreach (var word in words)
        {
            double start = Math.Max(word.Start, after);
            timed.Add(word with { Start = start, End = Math.Max(word.End, start) });
            after = timed[^1].End;
        }
        return timed;
    }

    /// <summary>The words of <paramref name="hypothesis"/> after the committed text.</summary>
    List<Word> New(IReadOnlyList<Word> hypothesis)
    {
        double committedEnd = CommittedEnd;
        var words = hypothesis.Where(w => w.Start > committedEnd - Overlap).ToList();
        if (_committed.Count == 0 || words.Count == 0 || Math.Abs(words[0].Start - committedEnd) >= 1)
            return words;
        for (int n = Math.Min(MaxRepeatedWords, Math.Min(_committed.Count, words.Count)); n >= 1; n--)
        {
            if (Enumerable.Range(0, n).All(i => Same(_committed[_committed.Count - n + i], words[i])))
                return words.GetRange(n, words.Count - n);
        }
        return words;
    }

    static bool Same(Word a, Word b) => Key(a.Text) == Key(b.Text);

    static string Key(string text) => new([.. text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
