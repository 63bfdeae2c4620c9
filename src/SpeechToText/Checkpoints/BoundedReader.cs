using System.Buffers.Binary;

namespace SpeechToText.Checkpoints;

/// <summary>
/// Reads little-endian values from a seekable stream, refusing any count or length that exceeds what
/// is left in the stream, so that a corrupt or hostile file cannot make the reader allocate or loop
/// beyond its own size.
/// </summary>
internal sealed class BoundedReader(Stream stream, string name)
{
    readonly byte[] _scratch = new byte[8];

    public long Remaining => stream.Length - stream.Position;

    public bool AtEnd => Remaining == 0;

    public byte Byte(string what) => Fill(1, what)[0];

    /// <summary>An unsigned integer in 7-bit groups, least significant first (the encoding of <see cref="BinaryWriter.Write7BitEncodedInt64"/>).</summary>
    public ulong VarUInt64(string what)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte next = Byte(what);
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
                return value;
        }
        throw new InvalidDataException($"{name}: {what} runs past 64 bits at byte {stream.Position}; the file is corrupt");
    }

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Fill(4, "a 32-bit integer"));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4, "a 32-bit integer"));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(8, "a 64-bit integer"));

    /// <summary>Checks that <paramref name="value"/> is a count between 0 and <paramref name="max"/>.</summary>
    public int Count(int value, string what, int max) =>
        value < 0 || value > max
            ? throw new InvalidDataException($"{name}: {what} = {value} is out of range (0 to {max}); the file is corrupt")
            : value;

    public byte[] Bytes(int count, string what)
    {
        if (count > Remaining)
            throw new InvalidDataException($"{name}: truncated inside {what} ({count} bytes needed, {Remaining} left)");
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Skip(long count, string what)
    {
        if (count > Remaining)
            throw new InvalidDataException($"{name}: truncated inside {what} ({count} bytes needed, {Remaining} left)");
        stream.Seek(count, SeekOrigin.Current);
    }

    ReadOnlySpan<byte> Fill(int count, string what)
    {
        if (count > Remaining)
            throw new InvalidDataException($"{name}: truncated where {what} was expected at byte {stream.Position}");
        stream.ReadExactly(_scratch, 0, count);
        return _scratch.AsSpan(0, count);
    }
}
