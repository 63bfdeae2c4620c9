using System.Buffers.Binary;
using System.Text;
using SpeechToText.Audio;
using static SpeechToText.Tests.TestAudio;

namespace SpeechToText.Tests.Audio;

public class WavReaderTests
{
    const ushort Pcm = 1, IeeeFloat = 3, Extensible = 0xFFFE, ImaAdpcm = 0x11;

    static float[] Decode(byte[] file, RecordingLogger? logger = null, bool seekable = true)
    {
        Stream stream = seekable ? new MemoryStream(file) : new ForwardOnlyStream(file);
        using var reader = new WavReader(stream, "test.wav", logger);
        return reader.ReadToEnd();
    }

    static AudioInputException DecodeFails(byte[] file, bool seekable = true) =>
        Assert.ThrowsAny<AudioInputException>(() => Decode(file, seekable: seekable));

    [Theory]
    [InlineData(8, new byte[] { 0x80, 0xC0, 0x00 }, new[] { 0f, 0.5f, -1f })]
    [InlineData(16, new byte[] { 0x00, 0x40, 0x00, 0x80 }, new[] { 0.5f, -1f })]
    [InlineData(24, new byte[] { 0x00, 0x00, 0x40, 0x00, 0x00, 0x80 }, new[] { 0.5f, -1f })]
    [InlineData(32, new byte[] { 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x80 }, new[] { 0.5f, -1f })]
    public void Decodes_integer_pcm_to_full_scale_floats(int bits, byte[] data, float[] expected)
    {
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, bits)), Chunk("data", data));
        Assert.Equal(expected, Decode(file));
    }

    [Fact]
    public void Decodes_float32_and_float64()
    {
        var f32 = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(f32, 0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(f32.AsSpan(4), -0.75f);
        var f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.25);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -0.75);

        Assert.Equal(new[] { 0.25f, -0.75f }, Decode(Riff(Chunk("fmt ", FmtBody(IeeeFloat, 1, 16000, 32)), Chunk("data", f32))));
        Assert.Equal(new[] { 0.25f, -0.75f }, Decode(Riff(Chunk("fmt ", FmtBody(IeeeFloat, 1, 16000, 64)), Chunk("data", f64))));
    }

    [Fact]
    public void Decodes_wave_format_extensible_with_pcm_and_float_sub_formats()
    {
        var pcm = Riff(Chunk("fmt ", FmtBody(Extensible, 1, 16000, 16, subFormat: Pcm)), Chunk("data", [0x00, 0x40]));
        var f32 = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(f32, 0.125f);
        var flt = Riff(Chunk("fmt ", FmtBody(Extensible, 1, 16000, 32, subFormat: IeeeFloat)), Chunk("data", f32));

        Assert.Equal(new[] { 0.5f }, Decode(pcm));
        Assert.Equal(new[] { 0.125f }, Decode(flt));
    }

    [Fact]
    public void Averages_any_number_of_channels_to_mono()
    {
        short[] stereo = [16384, 0, -32768, 32767];
        short[] six = [6000, 6000, 6000, 6000, 6000, 6000];
        Assert.Equal(new[] { 0.25f, -0.5f / 32768f }, Decode(Wav16(stereo, channels: 2)));
        Assert.Equal(6000 / 32768f, Decode(Wav16(six, channels: 6))[0], 6);
    }

    [Fact]
    public void Skips_list_fact_and_odd_sized_chunks_with_their_padding_byte()
    {
        var file = Riff(
            Chunk("LIST", Encoding.ASCII.GetBytes("INFOISFT\u0005\0\0\0Lavf\0")),
            Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)),
            Chunk("fact", Le32(2)),
            Chunk("odd ", [1, 2, 3]),
            Chunk("data", [0x00, 0x40, 0x00, 0xC0]),
            Chunk("LIST", [9, 9]));
        Assert.Equal(new[] { 0.5f, -0.5f }, Decode(file));
        Assert.Equal(new[] { 0.5f, -0.5f }, Decode(file, seekable: false));
    }

    [Fact]
    public void Reads_rf64_with_its_64_bit_data_size()
    {
        var ds64 = new byte[28];
        BinaryPrimitives.WriteUInt64LittleEndian(ds64.AsSpan(8), 4); // data size
        var body = Riff(Chunk("ds64", ds64), Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)), Chunk("data", [0x00, 0x40, 0x00, 0xC0, 0x11, 0x11], declaredSize: 0xFFFFFFFF));
        Encoding.ASCII.GetBytes("RF64").CopyTo(body, 0);
        Assert.Equal(new[] { 0.5f, -0.5f }, Decode(body)); // the 2 bytes past the ds64 size are not audio
    }

    [Fact]
    public void A_data_size_of_0xFFFFFFFF_means_until_the_end_of_a_streamed_file()
    {
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)), Chunk("data", [0x00, 0x40, 0x00, 0xC0], declaredSize: 0xFFFFFFFF));
        Assert.Equal(new[] { 0.5f, -0.5f }, Decode(file, seekable: false));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_data_size_of_0_with_audio_after_it_is_read_to_the_end_with_a_warning(bool seekable)
    {
        // As a recorder killed before it filled in the size leaves it.
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)), Chunk("data", [0x00, 0x40, 0x00, 0xC0], declaredSize: 0));
        var logger = new RecordingLogger();

        Assert.Equal(new[] { 0.5f, -0.5f }, Decode(file, logger, seekable));
        Assert.Contains("declares 0 bytes but 4 follow", Assert.Single(logger.Warnings));
    }

    [Fact]
    public void A_file_without_audio_says_so()
    {
        var logger = new RecordingLogger();

        Assert.Empty(Decode(Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)), Chunk("data", [])), logger));
        Assert.Equal("test.wav: contains no audio (its data chunk is empty).", Assert.Single(logger.Warnings));
    }

    [Fact]
    public void A_data_size_wrapped_around_4_GB_is_recovered_from_the_file_length()
    {
        using var temp = new TempDirectory();
        string path = temp.File("big.wav");
        long dataBytes = (1L << 32) + 1000;
        using (var file = File.Create(path))
        {
            file.Write(Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16))));
            file.Write(Encoding.ASCII.GetBytes("data"));
            file.Write(Le32(unchecked((uint)dataBytes))); // 1000, as a 32-bit writer stores it
            file.SetLength(file.Position + dataBytes + 26); // sparse: no disk used; a small chunk may follow
        }

        using var reader = WavReader.Open(path);

        Assert.Equal(dataBytes, reader.DataBytes);
    }

    [Fact]
    public void Reads_at_the_file_rate_and_reports_the_format()
    {
        using var reader = new WavReader(new MemoryStream(Wav16(new short[10], rate: 44100, channels: 2)), "x.wav");
        Assert.Equal(44100, reader.SampleRate);
        Assert.Equal(new WavFormat(WavSampleEncoding.Pcm, 2, 44100, 16), reader.Format);
    }

    [Fact]
    public void Truncated_data_yields_the_complete_frames_present_with_a_warning()
    {
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 2, 16000, 16)), Chunk("data", [0x00, 0x40, 0x00, 0x40, 0x00, 0xC0], declaredSize: 1000));
        var logger = new RecordingLogger();

        var samples = Decode(file, logger);

        Assert.Equal(new[] { 0.5f }, samples); // the half frame at the end is dropped
        var warning = Assert.Single(logger.Warnings);
        Assert.Contains("declares 1000 bytes but the file ends after 6", warning);
        Assert.Contains("truncated", warning);
    }

    [Fact]
    public void Nan_and_infinite_float_samples_become_zero_and_full_scale_with_a_warning()
    {
        var data = new byte[16];
        BinaryPrimitives.WriteSingleLittleEndian(data, float.NaN);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), float.PositiveInfinity);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), float.NegativeInfinity);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(12), 0.5f);
        var logger = new RecordingLogger();

        var samples = Decode(Riff(Chunk("fmt ", FmtBody(IeeeFloat, 1, 16000, 32)), Chunk("data", data)), logger);

        Assert.Equal(new[] { 0f, 1f, -1f, 0.5f }, samples);
        Assert.Contains("replaced 3 NaN or infinite samples", Assert.Single(logger.Warnings));
    }

    [Fact]
    public void Empty_input_is_named_as_empty() =>
        Assert.Contains("is empty (0 bytes)", DecodeFails([]).Message);

    [Fact]
    public void Non_audio_bytes_are_not_a_wav_file() =>
        Assert.Equal("test.wav: is not a WAV file (it does not start with RIFF or RF64)",
            DecodeFails(Encoding.ASCII.GetBytes("%PDF-1.7 this is not audio at all")).Message);

    [Theory]
    [InlineData(4)]
    [InlineData(11)]
    public void A_truncated_riff_header_is_reported(int length)
    {
        var file = Wav16(new short[4])[..length];
        Assert.Contains("truncated", DecodeFails(file).Message);
    }

    [Theory]
    [InlineData(20)]  // inside the fmt chunk
    [InlineData(38)]  // inside the data chunk header
    [InlineData(36)]  // exactly before the data chunk
    public void A_header_cut_short_is_reported_for_seekable_and_streamed_input(int length)
    {
        var file = Wav16(new short[4])[..length];
        Assert.Matches("truncated|no data chunk", DecodeFails(file).Message);
        Assert.Matches("truncated|no data chunk", DecodeFails(file, seekable: false).Message);
    }

    [Fact]
    public void Adpcm_is_an_unsupported_codec_that_names_itself()
    {
        var file = Riff(Chunk("fmt ", FmtBody(ImaAdpcm, 1, 16000, 4)), Chunk("data", new byte[256]));
        var error = Assert.Throws<UnsupportedWavCodecException>(() => Decode(file));
        Assert.Contains("IMA ADPCM codec (format tag 0x0011)", error.Message);
    }

    [Fact]
    public void Zero_channels_are_rejected() =>
        Assert.Equal("test.wav: declares 0 channels",
            DecodeFails(Riff(Chunk("fmt ", FmtBody(Pcm, 0, 16000, 16)), Chunk("data", new byte[4]))).Message);

    [Theory]
    [InlineData(0)]
    [InlineData(5_000_000)]
    public void Absurd_sample_rates_are_rejected(int rate) =>
        Assert.Contains($"sample rate of {rate} Hz", DecodeFails(Riff(Chunk("fmt ", FmtBody(Pcm, 1, rate, 16)), Chunk("data", new byte[4]))).Message);

    [Fact]
    public void Unsupported_bit_depths_are_rejected() =>
        Assert.Contains("12-bit integer samples", DecodeFails(Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 12)), Chunk("data", new byte[4]))).Message);

    [Fact]
    public void An_absurd_chunk_size_is_reported_without_allocating_it()
    {
        var file = Riff(Chunk("JUNK", new byte[8], declaredSize: 0xFFFFFF00), Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)), Chunk("data", new byte[4]));
        Assert.Contains("chunk 'JUNK' at byte 12 declares 4294967040 bytes but only", DecodeFails(file).Message);
        Assert.Contains("ends before its fmt chunk", DecodeFails(file, seekable: false).Message);
    }

    [Fact]
    public void An_absurd_fmt_chunk_size_is_reported()
    {
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16), declaredSize: 0x7FFFFFF0), Chunk("data", new byte[4]));
        Assert.Contains("chunk 'fmt ' at byte 12 declares", DecodeFails(file).Message);
    }

    [Fact]
    public void A_data_chunk_before_the_fmt_chunk_is_reported() =>
        Assert.Contains("data chunk comes before the fmt chunk", DecodeFails(Riff(Chunk("data", new byte[4]), Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)))).Message);

    [Fact]
    public void A_block_align_that_contradicts_the_format_is_reported()
    {
        var fmt = FmtBody(Pcm, 2, 16000, 16);
        fmt[12] = 3;
        Assert.Contains("block align 3 does not match 2 channels of 16-bit samples", DecodeFails(Riff(Chunk("fmt ", fmt), Chunk("data", new byte[4]))).Message);
    }

    [Fact]
    public void Garbage_after_the_riff_header_is_reported_as_corrupt()
    {
        var file = Riff(Chunk("fmt ", FmtBody(Pcm, 1, 16000, 16)));
        var garbage = file.Concat(new byte[] { 0x00, 0xFF, 0x13, 0x07, 1, 0, 0, 0 }).ToArray();
        Assert.Contains("has no valid identifier", DecodeFails(garbage).Message);
    }

    [Fact]
    public void Random_corruption_never_crashes_hangs_or_allocates_beyond_the_file()
    {
        var valid = Riff(Chunk("LIST", new byte[10]), Chunk("fmt ", FmtBody(Pcm, 2, 44100, 24)), Chunk("data", new byte[600]));
        var random = new Random(7);
        for (int trial = 0; trial < 2000; trial++)
        {
            var file = valid[..random.Next(valid.Length + 1)];
            for (int flips = random.Next(4); flips > 0 && file.Length > 0; flips--)
                file[random.Next(file.Length)] = (byte)random.Next(256);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Decode(file, seekable: trial % 2 == 0);
            }
            catch (AudioInputException)
            {
                // A clear error is a correct outcome.
            }
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "allocated more than 4 MB for a 700-byte file");
        }
    }
}

/// <summary>A stream that can only be read forward, like a pipe.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
}
