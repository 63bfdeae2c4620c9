using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

/// <summary>
/// Accents rewrite espeak-ng's phoneme mnemonics (<c>espeak-ng -x</c>): T and D are the "th" sounds, ' and , mark
/// stress, # marks a flap, words are separated by spaces.
/// </summary>
public sealed class AccentTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(AccentFeature.ThStopping, "De@ T'INk", "de@ t'INk")]
    [InlineData(AccentFeature.ThFronting, "De@ T'INk", "ve@ f'INk")]
    [InlineData(AccentFeature.HDropping, "h@l'oU h'Id b@h'aInd", "@l'oU 'Id b@h'aInd")]
    [InlineData(AccentFeature.FinalClusterReduction, "l'Eft and 'oUld w'Ent b'Ut n,0t#", "l'Ef an 'oUl w'En b'Ut n,0t#")]
    [InlineData(AccentFeature.GDropping, "g,oUIN T'INkIN k'IN", "g,oUIn T'INkIn k'IN")]
    [InlineData(AccentFeature.Monophthongs, "d'eI g'oU", "d'e: g'o:")]
    [InlineData(AccentFeature.TenseLaxMerger, "b'It p'Ut n'aIs b'OI h'aU n'I@ g'oU", "b'i:t p'u:t n'aIs b'OI h'aU n'I@ g'oU")]
    [InlineData(AccentFeature.FinalDevoicing, "d'0g b'Ed T'i:vz dZ'VdZ w'ID k'Ut", "d'0k b'Et T'i:vs dZ'VtS w'IT k'Ut")]
    [InlineData(AccentFeature.VAsW, "v'Eri", "w'Eri")]
    [InlineData(AccentFeature.ThStopping | AccentFeature.FinalDevoicing, "w'IT b'e1D", "w'It b'e1t")]
    [InlineData(AccentFeature.ThFronting | AccentFeature.VAsW, "D@2 v'Eri", "v@2 w'Eri")] // a fronted "th" is no v to turn into w
    [InlineData(AccentFeature.ThStopping | AccentFeature.FinalClusterReduction, "m'VnT l'Eft", "m'Vnt l'Ef")] // a stopped "th" is no final t to drop
    [InlineData(AccentFeature.FinalClusterReduction | AccentFeature.FinalDevoicing, "'oUld d'0g_:_: and", "'oUl d'0k_:_: an")] // past the pause espeak-ng writes
    public void Each_feature_changes_the_sounds_it_names_and_no_other(AccentFeature feature, string phonemes, string accented)
    {
        Assert.Equal(accented, new Accent(feature).Apply(phonemes));
    }

    [Fact]
    public void A_random_accent_changes_something_and_never_both_stops_and_fronts_th()
    {
        var random = new Random(1);
        var accents = Enumerable.Range(0, 500).Select(_ => Accent.Random(random)).ToList();

        Assert.DoesNotContain(accents, a => a.Features == AccentFeature.None);
        Assert.DoesNotContain(accents, a => a.Features.HasFlag(AccentFeature.ThStopping | AccentFeature.ThFronting));
        foreach (var feature in Enum.GetValues<AccentFeature>().Where(f => f != AccentFeature.None))
            Assert.InRange(accents.Count(a => a.Features.HasFlag(feature)), 100, 250); // a third of them, or 0.3 of them
    }

    [Fact]
    public void Accents_for_MBROLA_voices_have_no_monophthongs_which_its_diphones_lack()
    {
        var random = new Random(2);

        Assert.All(Enumerable.Range(0, 200).Select(_ => Accent.Random(random, monophthongs: false)), a => Assert.False(a.Features.HasFlag(AccentFeature.Monophthongs)));
    }

    [Fact]
    public void An_espeak_voice_speaks_an_accent_and_a_voice_of_another_engine_refuses_one()
    {
        var voice = new Voice("espeak-ng", "en-us");
        var prosody = new Prosody(1, 1, 0);
        var plain = SpeechSynthesizer.Speak("the thirty thieves", voice, prosody);
        var accented = SpeechSynthesizer.Speak("the thirty thieves", voice, prosody, new Accent(AccentFeature.ThStopping));

        Assert.InRange(accented.Length, plain.Length * 0.7, plain.Length * 1.3); // the same words, spoken
        Assert.NotEqual(plain, accented);
        var error = Assert.Throws<ArgumentException>(() => SpeechSynthesizer.Speak("the thirty thieves", new Voice("flite", "kal16"), prosody, new Accent(AccentFeature.ThStopping)));
        Assert.Contains("flite:kal16", error.Message);
    }

    [Fact]
    public void A_corpus_with_accents_reads_the_same_sentences_with_the_same_voices_and_accents_only_espeak_and_mbrola_training_utterances()
    {
        var plain = Corpus.Build(_temp.File("plain"), trainUtterances: 12, testUtterances: 2, seed: 3, workers: 2);
        var accented = Corpus.Build(_temp.File("accented"), trainUtterances: 12, testUtterances: 2, seed: 3, workers: 2, accentShare: 1);

        static string Speaker(Utterance u) => u.Voice.Split(" (accent ")[0];
        Assert.Equal(plain.Select(u => (u.Text, u.Voice, u.Split)), accented.Select(u => (u.Text, Speaker(u), u.Split)));
        var changed = accented.Where(u => u.Voice.Contains("(accent ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, u => Assert.Equal(Corpus.Train, u.Split));
        Assert.All(changed, u => Assert.StartsWith("espeak-ng:", u.Voice, StringComparison.Ordinal));
        Assert.Equal(accented.Count(u => u.Split == Corpus.Train && u.Voice.StartsWith("espeak-ng:", StringComparison.Ordinal)), changed.Count); // a share of 1: all of them
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Corpus.Build(_temp.File("over"), 2, 1, seed: 3, workers: 1, accentShare: 1.5));
        Assert.Equal("accentShare", error.ParamName);
    }
}
