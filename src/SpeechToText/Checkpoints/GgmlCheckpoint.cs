using System.Text;
using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Checkpoints;

/// <summary>
/// A whisper.cpp ggml model file: dimensions, vocabulary (token bytes in rank order) and tensors under
/// openai/whisper's names, in PyTorch dimension order, each in its stored type (F32 or F16); quantised
/// tensors are rejected with a clear error. Every count and size is checked against the bytes left in the file
/// before anything is allocated.
/// </summary>
public sealed class GgmlCheckpoint : IDisposable
{
    /// <summary>The file magic, "ggml" as a little-endian int32.</summary>
    public const uint Magic = 0x67676d6c;

    const int MaxTokenBytes = 1 << 12;
    const int MaxNameBytes = 1 << 10;
    const int MaxDimensions = 4;

    GgmlCheckpoint(ModelDimensions dimensions, int fileType, IReadOnlyList<byte[]> vocabulary, Dictionary<string, Tensor> tensors)
    {
        Dimensions = dimensions;
        FileType = fileType;
        Vocabulary = vocabulary;
        Tensors = tensors;
    }

    /// <summary>The model's dimensions from the file's header.</summary>
    public ModelDimensions Dimensions { get; }

    /// <summary>The header's ftype: 0 F32, 1 F16 (quantised files add 1000 × version).</summary>
    public int FileType { get; }

    /// <summary>The text tokens' bytes; the token id is the position.</summary>
    public IReadOnlyList<byte[]> Vocabulary { get; }

    /// <summary>Tensors by openai/whisper name, in their stored type (float32 or float16), PyTorch dimension order.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>Reads the ggml file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a ggml model or is corrupt or truncated.</exception>
    public static GgmlCheckpoint Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new BoundedReader(file, path);
        if (reader.UInt32() != Magic)
            throw new InvalidDataException($"{path}: not a whisper.cpp ggml model (wrong magic)");
        var h = new int[11];
        for (int i = 0; i < h.Length; i++)
            h[i] = reader.Int32();
        var dimensions = new ModelDimensions(
            MelBins: h[9], AudioContext: h[1], AudioState: h[2], AudioHeads: h[3], AudioLayers: h[4],
            VocabularySize: h[0], TextContext: h[5], TextState: h[6], TextHeads: h[7], TextLayers: h[8]);
        dimensions.Validate(path);
        int fileType = h[10];

        int filterMels = reader.Int32(), filterBins = reader.Int32();
        reader.Skip(checked((long)reader.Count(filterMels, "mel filter rows", 4096) * reader.Count(filterBins, "mel filter columns", 4096) * 4), "mel filters");

        int tokens = reader.Count(reader.Int32(), "vocabulary size", dimensions.VocabularySize);
        var vocabulary = new byte[tokens][];
        for (int t = 0; t < tokens; t++)
            vocabulary[t] = reader.Bytes(reader.Count(reader.Int32(), $"length of token {t}", MaxTokenBytes), $"token {t}");

