using System.Text.RegularExpressions;

namespace SpeechToText.Training;

/// <summary>A pronunciation change found in many accents of English, as <see cref="Accent"/> applies it.</summary>
[Flags]
public enum AccentFeature
{
    /// <summary>No change.</summary>
    None = 0,

    /// <summary>"th" as t and d ("dere" for "there").</summary>
    ThStopping = 1,

    /// <summary>"th" as f and v ("fink" for "think"); never with <see cref="ThStopping"/>.</summary>
    ThFronting = 2,

    /// <summary>No h at the start of a word ("'ouse").</summary>
    HDropping = 4,

    /// <summary>A word's last t or d after another consonant left out ("lef" for "left", "an" for "and").</summary>
    FinalClusterReduction = 8,

    /// <summary>"-ing" as "-in".</summary>
    GDropping = 16,

    /// <summary>The vowels of "face" and "goat" as single long vowels (e:, o:).</summary>
    Monophthongs = 32,

    /// <summary>The short vowels of "bit" and "put" as the long ones of "beat" and "boot".</summary>
    TenseLaxMerger = 64,

    /// <summary>A word's last consonant voiceless ("dok" for "dog", "bet" for "bed").</summary>
    FinalDevoicing = 128,

    /// <summary>v as w ("wery" for "very").</summary>
    VAsW = 256,
}

/// <summary>
/// A synthetic accent: pronunciation changes (<see cref="AccentFeature"/>) applied to the phonemes espeak-ng would
/// speak (its mnemonics, <c>espeak-ng -x</c>), which the same voice then speaks. It gives the training voices'
/// speech the variation of accents no installable voice has, at the level of sounds, while the text stays.
/// </summary>
public sealed partial record Accent(AccentFeature Features)
{
    static readonly AccentFeature[] Independent =
    [
        AccentFeature.HDropping, AccentFeature.FinalClusterReduction, AccentFeature.GDropping, AccentFeature.Monophthongs,
        AccentFeature.TenseLaxMerger, AccentFeature.FinalDevoicing, AccentFeature.VAsW,
    ];

    /// <summary>
    /// A random accent: "th" stopped, fronted or kept (a third each), and each other change with probability
    /// 0.3; never no change at all.
    /// </summary>
    public static Accent Random(Random random)
    {
        while (true)
        {
            var features = random.Next(3) switch { 0 => AccentFeature.ThStopping, 1 => AccentFeature.ThFronting, _ => AccentFeature.None };
            foreach (var feature in Independent)
                if (random.NextDouble() < 0.3)
                    features |= feature;
            if (features != AccentFeature.None)
                return new Accent(features);
        }
    }

    /// <summary>
    /// <paramref name="phonemes"/> (espeak-ng's English mnemonics, words separated by spaces, stress marks
    /// <c>'</c> and <c>,</c> in them) with this accent's changes.
    /// </summary>
    public string Apply(string phonemes) =>
        string.Join(' ', phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ApplyToWord));

    string ApplyToWord(string word)
    {
        if (Has(AccentFeature.ThStopping))
            word = word.Replace('T', 't').Replace('D', 'd');
        if (Has(AccentFeature.ThFronting))
            word = word.Replace('T', 'f').Replace('D', 'v');
        if (Has(AccentFeature.HDropping) && word.StartsWith('h'))
            word = word[1..];
        if (Has(AccentFeature.GDropping) && word.EndsWith("IN", StringComparison.Ordinal))
            word = word[..^1] + "n";
        if (Has(AccentFeature.FinalClusterReduction))
            word = ClusterEnd().Replace(word, "$1");
        if (Has(AccentFeature.Monophthongs))
            word = word.Replace("eI", "e:", StringComparison.Ordinal).Replace("oU", "o:", StringComparison.Ordinal);
        if (Has(AccentFeature.TenseLaxMerger))
            word = ShortU().Replace(ShortI().Replace(word, "i:"), "u:");
        if (Has(AccentFeature.VAsW))
            word = word.Replace('v', 'w');
        if (Has(AccentFeature.FinalDevoicing))
            word = Devoiced(word);
        return word;
    }

    bool Has(AccentFeature feature) => (Features & feature) != 0;

    /// <summary>The word with its last consonant voiceless (dZ as tS; z, v, d, b, g, Z as s, f, t, p, k, S).</summary>
    static string Devoiced(string word)
    {
        if (word.EndsWith("dZ", StringComparison.Ordinal))
            return word[..^2] + "tS";
        int voiced = "zvdbgZ".IndexOf(word.Length > 1 ? word[^1] : ' ', StringComparison.Ordinal);
        return voiced < 0 ? word : word[..^1] + "sftpkS"[voiced];
    }

    /// <summary>A word-final t or d (with espeak-ng's flap mark #) after another consonant.</summary>
    [GeneratedRegex("([pbkgfvszSZTDmnNl])[td]#?$")]
    private static partial Regex ClusterEnd();

    /// <summary>The vowel I alone: not the second half of aI, OI, eI, nor the first of I@, nor I2 or I#.</summary>
    [GeneratedRegex("(?<![aOe])I(?![@2#])")]
    private static partial Regex ShortI();

    /// <summary>The vowel U alone: not the second half of aU, oU, nor the first of U@.</summary>
    [GeneratedRegex("(?<![ao])U(?!@)")]
    private static partial Regex ShortU();

    /// <inheritdoc />
    public override string ToString() => Features.ToString().Replace(", ", "+", StringComparison.Ordinal);
}
