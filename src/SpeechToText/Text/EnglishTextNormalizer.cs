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
        ("vs.", "versus"), ("approx.", "approximately"),
    ];

    static readonly (char Symbol, string Unit, string OneUnit, string Cents)[] Currencies =
        [('$', "dollars", "dollar", "cents"), ('£', "pounds", "pound", "pence"), ('€', "euros", "euro", "cents")];

    static readonly (string Symbol, string Word)[] Symbols = [("&", " and "), ("%", " percent "), ("+", " plus "), ("@", " at "), ("=", " equals ")];

    /// <summary>The normalised form of <paramref name="text"/>.</summary>
    public static string Normalize(string text)
    {
        string s = new string(text.Normalize(NormalizationForm.FormKD)
            .Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray()).ToLowerInvariant();
        s = s.Replace('’', '\'').Replace('‘', '\'');
        foreach (var (from, to) in Abbreviations)
            s = Regex.Replace(s, $@"(?<![a-z0-9]){Regex.Escape(from)}", to + " ");
        s = NumberAbbreviation().Replace(s, "number ");
        s = MoneyPattern().Replace(s, m => " " + SpellMoney(m) + " ");
        foreach (var (symbol, word) in Symbols)
            s = s.Replace(symbol, word, StringComparison.Ordinal);
        s = DecimalPattern().Replace(s, m => " " + EnglishNumbers.Spell(m.Groups["whole"].Value, "") + " point " + EnglishNumbers.DigitByDigit(m.Groups["fraction"].Value) + " ");
        s = NumberPattern().Replace(s, m => " " + EnglishNumbers.Spell(m.Groups["digits"].Value, m.Groups["suffix"].Value) + " ");
        var letters = new StringBuilder(s.Length);
        foreach (char c in s)
            letters.Append(c is >= 'a' and <= 'z' or '\'' ? c : ' ');
        var words = letters.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('\''))
            .Where(w => w.Length > 0);
        return string.Join(' ', words);
    }

    /// <summary>"$5" five dollars, "$1.50" one dollar and fifty cents (pounds and pence, euros and cents alike).</summary>
    static string SpellMoney(Match money)
    {
        var (_, unit, oneUnit, cents) = Currencies.First(c => c.Symbol == money.Groups["symbol"].Value[0]);
        string whole = money.Groups["whole"].Value, fraction = money.Groups["fraction"].Value;
        string spelled = EnglishNumbers.Spell(whole, "") + " " + (whole == "1" ? oneUnit : unit);
        return fraction.Length == 0 || fraction == "00" ? spelled : spelled + " and " + EnglishNumbers.Spell(fraction, "") + " " + cents;
    }

    /// <summary>"no." is number only before a number ("no. 5"); elsewhere it is the word no.</summary>
    [GeneratedRegex(@"(?<![a-z0-9])no\.(?=\s*\d)")]
    private static partial Regex NumberAbbreviation();

    [GeneratedRegex(@"(?<symbol>[$£€])\s?(?<whole>\d{1,3}(,\d{3})+|\d+)(\.(?<fraction>\d\d)(?!\d))?")]
    private static partial Regex MoneyPattern();

    /// <summary>"3.14" three point one four: the digits after the point are read one by one.</summary>
    [GeneratedRegex(@"(?<![\d.])(?<whole>\d+)\.(?<fraction>\d+)(?![\d.])")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"(?<digits>\d{1,3}(,\d{3})+|\d+)((?<suffix>st|nd|rd|th|'?s)(?![a-z']))?")]
    private static partial Regex NumberPattern();
}
