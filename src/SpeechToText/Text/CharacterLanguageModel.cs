using System.Text;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;

namespace SpeechToText.Text;

/// <summary>
/// A character n-gram model of written text: the probability of the next character, or of the end of the
/// sentence, given the characters before it (interpolated Witten-Bell smoothing, down to a uniform
/// distribution, so every continuation keeps some probability). Its alphabet is the text a model writes
/// (e.g. space, a-z and the apostrophe); text is lower-cased, characters outside the alphabet are ignored,
/// and so are leading and repeated spaces. Built from sentences by <see cref="Train"/>; kept beside a model
/// as <see cref="FileName"/>, which beam search fuses with the model's own probabilities
/// (<see cref="Decoding.LanguageModelFusion"/>), with the weight stored here.
/// </summary>
public sealed class CharacterLanguageModel
{
    /// <summary>The file a model directory keeps its language model in.</summary>
    public const string FileName = "language_model.bin";

    /// <summary>The longest n-gram (context and predicted character).</summary>
    public const int MaxOrder = 12;

    /// <summary>The most characters an alphabet may have (two more symbols mark a sentence's start and end).</summary>
    public const int MaxAlphabet = 30;

    const uint Magic = 0x4D4C4353; // "SCLM"
    const int Version = 1, BitsPerSymbol = 5, LengthShift = 60;
    const ulong SymbolMask = (1UL << BitsPerSymbol) - 1, SymbolBits = (1UL << LengthShift) - 1;

    // A context (or n-gram) is packed into a ulong key: its symbols 5 bits each, the first in the lowest bits,
    // and its length in the top 4 bits. Symbols: the alphabet's characters, then End, then Begin (padding).
    // Contexts in ascending order of their keys; context i's followers are entries
    // _firstFollower[i] to _firstFollower[i + 1] - 1 of the follower arrays, in ascending order of symbol.
    readonly ulong[] _keys;
    readonly Dictionary<ulong, int> _contexts;   // packed context -> its index
    readonly int[] _firstFollower;
    readonly long[] _total;
    readonly byte[] _followerSymbol;
    readonly int[] _followerCount;
    readonly Dictionary<char, int> _symbolOf;
    readonly int _space; // the symbol of ' ', or -1

    /// <summary>The longest n-gram: characters of context plus the one predicted.</summary>
    public int Order { get; }

    /// <summary>The characters modelled; any other is ignored.</summary>
    public string Alphabet { get; }

    /// <summary>How much the language model's log-probability counts against the speech model's (tuned with the model it ships with).</summary>
    public double FusionWeight { get; }

    int End => Alphabet.Length;

    int Begin => Alphabet.Length + 1;

    CharacterLanguageModel(int order, string alphabet, double fusionWeight, ulong[] keys, int[] firstFollower, byte[] followerSymbol, int[] followerCount)
    {
        (Order, Alphabet, FusionWeight) = (order, alphabet, fusionWeight);
        _symbolOf = alphabet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        _space = _symbolOf.GetValueOrDefault(' ', -1);
        (_keys, _firstFollower, _followerSymbol, _followerCount) = (keys, firstFollower, followerSymbol, followerCount);
        _contexts = new Dictionary<ulong, int>(keys.Length);
        _total = new long[keys.Length];
        for (int index = 0; index < keys.Length; index++)
        {
            _contexts[keys[index]] = index;
            for (int f = firstFollower[index]; f < firstFollower[index + 1]; f++)
                _total[index] += followerCount[f];
        }
    }

    int Distinct(int index) => _firstFollower[index + 1] - _firstFollower[index];

