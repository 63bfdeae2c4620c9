using System.Buffers.Binary;
using System.Text;
using SpeechToText.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A safetensors file from a raw header and data, for malformed cases.</summary>
    string Raw(string name, string header, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return _temp.Write(name, file);
    }

    static string ReadError(string path) => Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path)).Message;

    [Fact]
    public void Round_trips_f32_f16_and_bf16_tensors()
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["a"] = torch.randn(3, 4),
            ["b.half"] = torch.randn(5).to_type(ScalarType.Float16),
            ["c.brain"] = torch.randn(2, 2, 2).to_type(ScalarType.BFloat16),
            ["empty"] = torch.zeros(0, 7),
        };
        string path = _temp.File("x.safetensors");
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var read = SafeTensorsFile.Read(path);

        Assert.Equal(tensors.Keys.Order(), read.Keys.Order());
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.shape, read[name].shape);
            Assert.True(tensor.to_type(ScalarType.Float32).eq(read[name]).all().item<bool>(), name);
        }
        Assert.Equal(0UL, (BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path)) + 8) % 8); // data starts aligned
    }

    [Fact]
    public void An_absurd_header_length_is_rejected_without_allocating_it() =>
        Assert.Contains("header length 18446744073709551615 is larger than the file",
            ReadError(Raw("huge.safetensors", "{}", [], declaredHeaderLength: ulong.MaxValue)));

    [Fact]
    public void Offsets_outside_the_data_are_rejected() =>
        Assert.Contains("data offsets [0, 400] outside the 16-byte data",
            ReadError(Raw("outside.safetensors", """{"t":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}""", new byte[16])));

    [Fact]
    public void A_range_that_does_not_match_the_shape_is_rejected() =>
        Assert.Contains("of shape [3] needs 12 bytes but its range holds 16",
            ReadError(Raw("short.safetensors", """{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", new byte[16])));

    [Fact]
    public void Overlapping_tensors_are_rejected() =>
        Assert.Contains("overlap",
            ReadError(Raw("overlap.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[16])));

    [Fact]
    public void A_tensor_named_twice_is_rejected() =>
        Assert.Contains("the header names tensor a 2 times",
            ReadError(Raw("twice.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", new byte[16])));

    [Fact]
    public void Unsupported_dtypes_and_malformed_headers_are_named()
    {
        Assert.Contains("has dtype I64; supported: F32, F16, BF16",
            ReadError(Raw("i64.safetensors", """{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8])));
        Assert.Contains("not valid JSON", ReadError(Raw("json.safetensors", "{not json", new byte[8])));
        Assert.Contains("malformed header entry", ReadError(Raw("noshape.safetensors", """{"t":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4])));
        Assert.Contains("too short", ReadError(_temp.Write("tiny.safetensors", [1, 2, 3])));
    }

    [Fact]
    public void Huge_shapes_are_rejected_before_allocation() =>
        Assert.Contains("needs more bytes",
            ReadError(Raw("hugeshape.safetensors", """{"t":{"dtype":"F32","shape":[4000000000,4000000000],"data_offsets":[0,8]}}""", new byte[8])));

    [Fact]
    public void Random_truncation_and_byte_flips_give_a_clear_error_or_a_valid_file()
    {
        string path = _temp.File("valid.safetensors");
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = torch.randn(8, 8), ["b"] = torch.randn(8) });
        byte[] valid = File.ReadAllBytes(path);
        var random = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            var file = valid[..(trial % 3 == 0 ? random.Next(valid.Length) : valid.Length)];
            for (int flips = random.Next(1, 4); flips > 0 && file.Length > 0; flips--)
                file[random.Next(Math.Min(file.Length, 160))] = (byte)random.Next(256);
            string fuzzed = _temp.Write($"fuzz{trial}.safetensors", file);
            try
            {
                foreach (var tensor in SafeTensorsFile.Read(fuzzed).Values)
                    tensor.Dispose();
            }
            catch (InvalidDataException)
            {
                // A clear error is a correct outcome.
            }
        }
    }
}
