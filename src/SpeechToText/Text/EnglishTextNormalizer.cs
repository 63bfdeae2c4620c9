using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechToText.Text;

/// <summary>
/// Writes English the way the bundled model writes it, and the way transcripts are compared: lower case,
/// words of letters and inner apostrophes separated by single spaces, numbers and symbols spelled out,
/// common abbreviations expanded, all other punctuation removed.
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

    static readonly string[] Ones =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

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
        s = NumberPattern().Replace(s, m => " " + SpellNumber(m.Value) + " ");
        var letters = new StringBuilder(s.Length);
        foreach (char c in s)
            letters.Append(c is >= 'a' and <= 'z' or '\'' ? c : ' ');
        var words = letters.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('\''))
            .Where(w => w.Length > 0);
        return string.Join(' ', words);
    }

    /// <summary>A whole number in words ("one hundred twenty three"); numbers of more than six digits digit by digit.</summary>
    public static string SpellNumber(string digits)
    {
        digits = digits.Replace(",", "", StringComparison.Ordinal);
        if (digits.Length > 6 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return string.Join(' ', digits.Where(char.IsAsciiDigit).Select(d => Ones[d - '0']));
        return Spell(value);
    }

    static string Spell(int n)
    {
        if (n < 20)
            return Ones[n];
        if (n < 100)
            return Tens[n / 10] + (n % 10 > 0 ? " " + Ones[n % 10] : "");
        if (n < 1000)
            return Ones[n / 100] + " hundred" + (n % 100 > 0 ? " " + Spell(n % 100) : "");
        return Spell(n / 1000) + " thousand" + (n % 1000 > 0 ? " " + Spell(n % 1000) : "");
    }

    [GeneratedRegex(@"\d{1,3}(,\d{3})+|\d+")]
    private static partial Regex NumberPattern();
}
