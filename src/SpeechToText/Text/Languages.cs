namespace SpeechToText.Text;

/// <summary>Whisper's languages, in the order of their tokens (&lt;|en|&gt; first; Cantonese only from large-v3).</summary>
public static class Languages
{
    /// <summary>Language codes in token order.</summary>
    public static IReadOnlyList<string> Codes { get; } =
    [
        "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi", "vi",
        "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk",
        "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
        "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo",
        "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue",
    ];

    /// <summary>The position of <paramref name="code"/> (read case-blind) among <see cref="Codes"/>, or -1 when it is none.</summary>
    internal static int IndexOf(string code)
    {
        for (int i = 0; i < Codes.Count; i++)
        {
            if (Codes[i].Equals(code, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    /// <summary>What is said of a language code that is none of <see cref="Codes"/>.</summary>
    internal static string Unknown(string code) => $"Unknown language \"{code}\"; use a code such as en, de, fr, es, ja, zh.";
}
