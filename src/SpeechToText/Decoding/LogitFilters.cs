using SpeechToText.Text;

namespace SpeechToText.Decoding;

/// <summary>A rule applied to the next-token logits before a token is chosen (openai/whisper's LogitFilter).</summary>
public interface ILogitFilter
{
    /// <summary>Changes <paramref name="logits"/> in place, given the tokens sampled so far after the prompt.</summary>
    void Apply(Span<float> logits, IReadOnlyList<int> sampled);
}

/// <summary>
/// At the first sampled position, forbids a blank (" ") and, when given, <paramref name="endOfText"/>: a transcript
/// does not start empty.
/// </summary>
public sealed class SuppressBlank(IReadOnlyList<int> blankTokens, int? endOfText) : ILogitFilter
{
    /// <summary>
    /// The filter for <paramref name="tokenizer"/>'s vocabulary. A Whisper model says that a window holds no speech
    /// with &lt;|nospeech|&gt; (see <see cref="DecodingOptions.NoSpeechThreshold"/>), and is not let end at once; a
    /// model without that token (the bundled one) says it by ending at once, and is let.
    /// </summary>
    public static SuppressBlank For(WhisperTokenizer tokenizer) =>
        new(tokenizer.TryEncode(" ") ?? [], tokenizer.Special.NoSpeech == SpecialTokens.Absent ? null : tokenizer.Special.EndOfText);

    /// <inheritdoc />
    public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
    {
        if (sampled.Count > 0)
            return;
        foreach (int token in blankTokens)
            logits[token] = float.NegativeInfinity;
        if (endOfText is { } end)
            logits[end] = float.NegativeInfinity;
    }
}

/// <summary>Forbids a fixed set of tokens at every step.</summary>
public sealed class SuppressTokens(IEnumerable<int> tokens) : ILogitFilter
{
    // Symbols that are not speech: a transcript should not contain them (openai/whisper's non_speech_tokens).
    const string SingleSymbols = "\"#()*+/:;<=>@[\\]^_`{|}~「」『』";
    static readonly string[] SymbolRuns = "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".Split(' ');
    const string MusicSymbols = "♩♪♫♬♭♮♯";

    readonly int[] _tokens = tokens.Distinct().Order().ToArray();

    /// <summary>The suppressed token ids, sorted.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>
    /// The reference default (suppress_tokens = -1): non-speech symbols and the special tokens other
    /// than timestamps and &lt;|endoftext|&gt;.
    /// </summary>
    public static SuppressTokens Default(WhisperTokenizer tokenizer)
    {
        var special = tokenizer.Special;
        int[] specials = [special.Transcribe, special.Translate, special.StartOfTranscript, special.StartOfPrevious, special.StartOfLm, special.NoSpeech];
        return new SuppressTokens(NonSpeechTokens(tokenizer).Concat(specials.Where(t => t != SpecialTokens.Absent)));
    }

    /// <summary>All timestamp tokens: for decoding without timestamps.</summary>
    public static SuppressTokens Timestamps(SpecialTokens special, int vocabularySize) =>
        new(special.HasTimestamps ? Enumerable.Range(special.TimestampBegin, vocabularySize - special.TimestampBegin) : []);

    /// <summary>
    /// Tokens of symbols that are not speech: each symbol alone or after a space when it is one token
    /// (the first token of the music symbols in any case), and the tokens of " -" and " '", so that
    /// hyphens and apostrophes stay allowed inside words but do not start them.
    /// </summary>
    public static IEnumerable<int> NonSpeechTokens(WhisperTokenizer tokenizer)
    {
        var result = new HashSet<int>();
        foreach (string start in new[] { " -", " '" })
        {
            // One token in byte-level BPE; in a character vocabulary the first token would be the space itself.
            if (tokenizer.TryEncode(start) is [int only])
                result.Add(only);
        }
        var symbols = SingleSymbols.Select(c => c.ToString()).Concat(SymbolRuns);
        var music = MusicSymbols.Select(c => c.ToString()).ToHashSet();
        foreach (string symbol in symbols.Concat(music))
        {
            foreach (var tokens in new[] { tokenizer.TryEncode(symbol), tokenizer.TryEncode(" " + symbol) })
            {
                if (tokens is { Count: > 0 } && (tokens.Count == 1 || music.Contains(symbol)))
                    result.Add(tokens[0]);
            }
        }
        return result;
    }

