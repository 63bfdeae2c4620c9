using System.Text;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;

namespace SpeechToText.Text;

/// <summary>
/// A word n-gram model of written text: the probability of the next word, or of the end of the sentence, given the
/// words before it (interpolated Witten-Bell smoothing down to a uniform distribution over its vocabulary). Text is
/// read as a <see cref="CharacterLanguageModel"/> reads it (lower-cased; characters outside the alphabet ignored) and
/// split into words at spaces. Words seen fewer times than the minimum count in training share one "unknown word",
/// whose probability is that of rare words: how a word's spelling is likely is the character model's business.
/// Kept beside a model as <see cref="FileName"/>; beam search fusing a character model rescores with it each word a
/// transcript completes (<see cref="Rescoring"/>, <see cref="Decoding.LanguageModelFusion"/>).
/// </summary>
public sealed class WordLanguageModel
{
    /// <summary>The file a model directory keeps its word language model in.</summary>
    public const string FileName = "word_language_model.bin";

    /// <summary>The longest n-gram (words of context and the word predicted).</summary>
    public const int MaxOrder = 3;

    /// <summary>The most words a vocabulary may have.</summary>
    public const int MaxWords = (1 << BitsPerWord) - FirstWord;

    const uint Magic = 0x4D4C5753; // "SWLM"
    const int Version = 1, BitsPerWord = 20, LengthShift = 60, MaxWordBytes = 256;
    const ulong WordMask = (1UL << BitsPerWord) - 1;

    // Word ids: the unknown word, the end of the sentence, its start (context padding, never predicted), then the
    // vocabulary, most frequent first. An n-gram is packed into a ulong key: its ids 20 bits each, the first in the
    // highest bits, and its length in the top 4 bits, so that the n-grams of one context are neighbours.
    const int Unknown = 0, End = 1, Begin = 2, FirstWord = 3;

    readonly string[] _words;
    readonly Dictionary<string, int> _idOf;
    readonly ulong[] _keys;   // ascending
    readonly int[] _counts;
    readonly Dictionary<ulong, int> _countOf;
    readonly Dictionary<ulong, (long Total, int Distinct)> _contexts;
    readonly HashSet<char> _alphabet;

    /// <summary>The longest n-gram: words of context plus the one predicted.</summary>
    public int Order { get; }

    /// <summary>The characters words are written in (with the space between them); any other is ignored.</summary>
    public string Alphabet { get; }

    /// <summary>How much the model's log-probability counts against the speech model's (tuned with the model it ships with).</summary>
    public double FusionWeight { get; }

    /// <summary>The words known, most frequent first.</summary>
    public IReadOnlyList<string> Vocabulary => _words;

    WordLanguageModel(int order, string alphabet, double fusionWeight, string[] words, ulong[] keys, int[] counts)
    {
        (Order, Alphabet, FusionWeight, _words, _keys, _counts) = (order, alphabet, fusionWeight, words, keys, counts);
        _alphabet = [.. alphabet];
        _idOf = new Dictionary<string, int>(words.Length);
        for (int i = 0; i < words.Length; i++)
            _idOf[words[i]] = FirstWord + i;
        _countOf = new Dictionary<ulong, int>(keys.Length);
        _contexts = [];
        for (int i = 0; i < keys.Length; i++)
        {
            _countOf[keys[i]] = counts[i];
            ulong context = ContextOf(keys[i]);
            var (total, distinct) = _contexts.GetValueOrDefault(context);
            _contexts[context] = (total + counts[i], distinct + 1);
        }
    }

