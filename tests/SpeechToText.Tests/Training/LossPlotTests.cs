using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

public sealed class LossPlotTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_loss_curve_is_a_valid_png_whose_line_falls_as_the_loss_does()
    {
        string log = _temp.File("train_log.tsv"), png = _temp.File("loss.png");
        File.WriteAllLines(log, ["step\tseconds\tloss", .. Enumerable.Range(1, 300).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s}\t{s * 2.5}\t{5.0 * Math.Exp(-s / 60.0)}"))]);

        LossPlot.Write(log, png);

        var (width, height, pixels) = ReadPng(File.ReadAllBytes(png));
        Assert.Equal((800, 400), (width, height));
        int HighestBlue(int x) => Enumerable.Range(0, height).First(y => IsBlue(pixels, width, x, y));
        Assert.True(HighestBlue(70) < HighestBlue(400), "the curve starts high");
        Assert.True(HighestBlue(400) < HighestBlue(730), "and keeps falling");
    }

    [Fact]
    public void The_crc_is_the_one_png_specifies()
    {
        Assert.Equal(0xCBF43926u, Raster.Crc32("123456789"u8)); // the standard CRC-32 check value
    }

    static bool IsBlue(byte[] pixels, int width, int x, int y)
    {
        int i = (y * width + x) * 3;
        return pixels[i] == 31 && pixels[i + 1] == 119 && pixels[i + 2] == 180;
    }

    /// <summary>Reads an 8-bit RGB PNG with unfiltered rows, checking every chunk's CRC.</summary>
    static (int Width, int Height, byte[] Pixels) ReadPng(byte[] file)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], file[..8]);
        int width = 0, height = 0;
        using var data = new MemoryStream();
        for (int offset = 8; offset < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            string type = Encoding.ASCII.GetString(file, offset + 4, 4);
            var body = file.AsSpan(offset + 8, length);
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8 + length)), Raster.Crc32(file.AsSpan(offset + 4, length + 4)));
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(body), BinaryPrimitives.ReadInt32BigEndian(body[4..]));
                Assert.Equal([8, 2, 0, 0, 0], body[8..].ToArray());
            }
            else if (type == "IDAT")
            {
                data.Write(body);
            }
            offset += 12 + length;
        }
        data.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionMode.Decompress))
            zlib.CopyTo(inflated);
        var rows = inflated.ToArray();
        Assert.Equal(height * (1 + 3 * width), rows.Length);
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, rows[y * (1 + 3 * width)]);
            Array.Copy(rows, y * (1 + 3 * width) + 1, pixels, y * width * 3, width * 3);
        }
        return (width, height, pixels);
    }
}
