namespace SpeechToText.Audio;

/// <summary>How the samples of a WAV file's data chunk are encoded.</summary>
public enum WavSampleEncoding
{
    /// <summary>Integer PCM: 8-bit unsigned, 16/24/32-bit signed little-endian.</summary>
    Pcm,

    /// <summary>IEEE float, 32 or 64 bits.</summary>
    IeeeFloat,
}

/// <summary>The decoded contents of a WAV file's fmt chunk.</summary>
/// <param name="Encoding">Integer or float samples.</param>
/// <param name="Channels">Interleaved channels per frame.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="BitsPerSample">Container size of one sample in bits (8, 16, 24, 32 or 64).</param>
public sealed record WavFormat(WavSampleEncoding Encoding, int Channels, int SampleRate, int BitsPerSample)
{
    /// <summary>Bytes per frame (all channels of one instant).</summary>
    public int BlockAlign => Channels * BitsPerSample / 8;
}