    /// <inheritdoc />
    public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
    {
        foreach (int token in _tokens)
        {
            if (token < logits.Length)
                logits[token] = float.NegativeInfinity;
        }
    }
}

/// <summary>
/// Whisper's timestamp rules: no &lt;|notimestamps|&gt;; timestamps in pairs (after a lone opening one
/// comes text, after text-then-timestamp comes a timestamp or the end); timestamps never decrease and a
/// segment never has zero length; the first token is a timestamp no later than the maximum initial
/// timestamp. The reference applies <see cref="PreferTimestamps"/> right after these.
/// </summary>
/// <param name="special">The vocabulary's special tokens.</param>
/// <param name="maxInitialTimestampIndex">The latest timestamp allowed first (50 = 1 s), or null for no limit.</param>
/// <param name="forceInitialTimestamp">Whether the first token must be a timestamp, as in the reference
/// implementation; whisper.cpp lets it be text (and then takes the segment start from the most likely timestamp).</param>
public sealed class TimestampRules(SpecialTokens special, int? maxInitialTimestampIndex, bool forceInitialTimestamp = true) : ILogitFilter
{
    /// <summary>The default maximum initial timestamp: 1 s, i.e. index 50.</summary>
    public const double DefaultMaxInitialTimestamp = 1.0;

    /// <summary>
    /// The index of the latest timestamp allowed first for a maximum of <paramref name="seconds"/> (rounded half to
    /// even, as the reference rounds), or null for no limit: the reference sets none for 0.
    /// </summary>
    public static int? MaxInitialTimestampIndex(double seconds) =>
        seconds > 0 ? (int)Math.Round(seconds / SpecialTokens.SecondsPerTimestamp) : null;

    /// <inheritdoc />
    public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
    {
        int begin = special.TimestampBegin;
        if (special.NoTimestamps != SpecialTokens.Absent)
            logits[special.NoTimestamps] = float.NegativeInfinity;

        bool lastWasTimestamp = sampled.Count >= 1 && special.IsTimestamp(sampled[^1]);
        bool penultimateWasTimestamp = sampled.Count < 2 || special.IsTimestamp(sampled[^2]);
        if (lastWasTimestamp)
        {
            if (penultimateWasTimestamp)
                logits[begin..].Fill(float.NegativeInfinity);              // must be text
            else
                logits[..special.EndOfText].Fill(float.NegativeInfinity);  // must be a timestamp or the end
        }

        int lastTimestamp = -1;
        for (int i = sampled.Count - 1; i >= 0 && lastTimestamp < 0; i--)
        {
            if (special.IsTimestamp(sampled[i]))
                lastTimestamp = sampled[i];
        }
        if (lastTimestamp >= 0)
        {
            // Timestamps never decrease: the next segment may start where the last one closed, but a segment's
            // end must be strictly after its start (no zero-length segments, which could loop forever).
            int firstAllowed = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
            logits[begin..Math.Min(firstAllowed, logits.Length)].Fill(float.NegativeInfinity);
        }

        if (sampled.Count == 0)
        {
            if (forceInitialTimestamp)
                logits[..begin].Fill(float.NegativeInfinity);
            if (maxInitialTimestampIndex is { } maxIndex && begin + maxIndex + 1 < logits.Length)
                logits[(begin + maxIndex + 1)..].Fill(float.NegativeInfinity);
        }
    }
}

/// <summary>
/// When all timestamp tokens together are more likely than the most likely text token, the next token
/// must be a timestamp (the last of the reference timestamp rules).
/// </summary>
public sealed class PreferTimestamps(SpecialTokens special) : ILogitFilter
{
    /// <inheritdoc />
    public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
    {
        if (Margin(logits) > 0)
            logits[..special.TimestampBegin].Fill(float.NegativeInfinity);
    }

    /// <summary>log(Σ p(timestamp)) − log(max p(text)): positive when this rule forces a timestamp.</summary>
    public double Margin(ReadOnlySpan<float> logits) =>
        LogitMath.LogSumExp(logits[special.TimestampBegin..]) - LogitMath.Max(logits[..special.TimestampBegin]);
}