    /// <summary>
    /// Counts the n-grams of <paramref name="sentences"/> (each from its start to its end) and keeps those seen at
    /// least <paramref name="minCount"/> times (all single characters are kept).
    /// </summary>
    public static CharacterLanguageModel Train(IEnumerable<string> sentences, string alphabet, int order, int minCount = 1, double fusionWeight = 0)
    {
        ValidateShape(alphabet, order, "the alphabet");
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        ValidateWeight(fusionWeight, "the fusion weight");
        var counting = new CharacterLanguageModel(order, alphabet, fusionWeight, [], [0], [], []);
        var counts = new Dictionary<ulong, int>();
        var symbols = new List<int>();
        foreach (string sentence in sentences)
        {
            symbols.Clear();
            symbols.AddRange(Enumerable.Repeat(counting.Begin, order - 1));
            counting.AppendSymbols(sentence, symbols);
            symbols.Add(counting.End);
            for (int i = order - 1; i < symbols.Count; i++)
                for (int n = 1; n <= order; n++)
                {
                    ulong ngram = Pack(symbols, i - n + 1, n);
                    counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
                }
        }
        var contexts = new SortedDictionary<ulong, List<(byte, int)>>();
        foreach (var (ngram, count) in counts)
        {
            if (ngram >> LengthShift > 1 && count < minCount)
                continue;
            var (context, symbol) = Split(ngram);
            if (!contexts.TryGetValue(context, out var list))
                contexts[context] = list = [];
            list.Add(((byte)symbol, count));
        }
        var firstFollower = new List<int> { 0 };
        var followers = new List<(byte Symbol, int Count)>();
        foreach (var list in contexts.Values)
        {
            followers.AddRange(list.OrderBy(f => f.Item1));
            firstFollower.Add(followers.Count);
        }
        return new CharacterLanguageModel(order, alphabet, fusionWeight, [.. contexts.Keys], [.. firstFollower],
            [.. followers.Select(f => f.Symbol)], [.. followers.Select(f => f.Count)]);
    }

    /// <summary>
    /// The natural log of the probability that <paramref name="text"/> continues with <paramref name="continuation"/>
    /// (and then ends, when <paramref name="ends"/>). Both are read as this model reads text (see the class summary).
    /// </summary>
    public double LogProbability(string text, string continuation, bool ends = false)
    {
        var symbols = new List<int>(Enumerable.Repeat(Begin, Order - 1));
        AppendSymbols(text, symbols);
        int start = symbols.Count;
        AppendSymbols(continuation, symbols);
        if (ends)
            symbols.Add(End);
        double logProbability = 0;
        for (int i = start; i < symbols.Count; i++)
            logProbability += Math.Log(Probability(symbols, i));
        return logProbability;
    }

    /// <summary>
    /// P(symbols[i] | the symbols before it). A space cannot follow the start or a space (it is not read there), so
    /// there the others share its probability.
    /// </summary>
    double Probability(List<int> symbols, int i)
    {
        double probability = Interpolated(symbols, i, symbols[i]);
        return _space >= 0 && (symbols[i - 1] == Begin || symbols[i - 1] == _space)
            ? probability / (1 - Interpolated(symbols, i, _space))
            : probability;
    }

    /// <summary>P(<paramref name="symbol"/> | the symbols before position <paramref name="i"/>), interpolated from the empty context to the longest.</summary>
    double Interpolated(List<int> symbols, int i, int symbol)
    {
        double probability = 1.0 / (Alphabet.Length + 1);
        for (int length = 0; length < Order; length++)
        {
            if (!_contexts.TryGetValue(Pack(symbols, i - length, length), out int index))
                break; // a longer context holds no n-gram a shorter one lacks
            int count = 0;
            for (int f = _firstFollower[index]; f < _firstFollower[index + 1]; f++)
                if (_followerSymbol[f] == symbol)
                    count = _followerCount[f];
            probability = (count + Distinct(index) * probability) / (_total[index] + Distinct(index));
        }
        return probability;
    }

    IEnumerable<(byte Symbol, int Count)> Followers(int index)
    {
        for (int f = _firstFollower[index]; f < _firstFollower[index + 1]; f++)
            yield return (_followerSymbol[f], _followerCount[f]);
    }

    /// <summary>Appends the symbols of <paramref name="text"/>, read on from the symbols already in <paramref name="symbols"/>.</summary>
    void AppendSymbols(string text, List<int> symbols)
    {
        foreach (char character in text)
        {
            if (!_symbolOf.TryGetValue(char.ToLowerInvariant(character), out int symbol))
                continue;
            int previous = symbols.Count > 0 ? symbols[^1] : Begin;
            if (symbol == _space && (previous == Begin || previous == _space))
                continue;
            symbols.Add(symbol);
        }
    }

    static ulong Pack(List<int> symbols, int start, int length)
    {
        ulong key = (ulong)length << LengthShift;
        for (int k = 0; k < length; k++)
            key |= (ulong)symbols[start + k] << (BitsPerSymbol * k);
        return key;
    }

    /// <summary>An n-gram's context (all but its last symbol) and its last symbol.</summary>
    static (ulong Context, int Symbol) Split(ulong ngram)
    {
        int length = (int)(ngram >> LengthShift);
        ulong symbols = ngram & SymbolBits;
        int shift = BitsPerSymbol * (length - 1);
        ulong context = ((ulong)(length - 1) << LengthShift) | (symbols & ((1UL << shift) - 1));
        return (context, (int)((symbols >> shift) & SymbolMask));
    }

