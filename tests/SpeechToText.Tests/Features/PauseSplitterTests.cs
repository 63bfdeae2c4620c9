using SpeechToText.Features;

namespace SpeechToText.Tests.Features;

public class PauseSplitterTests
{
    /// <summary>Speech-like bursts of <paramref name="burstSeconds"/> separated by one second of silence.</summary>
    static float[] Bursts(int count, double burstSeconds)
    {
        var audio = new List<float>();
        for (int i = 0; i < count; i++)
        {
            audio.AddRange(TestAudio.Noise((int)(16000 * burstSeconds), i));
            audio.AddRange(new float[16000]);
        }
        return [.. audio];
    }

    [Fact]
    public void Long_audio_is_cut_into_contiguous_pieces_no_longer_than_allowed_inside_its_pauses()
    {
        var audio = Bursts(8, 8.0); // 72 s: bursts at [9k, 9k + 8) s
        var mel = LogMelSpectrogram.Compute(audio, 80);

        var pieces = PauseSplitter.Split(mel, mel.Frames, 3000);

        Assert.Equal(0, pieces[0].Start);
        Assert.Equal(mel.Frames, pieces[^1].Start + pieces[^1].Length);
        for (int i = 1; i < pieces.Count; i++)
        {
            Assert.Equal(pieces[i - 1].Start + pieces[i - 1].Length, pieces[i].Start);
            double cutSeconds = pieces[i].Start / 100.0;
            Assert.InRange(cutSeconds % 9.0, 8.0, 9.0); // in a silent second, not inside a burst
        }
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, 3000));
    }

    [Fact]
    public void Audio_within_the_limit_is_one_piece() =>
        Assert.Equal([(0, 500)], PauseSplitter.Split(LogMelSpectrogram.Compute(TestAudio.Noise(80000, 1), 80), 500, 3000));

    [Fact]
    public void Given_the_speech_each_utterance_is_a_piece_with_its_margins_and_the_pauses_are_left_out()
    {
        var mel = LogMelSpectrogram.Compute(Bursts(3, 2.0), 80); // speech at [0, 2), [3, 5), [6, 8) s
        (double, double)[] speech = [(0.0, 2.0), (3.0, 5.0), (6.0, 8.0)];

        var pieces = PauseSplitter.SplitSpeech(mel, 900, 3000, speech);

        Assert.Equal([(0, 220), (280, 240), (580, 240)], pieces);
    }

    [Fact]
    public void Utterances_whose_margins_meet_are_one_piece_and_a_long_one_is_cut_inside_its_pauses()
    {
        var mel = LogMelSpectrogram.Compute(Bursts(8, 8.0), 80);
        (double, double)[] speech = [(0.5, 1.0), (1.3, 1.6), (9.0, 71.0)]; // the first two 0.3 s apart

        var pieces = PauseSplitter.SplitSpeech(mel, mel.Frames, 3000, speech);

        Assert.Equal((30, 150), pieces[0]);
        Assert.Equal(880, pieces[1].Start);
        Assert.Equal(7120, pieces[^1].Start + pieces[^1].Length);
        Assert.All(pieces.Skip(1), p => Assert.InRange(p.Length, 1, 3000));
        Assert.All(pieces.Skip(2), p => Assert.InRange(p.Start / 100.0 % 9.0, 8.0, 9.0));
    }

    [Fact]
    public void Without_detected_speech_the_whole_audio_is_kept()
    {
        var mel = LogMelSpectrogram.Compute(TestAudio.Noise(80000, 1), 80);

        Assert.Equal(PauseSplitter.Split(mel, 500, 3000), PauseSplitter.SplitSpeech(mel, 500, 3000, []));
    }
}
