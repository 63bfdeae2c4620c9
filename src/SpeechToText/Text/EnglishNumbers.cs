using System.Globalization;

namespace SpeechToText.Text;

/// <summary>
/// Numbers written in digits, spelled out as English words: cardinals ("125" one hundred twenty five),
/// ordinals ("21st" twenty first) and plurals ("60s" sixties, "1960s" nineteen sixties).
/// </summary>
static class EnglishNumbers
{
    static readonly string[] Ones =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    static readonly Dictionary<string, string> IrregularOrdinals = new(StringComparer.Ordinal)
    {
        ["one"] = "first", ["two"] = "second", ["three"] = "third", ["five"] = "fifth", ["eight"] = "eighth",
        ["nine"] = "ninth", ["twelve"] = "twelfth",
    };

    /// <summary>
    /// <paramref name="digits"/> (optionally with thousands separators) in words, followed by
    /// <paramref name="suffix"/>: "" for the number itself, "st", "nd", "rd" or "th" for its ordinal, "s" or
    /// "'s" for its plural. Numbers of more than six digits are read digit by digit, without a suffix.
    /// </summary>
    public static string Spell(string digits, string suffix)
    {
        digits = digits.Replace(",", "", StringComparison.Ordinal);
        if (digits.Length > 6 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return DigitByDigit(digits);
        return suffix switch
        {
            "st" or "nd" or "rd" or "th" => ReplaceLastWord(Cardinal(value), Ordinal),
            "s" or "'s" => Plural(value, digits.Length),
            _ => Cardinal(value),
        };
    }

    /// <summary>Each digit of <paramref name="digits"/> as a word ("014" zero one four).</summary>
    public static string DigitByDigit(string digits) => string.Join(' ', digits.Where(char.IsAsciiDigit).Select(d => Ones[d - '0']));

    static string Cardinal(int n)
    {
        if (n < 20)
            return Ones[n];
        if (n < 100)
            return Tens[n / 10] + (n % 10 > 0 ? " " + Ones[n % 10] : "");
        if (n < 1000)
            return Ones[n / 100] + " hundred" + (n % 100 > 0 ? " " + Cardinal(n % 100) : "");
        return Cardinal(n / 1000) + " thousand" + (n % 1000 > 0 ? " " + Cardinal(n % 1000) : "");
    }

    /// <summary>Decades are read as years ("1960s" nineteen sixties, "1900s" nineteen hundreds); "100s" is hundreds.</summary>
    static string Plural(int n, int digitCount)
    {
        if (digitCount == 4 && n % 10 == 0 && n % 1000 != 0)
            return Cardinal(n / 100) + " " + (n % 100 == 0 ? "hundreds" : Plural(n % 100, 2));
        if (n is 100 or 1000)
            return n == 100 ? "hundreds" : "thousands";
        return ReplaceLastWord(Cardinal(n), word => word.EndsWith('y') ? word[..^1] + "ies" : word.EndsWith('x') ? word + "es" : word + "s");
    }

    static string Ordinal(string word) =>
        IrregularOrdinals.TryGetValue(word, out var ordinal) ? ordinal : word.EndsWith('y') ? word[..^1] + "ieth" : word + "th";

    static string ReplaceLastWord(string words, Func<string, string> change)
    {
        int start = words.LastIndexOf(' ') + 1;
        return words[..start] + change(words[start..]);
    }
}
