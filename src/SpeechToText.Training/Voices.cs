namespace SpeechToText.Training;

/// <summary>
/// A speech synthesis voice: engine and voice name (espeak-ng voice + variant, flite voice, festival voice, festival's
/// Catalan voice reading English, or a voice of Debian's contrib and non-free sections: SVOX Pico, RHVoice, MBROLA).
/// </summary>
public sealed record Voice(string Engine, string Name)
{
    /// <summary>espeak-ng's English voices.</summary>
    public static readonly string[] EspeakVoices = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc", "en-029"];

    /// <summary>
    /// espeak-ng's voice variants (speaker characters: men, women, children, old, whispering, robotic), all 101
    /// of espeak-ng 1.51 (<c>espeak-ng --voices=variant</c>), and the voice without a variant.
    /// </summary>
    public static readonly string[] EspeakVariants =
    [
        "", "adam", "Alex", "Alicia", "Andrea", "Andy", "anika", "anikaRobot", "Annie", "announcer", "antonio",
        "AnxiousAndy", "aunty", "belinda", "benjamin", "boris", "caleb", "croak", "david", "Demonic", "Denis", "Diogo",
        "ed", "edward", "edward2", "f1", "f2", "f3", "f4", "f5", "fast", "Gene", "Gene2", "grandma", "grandpa",
        "gustave", "Henrique", "Hugo", "iven", "iven2", "iven3", "iven4", "Jacky", "john", "kaukovalta", "klatt",
        "klatt2", "klatt3", "klatt4", "klatt5", "klatt6", "Lee", "linda", "m1", "m2", "m3", "m4", "m5", "m6", "m7",
        "m8", "marcelo", "Marco", "Mario", "max", "Michael", "michel", "miguel", "Mike", "Mr", "Nguyen", "norbert",
        "pablo", "paul", "pedro", "quincy", "RicishayMax", "RicishayMax2", "RicishayMax3", "rob", "robert", "robosoft",
        "robosoft2", "robosoft3", "robosoft4", "robosoft5", "robosoft6", "robosoft7", "robosoft8", "sandro", "shelby",
        "steph", "steph2", "steph3", "Storm", "travis", "Tweaky", "UniRobot", "victor", "whisper", "whisperf", "zac",
    ];

    /// <summary>flite's 16 kHz voices.</summary>
    public static readonly string[] FliteVoices = ["kal16", "awb", "rms", "slt"];

    /// <summary>festival's English diphone voices in Debian (two American men).</summary>
    public static readonly string[] FestivalVoices = ["kal_diphone", "ked_diphone"];

    /// <summary>
    /// festival's Catalan HTS voice in Debian (ona, a woman), which reads English with a Catalan accent (engine
    /// <c>festival-ca</c>): every English voice with a natural-sounding timbre here is a man's, and a held-out voice is a woman's.
    /// </summary>
    public static readonly string[] FestivalCatalanVoices = ["upc_ca_ona_hts"];

    /// <summary>SVOX Pico's English voices (<c>pico2wave</c>, Debian non-free <c>libttspico-utils</c>, Apache 2.0): an American and a British woman.</summary>
    public static readonly string[] PicoVoices = ["en-US", "en-GB"];

    /// <summary>
    /// RHVoice's English voices made from the CMU ARCTIC recordings (Debian non-free <c>rhvoice-english</c>, LGPL):
    /// alan (a Scottish man), bdl (an American man) and clb (an American woman). Its slt is the held-out flite voice's
    /// speaker, and its evgeniy-eng and lyubov are licensed for non-commercial use only: none of those three.
    /// </summary>
    public static readonly string[] RhVoices = ["alan", "bdl", "clb"];

    /// <summary>
    /// MBROLA's English diphone voices, spoken through espeak-ng (Debian contrib <c>mbrola</c>, non-free
    /// <c>mbrola-us1</c> etc.; licensed for synthesising speech with MBROLA): an American woman (us1), two American
    /// men (us2, us3) and a British man (en1).
    /// </summary>
    public static readonly string[] MbrolaVoices = ["mb-us1", "mb-us2", "mb-us3", "mb-en1"];

    /// <summary>Voices never used in training: a female flite voice and the Caribbean espeak-ng voice.</summary>
    public static readonly Voice[] HeldOut = [new("flite", "slt"), new("espeak-ng", "en-029")];

    /// <summary>Whether this voice is held out of training.</summary>
    public bool IsHeldOut => HeldOut.Any(h => h.Engine == Engine && (Name == h.Name || Name.StartsWith(h.Name + "+", StringComparison.Ordinal)));

    /// <summary>Every training voice: each espeak-ng voice with each variant, and the flite and festival voices not held out.</summary>
    public static IReadOnlyList<Voice> Training { get; } =
    [
        .. EspeakVoices.SelectMany(v => EspeakVariants.Select(x => new Voice("espeak-ng", x.Length == 0 ? v : $"{v}+{x}"))).Where(v => !v.IsHeldOut),
        .. FliteVoices.Select(v => new Voice("flite", v)).Where(v => !v.IsHeldOut),
        .. FestivalVoices.Select(v => new Voice("festival", v)),
    ];

    /// <summary>
    /// The voices of Debian's contrib and non-free sections (engines <c>pico</c>, <c>rhvoice</c> and <c>mbrola</c>), for
    /// a corpus that asks for them (<c>scripts/install-voices</c> installs them): natural-sounding women's voices,
    /// which the other engines lack.
    /// </summary>
    public static IReadOnlyList<Voice> NonFree { get; } =
    [
        .. PicoVoices.Select(v => new Voice("pico", v)),
        .. RhVoices.Select(v => new Voice("rhvoice", v)),
        .. MbrolaVoices.Select(v => new Voice("mbrola", v)),
    ];

    /// <summary>
    /// The training voices and festival's Catalan voices reading English, for a corpus that asks for them (trained on,
    /// they made the held-out woman's voice worse: see the model card's history).
    /// </summary>
    public static IReadOnlyList<Voice> TrainingWithCatalan { get; } = [.. Training, .. FestivalCatalanVoices.Select(v => new Voice("festival-ca", v))];

    /// <inheritdoc />
    public override string ToString() => $"{Engine}:{Name}";
}
