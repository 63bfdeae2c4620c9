using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SpeechToText.Training;

/// <summary>An RGB image to draw lines and numbers on, saved as PNG (8-bit truecolour, unfiltered rows).</summary>
internal sealed class Raster
{
    /// <summary>A colour.</summary>
    public readonly record struct Rgb(byte R, byte G, byte B);

    // 3x5 glyphs, one row per 3 bits, top row first.
    static readonly Dictionary<char, int[]> Glyphs = new()
    {
        ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7], ['4'] = [5, 5, 7, 1, 1],
        ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1], ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7],
        ['.'] = [0, 0, 0, 0, 2], ['-'] = [0, 0, 7, 0, 0],
    };

    readonly byte[] _pixels;

    /// <summary>A white image.</summary>
    public Raster(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        (Width, Height) = (width, height);
        _pixels = new byte[width * height * 3];
        Array.Fill(_pixels, (byte)255);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The colour at (x, y), from the top left.</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    /// <summary>Paints a square of side <paramref name="size"/> at (x, y); parts outside the image are ignored.</summary>
    public void Dot(int x, int y, Rgb colour, int size = 1)
    {
        for (int dy = 0; dy < size; dy++)
            for (int dx = 0; dx < size; dx++)
            {
                int px = x + dx - size / 2, py = y + dy - size / 2;
                if (px < 0 || py < 0 || px >= Width || py >= Height)
                    continue;
                int i = (py * Width + px) * 3;
                (_pixels[i], _pixels[i + 1], _pixels[i + 2]) = (colour.R, colour.G, colour.B);
            }
    }

    /// <summary>A straight line from (x0, y0) to (x1, y1).</summary>
    public void Line(double x0, double y0, double x1, double y1, Rgb colour, int thickness = 1)
    {
        int steps = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
        for (int s = 0; s <= steps; s++)
        {
            double t = (double)s / steps;
            Dot((int)Math.Round(x0 + (x1 - x0) * t), (int)Math.Round(y0 + (y1 - y0) * t), colour, thickness);
        }
    }

    /// <summary>Writes a number (digits, '.', '-') with its top left at (x, y), each glyph pixel <paramref name="scale"/> wide.</summary>
    public void Number(int x, int y, string text, Rgb colour, int scale = 2)
    {
        foreach (char c in text)
        {
            if (Glyphs.TryGetValue(c, out var rows))
                for (int row = 0; row < 5; row++)
                    for (int column = 0; column < 3; column++)
                        if ((rows[row] >> (2 - column) & 1) == 1)
                            for (int sy = 0; sy < scale; sy++)
                                for (int sx = 0; sx < scale; sx++)
                                    Dot(x + column * scale + sx, y + row * scale + sy, colour);
            x += 4 * scale;
        }
    }

    /// <summary>Saves the image as a PNG file.</summary>
    public void SavePng(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8;  // bits per sample
        header[9] = 2;  // truecolour; compression, filter and interlace methods 0
        WriteChunk(file, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < Height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(_pixels, y * Width * 3, Width * 3);
            }
        }
        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
    }

    static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        stream.Write(word);
    }

    /// <summary>The CRC-32 (ISO 3309, as PNG uses it) of <paramref name="bytes"/>.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
