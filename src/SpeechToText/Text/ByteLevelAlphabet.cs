using System.Text;

namespace SpeechToText.Text;

/// <summary>
/// GPT-2's byte-level alphabet: every byte is written as one printable character (printable Latin-1
/// bytes as themselves, the others as U+0100 onwards), which is how Hugging Face vocab.json files spell
/// byte-level tokens.
/// </summary>
public static class ByteLevelAlphabet
{
    static readonly char[] ByteToChar = BuildTable();
    static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The vocab.json spelling of <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
            text.Append(ByteToChar[b]);
        return text.ToString();
    }

    /// <summary>The bytes a vocab.json token stands for, or null if it uses characters outside the alphabet.</summary>
    public static byte[]? Decode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i]))
                return null;
        }
        return bytes;
    }

    static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