    /// <summary>
    /// Counts the words and n-grams of <paramref name="sentences"/>: words seen fewer than <paramref name="minCount"/>
    /// times (or longer than 256 bytes) become the unknown word, and n-grams of two or more words seen fewer times are dropped.
    /// </summary>
    public static WordLanguageModel Train(IEnumerable<string> sentences, string alphabet, int order, int minCount = 1, double fusionWeight = 0)
    {
        ValidateShape(alphabet, order, "the alphabet");
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        if (!ScoreWeight.IsValid(fusionWeight))
            throw new InvalidDataException($"the fusion weight must be a finite number, 0 or more; {fusionWeight} is not");
        var reading = new WordLanguageModel(order, alphabet, fusionWeight, [], [], []);
        var texts = sentences.Select(s => reading.Words(s, out _)).ToList();
        var frequency = new Dictionary<string, int>();
        foreach (var words in texts)
            foreach (string word in words)
                frequency[word] = frequency.GetValueOrDefault(word) + 1;
        string[] vocabulary = [.. frequency.Where(p => p.Value >= minCount && Encoding.UTF8.GetByteCount(p.Key) <= MaxWordBytes)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key).Take(MaxWords)];
        var model = new WordLanguageModel(order, alphabet, fusionWeight, vocabulary, [], []);
        var counts = new Dictionary<ulong, int>();
        var ids = new List<int>();
        foreach (var words in texts)
        {
            ids.Clear();
            ids.AddRange(Enumerable.Repeat(Begin, order - 1));
            ids.AddRange(words.Select(model.IdOf));
            ids.Add(End);
            for (int i = order - 1; i < ids.Count; i++)
                for (int n = 1; n <= order; n++)
                {
                    ulong ngram = Pack(ids, i - n + 1, n);
                    counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
                }
        }
        var kept = counts.Where(p => p.Key >> LengthShift == 1 || p.Value >= minCount).OrderBy(p => p.Key).ToList();
        return new WordLanguageModel(order, alphabet, fusionWeight, vocabulary, [.. kept.Select(p => p.Key)], [.. kept.Select(p => p.Value)]);
    }

    /// <summary>
    /// The natural log of the probability that <paramref name="next"/> follows <paramref name="words"/> in a sentence
    /// (null: that the sentence ends there). Words are taken as written (as the model keeps them: lower-case, in its
    /// alphabet); words it does not know share the unknown word's probability.
    /// </summary>
    public double LogProbability(IReadOnlyList<string> words, string? next)
    {
        var ids = new List<int>(Enumerable.Repeat(Begin, Order - 1));
        ids.AddRange(words.Select(IdOf));
        ids.Add(next == null ? End : IdOf(next));
        return Math.Log(Probability(ids, ids.Count - 1));
    }

    /// <summary>
    /// What this model changes in <paramref name="spelling"/>'s log-probability of the words <paramref name="continuation"/>
    /// completes after <paramref name="text"/> (each word it ends with a space, and the last word and the end of the
    /// sentence when <paramref name="ends"/>): for a known word, this model's log-probability of it less the spelling's
    /// (of its letters and the space or end after it); for an unknown word, this model's log-probability of an unknown
    /// word (its letters stay the spelling's business); at the end, this model's log-probability of the end less the
    /// spelling's. So over a sentence of known words, the spelling's log-probability plus these changes is this model's.
    /// 0 when it completes no word. Both texts are read as this model reads text (see the class summary).
    /// </summary>
    public double Rescoring(string text, string continuation, bool ends, CharacterLanguageModel spelling)
    {
        if (!ends && !continuation.Contains(' '))
            return 0;
        int start = Words(text, out bool lastOpen).Count - (lastOpen ? 1 : 0);
        var words = Words(text + continuation, out lastOpen);
        int complete = words.Count - (lastOpen && !ends ? 1 : 0);
        double change = 0;
        bool endSpelled = false;
        for (int w = start; w < complete; w++)
        {
            var before = words.GetRange(0, w);
            change += LogProbability(before, words[w]);
            if (IdOf(words[w]) == Unknown)
                continue;
            bool last = ends && w == complete - 1;
            change -= spelling.LogProbability(w == 0 ? "" : string.Join(' ', before) + " ", last ? words[w] : words[w] + " ", ends: last);
            endSpelled = last;
        }
        if (ends)
        {
            change += LogProbability(words, null);
            if (!endSpelled)
                change -= spelling.LogProbability(text + continuation, "", ends: true);
        }
        return change;
    }

    /// <summary>P(ids[i] | the ids before it), interpolated from the empty context to the longest.</summary>
    double Probability(List<int> ids, int i)
    {
        double probability = 1.0 / (_words.Length + 2); // the words, the unknown word and the end
        for (int length = 0; length < Order; length++)
        {
            if (!_contexts.TryGetValue(Pack(ids, i - length, length), out var context))
                break; // a longer context holds no n-gram a shorter one lacks
            int count = _countOf.GetValueOrDefault(Pack(ids, i - length, length + 1));
            probability = (count + context.Distinct * probability) / (context.Total + context.Distinct);
        }
        return probability;
    }

    int IdOf(string word) => _idOf.GetValueOrDefault(word, Unknown);

    /// <summary>The words of <paramref name="text"/>, and whether the last one is still open (no space after it).</summary>
    List<string> Words(string text, out bool lastOpen)
    {
        var read = new StringBuilder(text.Length);
        foreach (char character in text)
        {
            char lower = char.ToLowerInvariant(character);
            if (_alphabet.Contains(lower))
                read.Append(lower);
        }
        lastOpen = read.Length > 0 && read[^1] != ' ';
        return [.. read.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }

    static ulong Pack(List<int> ids, int start, int length)
    {
        ulong key = 0;
        for (int k = 0; k < length; k++)
            key = (key << BitsPerWord) | (uint)ids[start + k];
        return ((ulong)length << LengthShift) | key;
    }

    /// <summary>An n-gram's context: all but its last word.</summary>
    static ulong ContextOf(ulong ngram)
    {
        ulong length = ngram >> LengthShift;
        ulong words = ngram & ((1UL << LengthShift) - 1);
        return ((length - 1) << LengthShift) | (words >> BitsPerWord);
    }

    static void ValidateShape(string alphabet, int order, string where)
    {
        if (order < 1 || order > MaxOrder)
            throw new InvalidDataException($"{where}: order {order} is out of range (1 to {MaxOrder})");
        if (alphabet.Length is < 2 or > CharacterLanguageModel.MaxAlphabet || alphabet.Distinct().Count() != alphabet.Length || !alphabet.Contains(' '))
            throw new InvalidDataException($"{where}: the alphabet must be 2 to {CharacterLanguageModel.MaxAlphabet} distinct characters with the space; \"{alphabet}\" is not");
    }

    /// <summary>Writes the model to <paramref name="path"/> (whole or not at all).</summary>
    public void Save(string path) => WholeFile.Write(path, Write);

    void Write(Stream file)
    {
        using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        new LanguageModelHeader(Order, Alphabet, FusionWeight).Write(writer, Magic, Version);
        writer.Write(_words.Length);
        foreach (string word in _words)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(word);
            writer.Write7BitEncodedInt(bytes.Length);
            writer.Write(bytes);
        }
        writer.Write(_keys.Length);
        ulong previous = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            writer.Write7BitEncodedInt64((long)(_keys[i] - previous)); // keys ascend: each is stored as the step from the one before
            writer.Write7BitEncodedInt(_counts[i]);
            previous = _keys[i];
        }
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not such a model, or is truncated or corrupt.</exception>
    public static WordLanguageModel Load(string path)
    {
        using var stream = new MemoryStream(File.ReadAllBytes(path));
        var reader = new BoundedReader(stream, path);
        var (order, alphabet, weight) = LanguageModelHeader.Read(reader, path, Magic, Version, "word language model");
        ValidateShape(alphabet, order, path);
        int wordCount = reader.Count(reader.Int32(), "the number of words", (int)Math.Min(MaxWords, reader.Remaining / 2));
        var words = new string[wordCount];
        var seen = new HashSet<string>(wordCount);
        for (int i = 0; i < wordCount; i++)
        {
            int length = reader.Count((int)Math.Min(int.MaxValue, reader.VarUInt64("a word's length")), "a word's length", MaxWordBytes);
            words[i] = Encoding.UTF8.GetString(reader.Bytes(length, "a word"));
            if (words[i].Length == 0 || words[i].Any(c => c == ' ' || !alphabet.Contains(c)) || !seen.Add(words[i]))
                throw new InvalidDataException($"{path}: word {i} (\"{words[i]}\") is empty, repeated or not written in the alphabet; the file is corrupt");
        }
        int ngramCount = reader.Count(reader.Int32(), "the number of n-grams", (int)Math.Min(int.MaxValue, reader.Remaining / 2));
        var keys = new ulong[ngramCount];
        var counts = new int[ngramCount];
        ulong key = 0;
        for (int i = 0; i < ngramCount; i++)
        {
            ulong step = reader.VarUInt64("an n-gram");
            key += step;
            ulong count = reader.VarUInt64("an n-gram's count");
            if ((step == 0 && i > 0) || key < step || !IsWellFormed(key, order, FirstWord + wordCount) || count is < 1 or > int.MaxValue)
                throw new InvalidDataException($"{path}: n-gram {i} is malformed or out of order; the file is corrupt");
            (keys[i], counts[i]) = (key, (int)count);
        }
        if (!reader.AtEnd)
            throw new InvalidDataException($"{path}: {reader.Remaining} bytes follow the last n-gram; the file is corrupt");
        return new WordLanguageModel(order, alphabet, weight, words, keys, counts);
    }

    /// <summary>Whether <paramref name="key"/> packs 1 to <paramref name="order"/> ids below <paramref name="ids"/>, the last not the start.</summary>
    static bool IsWellFormed(ulong key, int order, int ids)
    {
        int length = (int)(key >> LengthShift);
        if (length < 1 || length > order || (key & ((1UL << LengthShift) - 1)) >> (BitsPerWord * length) != 0)
            return false;
        for (int k = 0; k < length; k++)
            if (((key >> (BitsPerWord * k)) & WordMask) >= (ulong)ids)
                return false;
        return (int)(key & WordMask) != Begin;
    }
}
