using System.Buffers.Binary;

namespace SpeechToText.Audio;

/// <summary>Writes mono 16-bit PCM WAV files (samples clipped to [-1, 1]).</summary>
public static class WavWriter
{
    /// <summary>Writes <paramref name="samples"/> at <paramref name="sampleRate"/> Hz to <paramref name="path"/>.</summary>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate = AudioInput.SampleRate)
    {
        var bytes = new byte[44 + samples.Length * 2];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(bytes.Length - 8));
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)sampleRate * 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)(samples.Length * 2));
        for (int i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + 2 * i)..], (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * 32767));
        File.WriteAllBytes(path, bytes);
    }
}
