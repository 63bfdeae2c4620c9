using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace SpeechToText.Text;

/// <summary>
/// Whisper's tokenizer: GPT-2 byte-level BPE for text (on Microsoft.ML.Tokenizers) plus the special and
/// timestamp tokens of <see cref="SpecialTokens"/>.
/// </summary>
public sealed partial class WhisperTokenizer
{
    readonly TiktokenTokenizer _bpe;
    readonly IReadOnlyList<byte[]> _tokenBytes;

    WhisperTokenizer(TiktokenTokenizer bpe, IReadOnlyList<byte[]> tokenBytes, SpecialTokens special)
    {
        _bpe = bpe;
        _tokenBytes = tokenBytes;
        Special = special;
    }

    /// <summary>The special token ids.</summary>
    public SpecialTokens Special { get; }

    /// <summary>Text tokens (ids below this are text).</summary>
    public int TextTokenCount => _tokenBytes.Count;

    /// <summary>
    /// Builds the tokenizer from the text tokens' bytes in rank order (as a ggml file stores them, or as
    /// tiktoken's ranks list them) and the special-token layout.
    /// </summary>
    public static WhisperTokenizer FromRanks(IReadOnlyList<byte[]> tokenBytes, SpecialTokens special)
    {
        var ranks = new StringBuilder();
        for (int rank = 0; rank < tokenBytes.Count; rank++)
            ranks.Append(Convert.ToBase64String(tokenBytes[rank])).Append(' ').Append(rank).Append('\n');
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(ranks.ToString()));
        var specials = new Dictionary<string, int> { ["<|endoftext|>"] = special.EndOfText };
        var bpe = TiktokenTokenizer.Create(stream, new RegexPreTokenizer(Gpt2Pattern(), specials), normalizer: null, specials);
        return new WhisperTokenizer(bpe, tokenBytes, special);
    }

    /// <summary>The token ids of <paramref name="text"/> (text tokens only; special-token names are not recognised).</summary>
    public IReadOnlyList<int> Encode(string text) => _bpe.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false);

    /// <summary>The token ids of <paramref name="text"/>, or null when the vocabulary cannot spell it.</summary>
    public IReadOnlyList<int>? TryEncode(string text)
    {
        try
        {
            var tokens = Encode(text);
            return tokens.Count > 0 || text.Length == 0 ? tokens : null;
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The text of <paramref name="tokens"/>, skipping special and timestamp tokens; invalid UTF-8 becomes U+FFFD.</summary>
    public string Decode(IEnumerable<int> tokens)
    {
        var bytes = new List<byte>();
        foreach (int token in tokens)
        {
            if (token >= 0 && token < _tokenBytes.Count)
                bytes.AddRange(_tokenBytes[token]);
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>The raw bytes of text token <paramref name="token"/>.</summary>
    public ReadOnlySpan<byte> BytesOf(int token) => _tokenBytes[token];

    // GPT-2's pre-tokenisation: contractions, letters, digits, other symbols, each with an optional leading space.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Pattern();
}
