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
}
