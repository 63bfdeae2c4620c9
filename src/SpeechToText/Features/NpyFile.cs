using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechToText.Features;

/// <summary>
/// NumPy's .npy format for float32 arrays in C order: written by <c>stt mel</c>, read back to compare
/// features with other tools. Reading also accepts float64 (converted) and checks every size it is given.
/// </summary>
public static partial class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    const int HeaderAlignment = 64;
    const int MaxHeaderBytes = 1 << 20;

    /// <summary>Writes <paramref name="values"/> (C order) as a float32 array of <paramref name="shape"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> values, params int[] shape)
    {
        long count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (count != values.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values, not {values.Length}.", nameof(shape));
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces and ending in '\n'.
        int unpadded = Magic.Length + 4 + dictionary.Length + 1;
        int padding = (HeaderAlignment - unpadded % HeaderAlignment) % HeaderAlignment;
        string header = dictionary + new string(' ', padding) + "\n";

        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var buffer = new byte[64 * 1024];
        for (int offset = 0; offset < values.Length;)
        {
            int n = Math.Min(buffer.Length / 4, values.Length - offset);
            for (int i = 0; i < n; i++)
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[offset + i]);
            stream.Write(buffer, 0, n * 4);
            offset += n;
        }
    }

    /// <summary>
    /// Writes a spectrogram as a float32 array of shape [mel bins, frames]. The file appears complete or
    /// not at all: it is written beside <paramref name="path"/> and then renamed over it.
    /// </summary>
    public static void Write(string path, LogMelSpectrogram spectrogram)
    {
        WholeFile.Write(path, file => Write(file, spectrogram.Values, spectrogram.MelBins, spectrogram.Frames));
    }

    /// <summary>Reads a little-endian float32 or float64 array in C order.</summary>
    /// <exception cref="InvalidDataException">The file is not such an array or is truncated.</exception>
    public static (int[] Shape, float[] Values) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a .npy file (no \\x93NUMPY magic)");
        int major = bytes[6];
        int lengthBytes = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new InvalidDataException($"{path}: unsupported .npy version {major}");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        long dataStart = 8 + lengthBytes + headerLength;
        if (headerLength > MaxHeaderBytes || dataStart > bytes.Length)
            throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file");
        string header = Encoding.Latin1.GetString(bytes, 8 + lengthBytes, (int)headerLength);

        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value is not ("<f4" or "<f8"))
            throw new InvalidDataException($"{path}: only little-endian float32/float64 arrays are supported (header: {header.Trim()})");
        if (!header.Contains("'fortran_order': False", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported");
        var shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success)
            throw new InvalidDataException($"{path}: no shape in header");
        int[] shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new InvalidDataException($"{path}: bad dimension '{d}'"))
            .ToArray();
        int itemSize = descr.Groups[1].Value == "<f4" ? 4 : 8;
        long count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (count * itemSize != bytes.Length - dataStart)
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) needs {count * itemSize} data bytes, the file has {bytes.Length - dataStart}");
        var values = new float[count];
        var data = bytes.AsSpan((int)dataStart);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = itemSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..])
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
        }
        return (shape, values);
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
