using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SpeechToText.Audio;

/// <summary>
/// Reads WAV files (RIFF and RF64): integer PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64 bits,
/// plain or WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono), at the file's own sample rate.
/// Streams: memory use is bounded (about 64 KB of buffer) whatever the file size, and non-seekable
/// streams (pipes, stdin) work.
/// </summary>
/// <remarks>
/// Documented safe behaviours rather than errors: a data chunk that declares more bytes than the file has
/// (a recording cut short) yields the complete frames present and logs a warning; a data size of
/// 0xFFFFFFFF (streamed WAV) means "until the end of the file"; NaN float samples become 0 and infinite
/// ones ±1, with a warning giving the count. Everything else that is wrong raises
/// <see cref="AudioInputException"/> (or <see cref="UnsupportedWavCodecException"/> for codecs such as
/// ADPCM) naming the file and the reason.
/// </remarks>
public sealed class WavReader : AudioSource
{
    const int MinSampleRate = 1_000;
    const int MaxSampleRate = 1_000_000;
    const int ReadBufferBytes = 64 * 1024;
    const uint UnknownSize = 0xFFFFFFFF;
    const ushort FormatPcm = 0x0001;
    const ushort FormatFloat = 0x0003;
    const ushort FormatExtensible = 0xFFFE;

    // The 14 bytes that follow the format tag in every KSDATAFORMAT_SUBTYPE GUID of WAVE_FORMAT_EXTENSIBLE.
    static readonly byte[] SubFormatGuidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    readonly Stream _stream;
    readonly bool _leaveOpen;
    readonly ILogger? _logger;
    readonly string _name;
    readonly byte[] _buffer;
    long _position;
    long _dataRemaining; // bytes left in the data chunk; -1 = until the end of the stream
    readonly long _declaredDataBytes;
    long _dataBytesRead;
    bool _ended, _zeroDeclared;

