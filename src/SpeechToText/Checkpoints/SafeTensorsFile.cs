using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace SpeechToText.Checkpoints;

/// <summary>
/// The safetensors format: a little-endian u64 header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the data. Reading memory-maps the file and checks the header before any
/// tensor is created: sizes, offsets inside the data, no overlaps, byte counts that match the shapes.
/// F32, F16 and BF16 are read (as float32 tensors unless asked otherwise).
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The largest header accepted (real headers are well under a megabyte).</summary>
    public const long MaxHeaderBytes = 100 << 20;

    const string MetadataKey = "__metadata__";

    sealed record Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    /// <summary>Reads every tensor of <paramref name="path"/>, converted to <paramref name="dtype"/> (null: as stored).</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; the message says where.</exception>
    public static Dictionary<string, Tensor> Read(string path, ScalarType? dtype = ScalarType.Float32)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = file.Length; // the file's, where FileInfo would give a symbolic link's own (a Hugging Face cache's files are links)
        if (length < 8)
            throw new InvalidDataException($"{path}: too short for a safetensors file ({length} bytes)");
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        var entries = ReadHeader(view, length, path, out long dataStart);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            unsafe
            {
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                try
                {
                    foreach (var entry in entries)
                    {
                        var raw = empty(entry.Shape, entry.Type);
                        long bytes = entry.End - entry.Begin;
                        if (bytes > 0)
                            raw.bytes = new Span<byte>(pointer + view.PointerOffset + dataStart + entry.Begin, checked((int)bytes));
                        var converted = raw.to_type(dtype ?? entry.Type);
                        if (!ReferenceEquals(converted, raw))
                            raw.Dispose();
                        tensors.Add(entry.Name, converted);
                    }
                }
                finally
                {
                    view.SafeMemoryMappedViewHandle.ReleasePointer();
                }
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return tensors;
    }

    /// <summary>Writes <paramref name="tensors"/> (in their own dtypes: F32, F16 or BF16) with optional metadata.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>();
        if (metadata != null)
            header[MetadataKey] = metadata;
        long offset = 0;
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, tensor) in ordered)
        {
            long bytes = tensor.numel() * tensor.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(tensor.dtype),
                ["shape"] = tensor.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - json.Length % 8) % 8;
        using (var file = new FileStream(path + ".partial", FileMode.Create, FileAccess.Write))
        {
            Span<byte> size = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)(json.Length + padding));
            file.Write(size);
            file.Write(json);
            file.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
            foreach (var (_, tensor) in ordered)
            {
                using var contiguous = tensor.contiguous();
                file.Write(contiguous.bytes);
            }
        }
        File.Move(path + ".partial", path, overwrite: true);
    }

    static List<Entry> ReadHeader(MemoryMappedViewAccessor view, long length, string path, out long dataStart)
    {
        ulong headerLength = view.ReadUInt64(0);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, length - 8))
            throw new InvalidDataException($"{path}: header length {headerLength} is larger than the file or than {MaxHeaderBytes} bytes");
        var json = new byte[headerLength];
        view.ReadArray(8, json, 0, json.Length);
        dataStart = 8 + (long)headerLength;
        long dataLength = length - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the header is not a JSON object");
            var entries = new List<Entry>();
            try
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == MetadataKey)
                        continue;
                    entries.Add(ParseEntry(property, dataLength, path));
                }
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidDataException($"{path}: the header has an invalid entry ({e.Message})", e);
            }
            if (entries.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                throw new InvalidDataException($"{path}: the header names tensor {repeated.Key} {repeated.Count()} times");
            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < entries.Count; i++)
            {
                if (entries[i].Begin < entries[i - 1].End)
                    throw new InvalidDataException($"{path}: tensors {entries[i - 1].Name} and {entries[i].Name} overlap");
            }
            return entries;
        }
    }

    static Entry ParseEntry(JsonProperty property, long dataLength, string path)
    {
        string name = property.Name;
        try
        {
            var value = property.Value;
            var type = value.GetProperty("dtype").GetString() switch
            {
                "F32" => ScalarType.Float32,
                "F16" => ScalarType.Float16,
                "BF16" => ScalarType.BFloat16,
                var other => throw new InvalidDataException($"{path}: tensor {name} has dtype {other}; supported: F32, F16, BF16"),
            };
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0) || shape.Length > 8)
                throw new InvalidDataException($"{path}: tensor {name} has an invalid shape [{string.Join(", ", shape)}]");
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new InvalidDataException($"{path}: tensor {name} has data offsets [{string.Join(", ", offsets)}] outside the {dataLength}-byte data");
            long elements = 1;
            foreach (long dimension in shape)
                elements = dimension == 0 ? 0 : elements > dataLength / Math.Max(dimension, 1) ? long.MaxValue : elements * dimension;
            long expected = elements == long.MaxValue ? long.MaxValue : elements * (type == ScalarType.Float32 ? 4 : 2);
            if (expected != offsets[1] - offsets[0])
                throw new InvalidDataException($"{path}: tensor {name} of shape [{string.Join(", ", shape)}] needs {(expected == long.MaxValue ? "more" : expected.ToString())} bytes but its range holds {offsets[1] - offsets[0]}");
            return new Entry(name, type, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor {name} has a malformed header entry ({e.Message})", e);
        }
    }

    static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        _ => throw new ArgumentException($"Cannot write {type} tensors to safetensors here; use F32, F16 or BF16."),
    };
}
