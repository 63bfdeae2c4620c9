using System.Globalization;

namespace SpeechToText.Training;

/// <summary>
/// Which voices read a corpus's training and seen-voice utterances, and how often: the training voices
/// (<see cref="Voice.Training"/>), with festival's Catalan voices reading a share of the utterances and, if asked,
/// the voices of Debian's contrib and non-free sections (<see cref="Voice.NonFree"/>).
/// </summary>
public sealed record VoiceMix
{
    /// <summary>The training voices alone.</summary>
    public static VoiceMix Free { get; } = new();

    /// <summary>The Catalan voices' share when they speak as one engine among equals (a quarter; <c>stt corpus --catalan-voice</c>).</summary>
    public static double CatalanEngineShare => 1.0 / TrainingWithCatalanByEngine.Count;

    /// <param name="catalanShare">The share of the utterances the Catalan voices read (0: none).</param>
    /// <param name="nonFree">Whether the voices of Debian's contrib and non-free sections read some too.</param>
    /// <exception cref="ArgumentOutOfRangeException">The share is not from 0 to below 1.</exception>
    public VoiceMix(double catalanShare = 0, bool nonFree = false)
    {
        if (!(catalanShare is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(catalanShare), catalanShare, "The Catalan voices' share is from 0 to below 1.");
        CatalanShare = catalanShare;
        NonFree = nonFree;
    }

    /// <summary>The share of the utterances festival's Catalan voices read (0: none).</summary>
    public double CatalanShare { get; }

    /// <summary>Whether the <see cref="Voice.NonFree"/> voices are among those that read.</summary>
    public bool NonFree { get; }

    /// <summary>
    /// A random voice of the mix. Without the Catalan voices, or at <see cref="CatalanEngineShare"/>, first the engine,
    /// each as likely as the others, then one of its voices (drawing among all voices at once gave espeak-ng's
    /// voice-variant pairs 97% of a corpus and flite's three voices 1% each, while a held-out voice is flite's); at
    /// another share, first whether the voice is Catalan, then as without them. With <see cref="NonFree"/>, their
    /// engines are among the engines drawn first (and the Catalan voices, if any, speak their share as at any other share).
    /// </summary>
    public Voice Pick(Random random)
    {
        var engines = NonFree ? TrainingWithNonFreeByEngine : TrainingByEngine;
        if (CatalanShare == 0)
            return PickOne(random, engines);
        if (CatalanShare == CatalanEngineShare && !NonFree)
            return PickOne(random, TrainingWithCatalanByEngine);
        return random.NextDouble() < CatalanShare ? PickOne(random, CatalanByEngine) : PickOne(random, engines);
    }

    /// <summary>The voices as a corpus's recipe names them (the recipe of corpora made before this type, unchanged).</summary>
    internal string Description
    {
        get
        {
            string nonFree = NonFree ? " " + string.Join(' ', Voice.NonFree) : "";
            string catalan = CatalanShare is 0 || CatalanShare == CatalanEngineShare ? "" : string.Create(CultureInfo.InvariantCulture, $", Catalan share {CatalanShare}");
            return string.Join(' ', CatalanShare > 0 ? Voice.TrainingWithCatalan : Voice.Training) + nonFree + catalan;
        }
    }

    static Voice PickOne(Random random, IReadOnlyList<IReadOnlyList<Voice>> engines)
    {
        var voices = engines[random.Next(engines.Count)];
        return voices[random.Next(voices.Count)];
    }

    // The voices grouped by engine, in the order of their lists.
    static readonly IReadOnlyList<IReadOnlyList<Voice>> TrainingByEngine = ByEngine(Voice.Training);
    static readonly IReadOnlyList<IReadOnlyList<Voice>> TrainingWithCatalanByEngine = ByEngine(Voice.TrainingWithCatalan);
    static readonly IReadOnlyList<IReadOnlyList<Voice>> TrainingWithNonFreeByEngine = ByEngine([.. Voice.Training, .. Voice.NonFree]);
    static readonly IReadOnlyList<IReadOnlyList<Voice>> CatalanByEngine = ByEngine([.. Voice.TrainingWithCatalan.Except(Voice.Training)]);

    static IReadOnlyList<IReadOnlyList<Voice>> ByEngine(IReadOnlyList<Voice> voices) => [.. voices.GroupBy(v => v.Engine).Select(g => (IReadOnlyList<Voice>)[.. g])];
}