        var tensors = new Dictionary<string, Tensor>();
        try
        {
            while (!reader.AtEnd)
            {
                var (name, tensor) = ReadTensor(reader, path);
                if (!tensors.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{path}: tensor {name} appears twice");
                }
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return new GgmlCheckpoint(dimensions, fileType, vocabulary, tensors);
    }

    static (string Name, Tensor Tensor) ReadTensor(BoundedReader reader, string path)
    {
        int dimensionCount = reader.Count(reader.Int32(), "tensor dimension count", MaxDimensions);
        int nameLength = reader.Count(reader.Int32(), "tensor name length", MaxNameBytes);
        int type = reader.Int32();
        var ggmlDims = new long[dimensionCount];
        long elements = 1;
        for (int i = 0; i < dimensionCount; i++)
        {
            ggmlDims[i] = reader.Count(reader.Int32(), "tensor dimension", int.MaxValue);
            elements = elements * ggmlDims[i] > reader.Remaining
                ? throw new InvalidDataException($"{path}: a tensor declares more elements than the file has bytes left")
                : elements * ggmlDims[i];
        }
        string name = Encoding.UTF8.GetString(reader.Bytes(nameLength, "tensor name"));
        int elementSize = type switch
        {
            0 => 4,
            1 => 2,
            _ => throw new InvalidDataException($"{path}: tensor {name} has ggml type {type} ({TypeName(type)}); only F32 and F16 tensors are supported"),
        };
        long byteCount = elements * elementSize;
        if (byteCount > reader.Remaining)
            throw new InvalidDataException($"{path}: tensor {name} needs {byteCount} bytes but only {reader.Remaining} remain (truncated file?)");
        if (byteCount > Array.MaxLength)
            throw new InvalidDataException($"{path}: tensor {name} is larger than 2 GB");

        // ggml lists dimensions innermost first; PyTorch outermost first.
        long[] shape = [.. ggmlDims.Reverse()];
        var tensor = torch.empty(shape, type == 0 ? ScalarType.Float32 : ScalarType.Float16);
        tensor.bytes = reader.Bytes((int)byteCount, $"tensor {name}");
        return (name, tensor);
    }

    /// <summary>
    /// Writes a ggml model file whisper.cpp can load: F32, or F16 (<paramref name="float16"/>) for
    /// matrices, with 1-D tensors, convolution biases and positional embeddings kept F32 as whisper.cpp
    /// expects. Convolution biases are stored as [n, 1]. Reading the file back gives the same values
    /// for every tensor stored in the type it had (so an F16 file rewritten as F16 is identical).
    /// </summary>
    public static void Write(string path, ModelDimensions dims, IReadOnlyList<byte[]> vocabulary,
        IReadOnlyDictionary<string, Tensor> tensors, bool float16)
    {
        using var file = new FileStream(path + ".partial", FileMode.Create, FileAccess.Write);
        using (var writer = new BinaryWriter(file))
        {
            writer.Write(Magic);
            foreach (int value in new[]
            {
                dims.VocabularySize, dims.AudioContext, dims.AudioState, dims.AudioHeads, dims.AudioLayers,
                dims.TextContext, dims.TextState, dims.TextHeads, dims.TextLayers, dims.MelBins, float16 ? 1 : 0,
            })
            {
                writer.Write(value);
            }
            var filterbank = new Features.MelFilterbank(dims.MelBins);
            writer.Write(dims.MelBins);
            writer.Write(Features.LogMelSpectrogram.FrequencyBins);
            for (int m = 0; m < dims.MelBins; m++)
                for (int k = 0; k < Features.LogMelSpectrogram.FrequencyBins; k++)
                    writer.Write((float)filterbank[m, k]);
            writer.Write(vocabulary.Count);
            foreach (var token in vocabulary)
            {
                writer.Write(token.Length);
                writer.Write(token);
            }
            foreach (var (name, tensor) in tensors.OrderBy(kv => OrderKey(kv.Key)))
                WriteTensor(writer, name, tensor, float16);
        }
        File.Move(path + ".partial", path, overwrite: true);
    }

    /// <summary>A canonical tensor order (encoder then decoder; embeddings, blocks by number, final norm), so that equal models give equal files.</summary>
    static (int Part, int Block, string Name) OrderKey(string name)
    {
        int part = name.StartsWith("encoder.", StringComparison.Ordinal) ? 0 : name.StartsWith("decoder.", StringComparison.Ordinal) ? 1 : 2;
        var block = System.Text.RegularExpressions.Regex.Match(name, @"\.blocks\.(\d+)\.");
        int index = block.Success ? int.Parse(block.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : name.Contains(".ln", StringComparison.Ordinal) ? int.MaxValue : -1;
        return (part, index, name);
    }

    static void WriteTensor(BinaryWriter writer, string name, Tensor tensor, bool float16)
    {
        bool convolutionBias = name.Contains(".conv", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal);
        long[] shape = convolutionBias ? [tensor.shape[0], 1] : tensor.shape;
        bool keepFloat32 = !float16 || shape.Length == 1 || convolutionBias || name.EndsWith("positional_embedding", StringComparison.Ordinal);
        using var data = tensor.to_type(keepFloat32 ? ScalarType.Float32 : ScalarType.Float16).contiguous();
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        writer.Write(shape.Length);
        writer.Write(nameBytes.Length);
        writer.Write(keepFloat32 ? 0 : 1);
        foreach (long dimension in shape.Reverse())
            writer.Write(checked((int)dimension));
        writer.Write(nameBytes);
        writer.Write(data.bytes);
    }

    static string TypeName(int type) => type switch
    {
        2 => "Q4_0",
        3 => "Q4_1",
        6 => "Q5_0",
        7 => "Q5_1",
        8 => "Q8_0",
        _ => "unknown",
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
