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

    /// <summary>An unstressed "-ing" as "-in".</summary>
    GDropping = 16,

    /// <summary>The vowels of "face" and "goat" as single long vowels (e:, o:).</summary>
    Monophthongs = 32,

    /// <summary>The short vowels of "bit" and "put" as the long ones of "beat" and "boot".</summary>
    TenseLaxMerger = 64,

    /// <summary>A word's last consonant voiceless ("dok" for "dog", "bet" for "bed").</summary>
    FinalDevoicing = 128,

    /// <summary>v as w ("wery" for "very"); a "th" fronted to v stays v.</summary>
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
    /// 0.3; never no change at all. Without <paramref name="monophthongs"/> (MBROLA's English diphones have no e: or
    /// o:), never <see cref="AccentFeature.Monophthongs"/>.
    /// </summary>
    public static Accent Random(Random random, bool monophthongs = true)
    {
        while (true)
        {
            var features = random.Next(3) switch { 0 => AccentFeature.ThStopping, 1 => AccentFeature.ThFronting, _ => AccentFeature.None };
            foreach (var feature in Independent)
                if (random.NextDouble() < 0.3 && (monophthongs || feature != AccentFeature.Monophthongs))
                    features |= feature;
            if (features != AccentFeature.None)
                return new Accent(features);
        }
    }

    /// <summary>
    /// <paramref name="phonemes"/> (espeak-ng's English mnemonics, words separated by spaces, stress marks
    /// <c>'</c> and <c>,</c> in them, pauses such as <c>_:</c> after some) with this accent's changes. espeak-ng writes
    /// some short words together with the next ("DatD@2" for "that the"): those count as one word.
    /// </summary>
    public string Apply(string phonemes) =>
        string.Join(' ', phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ApplyToWord));

    /// <summary>The word's changes, each on the sounds the speaker meant (a "th" stopped to t is no final t to drop).</summary>
    string ApplyToWord(string phonemes)
    {
        var pause = TrailingPause().Match(phonemes);
        string word = phonemes[..pause.Index];
        if (Has(AccentFeature.VAsW))
            word = word.Replace('v', 'w');
        if (Has(AccentFeature.FinalClusterReduction))
            word = ClusterEnd().Replace(word, "$1");
        if (Has(AccentFeature.ThStopping))
            word = word.Replace('T', 't').Replace('D', 'd');
        if (Has(AccentFeature.ThFronting))
            word = word.Replace('T', 'f').Replace('D', 'v');
        if (Has(AccentFeature.HDropping) && word.StartsWith('h'))
            word = word[1..];
        if (Has(AccentFeature.GDropping))
            word = UnstressedIng().Replace(word, "$1In");
        if (Has(AccentFeature.Monophthongs))
            word = word.Replace("eI", "e:", StringComparison.Ordinal).Replace("oU", "o:", StringComparison.Ordinal);
        if (Has(AccentFeature.TenseLaxMerger))
            word = ShortU().Replace(ShortI().Replace(word, "i:"), "u:");
        if (Has(AccentFeature.FinalDevoicing))
            word = Devoiced(word);
        return word + pause.Value;
    }

    bool Has(AccentFeature feature) => (Features & feature) != 0;

    /// <summary>The word with its last consonant voiceless (dZ as tS; z, v, d, b, g, Z, D as s, f, t, p, k, S, T).</summary>
    static string Devoiced(string word)
    {
        if (word.EndsWith("dZ", StringComparison.Ordinal))
            return word[..^2] + "tS";
        int voiced = "zvdbgZD".IndexOf(word.Length > 1 ? word[^1] : ' ', StringComparison.Ordinal);
        return voiced < 0 ? word : word[..^1] + "sftpkST"[voiced];
    }

    /// <summary>A word-final t or d (with espeak-ng's flap mark #) after another consonant.</summary>
    [GeneratedRegex("([pbkgfvszSZTDmnNl])[td]#?$")]
    private static partial Regex ClusterEnd();

    /// <summary>Pauses espeak-ng writes after a word (<c>_:_:</c> before "and"), which end-of-word changes look past.</summary>
    [GeneratedRegex("(_[:!]?)*$")]
    private static partial Regex TrailingPause();

    /// <summary>A word's last "-ing" (IN) in an unstressed syllable: "thinking" but not "king" (k'IN) or "thing".</summary>
    [GeneratedRegex("([^',])IN$")]
    private static partial Regex UnstressedIng();

    /// <summary>The vowel I alone: not the second half of aI, OI, eI, nor the first of I@, nor I2 or I#.</summary>
    [GeneratedRegex("(?<![aOe])I(?![@2#])")]
    private static partial Regex ShortI();

    /// <summary>The vowel U alone: not the second half of aU, oU, nor the first of U@.</summary>
    [GeneratedRegex("(?<![ao])U(?!@)")]
    private static partial Regex ShortU();

    /// <inheritdoc />
    public override string ToString() => Features.ToString().Replace(", ", "+", StringComparison.Ordinal);
}
