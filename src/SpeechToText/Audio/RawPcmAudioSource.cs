using System.Buffers.Binary;

namespace SpeechToText.Audio;

/// <summary>
/// Headerless 16-bit little-endian mono PCM from a stream (standard input from a recorder, ffmpeg's output),
/// divided by 32768; 16 kHz unless <paramref name="sampleRate"/> says otherwise. When <paramref name="interruptible"/>
/// (standard input, a pipe: a read may wait for a quiet writer), interrupting the source ends a read that waits.
/// </summary>
public sealed class RawPcmAudioSource(Stream stream, string name, int sampleRate = AudioInput.SampleRate, bool interruptible = false) : AudioSource
{
    readonly Stream _stream = interruptible ? new InterruptibleStream(stream, name) : stream;
    readonly byte[] _bytes = new byte[64 * 1024];
    int _odd = -1; // a byte left over from a read that ended mid-sample

    /// <inheritdoc />
    public override string Name => name;

    /// <inheritdoc />
    public override int SampleRate => sampleRate;

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        while (true)
        {
            int offset = 0;
            if (_odd >= 0)
            {
                _bytes[0] = (byte)_odd;
                offset = 1;
                _odd = -1;
            }
            int want = Math.Min(_bytes.Length, 2 * destination.Length);
            int read;
            try
            {
                read = _stream.Read(_bytes, offset, Math.Max(1, want - offset));
            }
            catch (IOException e)
            {
                throw new AudioInputException(name, e.Message, e);
            }
            int available = offset + read;
            if (read == 0)
                return 0; // a final odd byte is not a sample
            int samples = available / 2;
            if (available % 2 == 1)
                _odd = _bytes[available - 1];
            for (int i = 0; i < samples; i++)
                destination[i] = BinaryPrimitives.ReadInt16LittleEndian(_bytes.AsSpan(2 * i)) / 32768f;
            if (samples > 0)
                return samples;
        }
    }

    /// <inheritdoc />
    protected internal override void Interrupt() => (_stream as InterruptibleStream)?.Interrupt();
}
