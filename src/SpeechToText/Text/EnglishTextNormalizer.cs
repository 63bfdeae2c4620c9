using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechToText.Text;

/// <summary>
/// Writes English the way the bundled model writes it, and the way transcripts are compared: lower case,
/// words of letters and inner apostrophes separated by single spaces, numbers (ordinals and plurals too) and
/// symbols spelled out, common abbreviations expanded, all other punctuation removed.
/// </summary>
public static partial class EnglishTextNormalizer
{
    static readonly (string From, string To)[] Abbreviations =
    [
        ("mr.", "mister"), ("mrs.", "missus"), ("ms.", "miz"), ("dr.", "doctor"), ("st.", "saint"), ("jr.", "junior"),
        ("sr.", "senior"), ("prof.", "professor"), ("e.g.", "for example"), ("i.e.", "that is"), ("etc.", "et cetera"),
        ("vs.", "versus"), ("no.", "number"), ("approx.", "approximately"),
    ];

    static readonly (string Symbol, string Word)[] Symbols = [("&", " and "), ("%", " percent "), ("+", " plus "), ("@", " at "), ("=", " equals ")];

    /// <summary>The normalised form of <paramref name="text"/>.</summary>
    public static string Normalize(string text)
    {
        string s = new string(text.Normalize(NormalizationForm.FormKD)
            .Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray()).ToLowerInvariant();
        s = s.Replace('’', '\'').Replace('‘', '\'');
        foreach (var (from, to) in Abbreviations)
            s = Regex.Replace(s, $@"(?<![a-z]){Regex.Escape(from)}", to + " ");
        foreach (var (symbol, word) in Symbols)
            s = s.Replace(symbol, word, StringComparison.Ordinal);
        s = NumberPattern().Replace(s, m => " " + EnglishNumbers.Spell(m.Groups["digits"].Value, m.Groups["suffix"].Value) + " ");
        var letters = new StringBuilder(s.Length);
        foreach (char c in s)
            letters.Append(c is >= 'a' and <= 'z' or '\'' ? c : ' ');
        var words = letters.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('\''))
            .Where(w => w.Length > 0);
        return string.Join(' ', words);
    }

    [GeneratedRegex(@"(?<digits>\d{1,3}(,\d{3})+|\d+)((?<suffix>st|nd|rd|th|'?s)(?![a-z']))?")]
    private static partial Regex NumberPattern();
}