    /// <summary>Opens the WAV file at <paramref name="path"/>.</summary>
    /// <exception cref="AudioInputException">The file is missing, not a WAV file, or corrupt.</exception>
    public static WavReader Open(string path, ILogger? logger = null)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioInputException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message, e);
        }
        try
        {
            return new WavReader(stream, path, logger);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a WAV file from <paramref name="stream"/>, which may be non-seekable.</summary>
    /// <param name="stream">Positioned at the start of the RIFF header.</param>
    /// <param name="name">The input's name for messages.</param>
    /// <param name="logger">Receives warnings about truncated data and replaced samples.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves <paramref name="stream"/> open.</param>
    /// <exception cref="AudioInputException">The stream is not a WAV file or is corrupt.</exception>
    public WavReader(Stream stream, string name, ILogger? logger = null, bool leaveOpen = false)
    {
        _stream = stream;
        _name = name;
        _logger = logger;
        _leaveOpen = leaveOpen;
        (Format, _declaredDataBytes) = ReadHeader();
        _dataRemaining = _declaredDataBytes;
        _buffer = new byte[Math.Max(Format.BlockAlign, ReadBufferBytes / Format.BlockAlign * Format.BlockAlign)];
    }

    /// <inheritdoc />
    public override string Name => _name;

    /// <inheritdoc />
    public override int SampleRate => Format.SampleRate;

    /// <summary>The sample encoding, channel count and rate the file declares.</summary>
    public WavFormat Format { get; }

    /// <summary>Whether the data ended before the size its chunk declares (known once reading has ended).</summary>
    public bool Truncated { get; private set; }

    /// <summary>The size of the data chunk in bytes, or -1 when it extends to the end of the stream (declared as unknown, or as 0).</summary>
    public long DataBytes => _declaredDataBytes;

    /// <summary>How many NaN or infinite samples were replaced so far.</summary>
    public long NonFiniteSamplesReplaced { get; private set; }

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        if (_ended || destination.IsEmpty)
            return 0;
        int blockAlign = Format.BlockAlign;
        long wanted = (long)Math.Min(destination.Length, _buffer.Length / blockAlign) * blockAlign;
        if (_dataRemaining >= 0)
            wanted = Math.Min(wanted, _dataRemaining);
        int got = wanted == 0 ? 0 : ReadUpTo(_buffer.AsSpan(0, (int)wanted));
        _dataBytesRead += got;
        if (_dataRemaining >= 0)
            _dataRemaining -= got;
        int frames = got / blockAlign;
        Decode(_buffer.AsSpan(0, frames * blockAlign), destination[..frames]);
        if (got < wanted || _dataRemaining == 0)
            End(got % blockAlign);
        return frames;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
            _stream.Dispose();
        base.Dispose(disposing);
    }

    void End(int partialFrameBytes)
    {
        _ended = true;
        if (_dataRemaining > 0)
        {
            Truncated = true;
            _logger?.LogWarning(
                "{Input}: the data chunk declares {Declared} bytes but the file ends after {Present}; decoded the complete frames present (the file is truncated).",
                _name, _declaredDataBytes, _dataBytesRead);
        }
        else if (partialFrameBytes > 0)
        {
            _logger?.LogWarning("{Input}: ignored {Bytes} bytes at the end of the data that do not make a whole frame.", _name, partialFrameBytes);
        }
        if (_dataBytesRead < Format.BlockAlign)
            _logger?.LogWarning("{Input}: contains no audio (its data chunk is empty).", _name);
        else if (_zeroDeclared)
            _logger?.LogWarning("{Input}: the data chunk declares 0 bytes but {Bytes} follow; decoded them (its writer did not fill in the size).", _name, _dataBytesRead);
        if (NonFiniteSamplesReplaced > 0)
        {
            _logger?.LogWarning("{Input}: replaced {Count} NaN or infinite samples (NaN with 0, infinities with -1 or 1).", _name, NonFiniteSamplesReplaced);
        }
    }

    (WavFormat Format, long DataBytes) ReadHeader()
    {
        Span<byte> riff = stackalloc byte[12];
        int got = ReadUpTo(riff);
        if (got == 0)
            throw Invalid("is empty (0 bytes)");
        string magic = Encoding.ASCII.GetString(riff[..Math.Min(4, got)]);
        if (got < 4 || (magic != "RIFF" && magic != "RF64"))
            throw Invalid("is not a WAV file (it does not start with RIFF or RF64)");
        if (got < 12)
            throw Invalid($"is truncated: {got} bytes, less than a RIFF header");
        if (!riff[8..12].SequenceEqual("WAVE"u8))
            throw Invalid($"is a RIFF file of type '{Printable(riff[8..12])}', not WAVE");
        bool rf64 = magic == "RF64";

        WavFormat? format = null;
        long? rf64DataBytes = null;
        Span<byte> chunkHeader = stackalloc byte[8];
        while (true)
        {
            long chunkStart = _position;
            got = ReadUpTo(chunkHeader);
            if (got == 0)
                throw Invalid(format == null ? "ends before its fmt chunk" : "has no data chunk");
            if (got < 8)
                throw Invalid($"is truncated: it ends inside a chunk header at byte {chunkStart}");
            if (!IsChunkId(chunkHeader[..4]))
                throw Invalid($"is corrupt: the chunk at byte {chunkStart} has no valid identifier");
            string id = Encoding.ASCII.GetString(chunkHeader[..4]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            if (id != "data")
                EnsureChunkFits(id, chunkStart, size);
            switch (id)
            {
                case "fmt ":
                    format = ReadFormat(size);
                    break;
                case "ds64" when rf64:
                    rf64DataBytes = ReadDataSize64(size);
                    break;
                case "data":
                    if (format == null)
                        throw Invalid("is corrupt: its data chunk comes before the fmt chunk");
                    if (size == 0)
                    {
                        // A writer that never went back to fill in the size (killed while recording) leaves 0 with the
                        // audio after it: read to the end; End says whether there was any.
                        _zeroDeclared = true;
                        return (format, -1);
                    }
                    if (size != UnknownSize)
                        return (format, RecoverWrappedSize(size));
                    if (rf64 && rf64DataBytes == null)
                        throw Invalid("is an RF64 file without the ds64 chunk that gives its data size");
                    return (format, rf64DataBytes ?? -1);
                default:
                    Skip((long)size + (size & 1));
                    break;
            }
        }
    }

    WavFormat ReadFormat(uint size)
    {
        if (size < 16)
            throw Invalid($"is corrupt: its fmt chunk is {size} bytes; at least 16 are needed");
        Span<byte> fmt = stackalloc byte[40];
        int wanted = (int)Math.Min(size, 40u);
        if (ReadUpTo(fmt[..wanted]) < wanted)
            throw Invalid("is truncated: it ends inside the fmt chunk");
        Skip((long)size - wanted + (size & 1));

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);

        if (tag == FormatExtensible)
        {
            if (size < 40)
                throw Invalid($"is corrupt: its WAVE_FORMAT_EXTENSIBLE fmt chunk is {size} bytes; 40 are needed");
            if (!fmt[26..40].SequenceEqual(SubFormatGuidTail))
                throw new UnsupportedWavCodecException(_name, "uses a WAVE_FORMAT_EXTENSIBLE sub-format that is not a standard audio codec GUID");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }
        var encoding = tag switch
        {
            FormatPcm => WavSampleEncoding.Pcm,
            FormatFloat => WavSampleEncoding.IeeeFloat,
            _ => throw new UnsupportedWavCodecException(_name,
                $"uses the {CodecName(tag)} codec (format tag 0x{tag:X4}); the built-in WAV reader decodes PCM and IEEE float only"),
        };
        if (channels == 0)
            throw Invalid("declares 0 channels");
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
            throw Invalid($"declares a sample rate of {sampleRate} Hz; supported rates are {MinSampleRate} to {MaxSampleRate} Hz");
        bool supportedBits = encoding == WavSampleEncoding.Pcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
        if (!supportedBits)
            throw Invalid($"has {bits}-bit {(encoding == WavSampleEncoding.Pcm ? "integer" : "float")} samples; supported: 8, 16, 24, 32-bit integer and 32, 64-bit float");
        var format = new WavFormat(encoding, channels, (int)sampleRate, bits);
        if (blockAlign != format.BlockAlign)
            throw Invalid($"is corrupt: block align {blockAlign} does not match {channels} channels of {bits}-bit samples");
        return format;
    }

    long ReadDataSize64(uint size)
    {
        if (size < 24)
            throw Invalid($"is corrupt: its ds64 chunk is {size} bytes; at least 24 are needed");
        Span<byte> ds64 = stackalloc byte[24];
        if (ReadUpTo(ds64) < 24)
            throw Invalid("is truncated: it ends inside the ds64 chunk");
        Skip((long)size - 24 + (size & 1));
        ulong dataBytes = BinaryPrimitives.ReadUInt64LittleEndian(ds64[8..]);
        return dataBytes > long.MaxValue ? throw Invalid("is corrupt: its ds64 chunk declares an impossible data size") : (long)dataBytes;
    }

    void Skip(long bytes)
    {
        if (bytes == 0)
            return;
        if (_stream.CanSeek)
        {
            long skip = Math.Min(bytes, _stream.Length - _stream.Position); // a missing final pad byte is harmless
            _stream.Seek(skip, SeekOrigin.Current);
            _position += skip;
            return;
        }
        Span<byte> discard = stackalloc byte[4096];
        while (bytes > 0)
        {
            int got = ReadUpTo(discard[..(int)Math.Min(bytes, discard.Length)]);
            if (got == 0)
                return; // the end of the stream; the caller reports what is missing
            bytes -= got;
        }
    }

    /// <summary>
    /// Writers that do not know RF64 store the data size of files over 4 GB modulo 2^32. When a seekable
    /// file has more than 4 GB beyond the data header, the true size is the largest one congruent to the
    /// declared size that fits.
    /// </summary>
    long RecoverWrappedSize(uint declared)
    {
        long size = declared;
        if (_stream.CanSeek)
        {
            long remaining = _stream.Length - _stream.Position;
            while (size + (1L << 32) <= remaining)
                size += 1L << 32;
        }
        return size;
    }

    /// <summary>Rejects a chunk that declares more bytes than a seekable file has left (before reading any of it).</summary>
    void EnsureChunkFits(string id, long chunkStart, uint size)
    {
        if (!_stream.CanSeek)
            return;
        long remaining = _stream.Length - _stream.Position;
        if (size > remaining)
            throw Invalid($"is corrupt or truncated: chunk '{id}' at byte {chunkStart} declares {size} bytes but only {remaining} remain");
    }

    int ReadUpTo(Span<byte> destination)
    {
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int got = _stream.Read(destination[total..]);
                if (got == 0)
                    break;
                total += got;
            }
        }
        catch (IOException e)
        {
            throw new AudioInputException(_name, $"cannot be read: {e.Message}", e);
        }
        _position += total;
        return total;
    }

    void Decode(ReadOnlySpan<byte> bytes, Span<float> mono)
    {
        int channels = Format.Channels;
        int bytesPerSample = Format.BitsPerSample / 8;
        float scale = 1f / channels;
        for (int frame = 0; frame < mono.Length; frame++)
        {
            var frameBytes = bytes.Slice(frame * Format.BlockAlign, Format.BlockAlign);
            double sum = 0;
            for (int c = 0; c < channels; c++)
                sum += DecodeSample(frameBytes.Slice(c * bytesPerSample, bytesPerSample));
            mono[frame] = (float)sum * scale;
        }
    }

    double DecodeSample(ReadOnlySpan<byte> sample)
    {
        if (Format.Encoding == WavSampleEncoding.IeeeFloat)
        {
            double value = sample.Length == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(sample)
                : BinaryPrimitives.ReadDoubleLittleEndian(sample);
            if (double.IsFinite(value))
                return value;
            NonFiniteSamplesReplaced++;
            return double.IsNaN(value) ? 0 : Math.Sign(value);
        }
        return sample.Length switch
        {
            1 => (sample[0] - 128) / 128.0,
            2 => BinaryPrimitives.ReadInt16LittleEndian(sample) / 32768.0,
            3 => (sample[0] | sample[1] << 8 | (sbyte)sample[2] << 16) / 8388608.0,
            _ => BinaryPrimitives.ReadInt32LittleEndian(sample) / 2147483648.0,
        };
    }

    AudioInputException Invalid(string reason) => new(_name, reason);

    static bool IsChunkId(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
        {
            if (b is < 0x20 or > 0x7E)
                return false;
        }
        return true;
    }

    static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
            text.Append(b is >= 0x20 and <= 0x7E ? (char)b : '?');
        return text.ToString();
    }

    static string CodecName(ushort tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MP3",
        _ => "unknown",
    };
}