    static void ValidateWeight(double weight, string where)
    {
        if (!ScoreWeight.IsValid(weight))
            throw new InvalidDataException($"{where}: the fusion weight must be a finite number, 0 or more; {weight} is not");
    }

    static void ValidateShape(string alphabet, int order, string where)
    {
        if (order < 1 || order > MaxOrder)
            throw new InvalidDataException($"{where}: order {order} is out of range (1 to {MaxOrder})");
        if (alphabet.Length is 0 or > MaxAlphabet || alphabet.Distinct().Count() != alphabet.Length)
            throw new InvalidDataException($"{where}: the alphabet must be 1 to {MaxAlphabet} distinct characters; \"{alphabet}\" is not");
    }

    /// <summary>Writes the model to <paramref name="path"/>, whole or not at all (a model directory's working file stays until then).</summary>
    public void Save(string path) => WholeFile.Write(path, Write);

    void Write(Stream file)
    {
        using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        new LanguageModelHeader(Order, Alphabet, FusionWeight).Write(writer, Magic, Version);
        writer.Write(_keys.Length);
        ulong previous = 0;
        for (int index = 0; index < _keys.Length; index++)
        {
            writer.Write7BitEncodedInt64((long)(_keys[index] - previous)); // keys ascend: each is stored as the step from the one before
            previous = _keys[index];
            writer.Write((byte)Distinct(index));
            foreach (var (symbol, count) in Followers(index))
            {
                writer.Write(symbol);
                writer.Write7BitEncodedInt(count);
            }
        }
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not such a model, or is truncated or corrupt.</exception>
    public static CharacterLanguageModel Load(string path)
    {
        using var stream = new MemoryStream(File.ReadAllBytes(path)); // small; and a file stream's length is a system call per read
        var reader = new BoundedReader(stream, path);
        var (order, alphabet, weight) = LanguageModelHeader.Read(reader, path, Magic, Version, "character language model");
        ValidateShape(alphabet, order, path);
        const int SmallestContext = 1 + 1 + 2;
        int contextCount = reader.Count(reader.Int32(), "the number of contexts", (int)Math.Min(int.MaxValue, reader.Remaining / SmallestContext));
        int symbols = alphabet.Length + 2;
        var keys = new ulong[contextCount];
        var firstFollower = new int[contextCount + 1];
        var followerSymbol = new List<byte>();
        var followerCount = new List<int>();
        ulong key = 0;
        for (int c = 0; c < contextCount; c++)
        {
            ulong step = reader.VarUInt64("a context");
            key += step;
            int length = (int)(key >> LengthShift);
            if ((step == 0 && c > 0) || key < step || length >= order || (key & SymbolBits) >> (BitsPerSymbol * length) != 0 || !SymbolsBelow(key, length, symbols))
                throw new InvalidDataException($"{path}: context {c} is malformed or out of order; the file is corrupt");
            int followers = reader.Count(reader.Byte("a context"), "a context's followers", alphabet.Length + 1);
            if (followers == 0)
                throw new InvalidDataException($"{path}: context {c} has no followers; the file is corrupt");
            keys[c] = key;
            for (int f = 0; f < followers; f++)
            {
                byte symbol = reader.Byte("a follower");
                ulong count = reader.VarUInt64("a follower's count");
                if (symbol > alphabet.Length || count is < 1 or > int.MaxValue || (f > 0 && symbol <= followerSymbol[^1]))
                    throw new InvalidDataException($"{path}: context {c} has a malformed follower (symbol {symbol}, count {count}); the file is corrupt");
                followerSymbol.Add(symbol);
                followerCount.Add((int)count);
            }
            firstFollower[c + 1] = followerSymbol.Count;
        }
        if (!reader.AtEnd)
            throw new InvalidDataException($"{path}: {reader.Remaining} bytes follow the last context; the file is corrupt");
        return new CharacterLanguageModel(order, alphabet, weight, keys, firstFollower, [.. followerSymbol], [.. followerCount]);
    }

    static bool SymbolsBelow(ulong key, int length, int symbols)
    {
        for (int k = 0; k < length; k++)
            if (((key >> (BitsPerSymbol * k)) & SymbolMask) >= (ulong)symbols)
                return false;
        return true;
    }
}
