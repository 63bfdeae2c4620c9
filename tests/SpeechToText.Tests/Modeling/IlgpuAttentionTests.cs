using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Modeling;

/// <summary>One ILGPU CPU accelerator for the tests of a class: opening one compiles the kernels (seconds).</summary>
public class CpuAccelerator : IDisposable
{
    internal CpuAccelerator(KeyValueStorage storage) => Attention = IlgpuAttention.Open(IlgpuDevice.Cpu, out _, storage);

    public CpuAccelerator()
        : this(KeyValueStorage.Fp32)
    {
    }

    internal IlgpuAttention Attention { get; }

    public void Dispose()
    {
        Attention.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The CPU accelerator with keys and values stored in fp16, as on a GPU.</summary>
public sealed class Fp16CpuAccelerator() : CpuAccelerator(KeyValueStorage.Fp16);

public class IlgpuAttentionTests(CpuAccelerator accelerator) : IClassFixture<CpuAccelerator>
{
    const double Tolerance = 1e-4;

    /// <summary>The ILGPU kernels' answer and TorchSharp's for the same random queries, keys and values.</summary>
    (float[] Ilgpu, float[] Torch) Both(int sequences, int heads, int queries, int keys, int headSize, int causalOffset, int seed,
        AttentionKernel kernel = AttentionKernel.Chunked) => Compare(accelerator.Attention, sequences, heads, queries, keys, headSize, causalOffset, seed, kernel);

    /// <summary>
    /// The kernels' answer and TorchSharp's for the same random queries, keys and values; TorchSharp gets the
    /// keys and values as the accelerator stores them (rounded to fp16 if it stores fp16).
    /// </summary>
    internal static (float[] Ilgpu, float[] Torch) Compare(IlgpuAttention attention, int sequences, int heads, int queries, int keys, int headSize,
        int causalOffset, int seed, AttentionKernel kernel)
    {
        torch.manual_seed(seed);
        using var q = torch.randn(sequences, heads, queries, headSize);
        using var k = AsStored(torch.randn(sequences, heads, keys, headSize), attention.Storage);
        using var v = AsStored(torch.randn(sequences, heads, keys, headSize), attention.Storage);
        var kind = causalOffset >= 0 ? AttentionKind.DecoderSelf : AttentionKind.Cross;
        using var expected = ModelKernels.Torch.Attend(kind, q, k, v);

        using var resident = attention.Upload(k.data<float>().ToArray(), v.data<float>().ToArray(), sequences * heads, keys, headSize);
        var actual = attention.Attend(q.data<float>().ToArray(), queries, resident, causalOffset, kernel);
        return (actual, expected.data<float>().ToArray());
    }

    static Tensor AsStored(Tensor values, KeyValueStorage storage)
    {
        if (storage == KeyValueStorage.Fp32)
            return values;
        using (values)
        using (var half = values.to_type(ScalarType.Float16))
            return half.to_type(ScalarType.Float32);
    }

    internal static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    [Theory]
    [InlineData(1, 1, 1, 1, 64)]       // one key
    [InlineData(1, 6, 1, 1500, 64)]    // a decoding step over a 30 s window
    [InlineData(5, 6, 1, 1500, 64)]    // five beams
    [InlineData(2, 3, 1, 256, 17)]     // exactly one chunk, odd head size
    [InlineData(3, 2, 1, 257, 65)]     // one key into a second chunk
    [InlineData(1, 4, 7, 300, 1)]      // head size 1, several queries
    [InlineData(4, 5, 2, 513, 80)]
    public void Matches_torch_without_a_mask(int sequences, int heads, int queries, int keys, int headSize)
    {
        var (ilgpu, expected) = Both(sequences, heads, queries, keys, headSize, causalOffset: -1, seed: keys + headSize);

        Assert.Equal(expected.Length, ilgpu.Length);
        Assert.True(MaxDifference(ilgpu, expected) < Tolerance, $"max difference {MaxDifference(ilgpu, expected):E2}");
    }

    [Theory]
    [InlineData(1, 4, 1, 100)]     // a cached decoding step: the query sees every key
    [InlineData(5, 6, 1, 447)]     // five beams at the end of the text context
    [InlineData(1, 2, 5, 0)]       // a prompt of 5 from an empty cache: query i sees keys 0..i
    [InlineData(2, 3, 4, 300)]     // 4 new positions after 300 cached, across a chunk boundary
    public void Matches_torch_with_the_causal_mask(int sequences, int heads, int queries, int cached)
    {
        var (ilgpu, expected) = Both(sequences, heads, queries, cached + queries, 64, causalOffset: cached, seed: cached);

        Assert.True(MaxDifference(ilgpu, expected) < Tolerance, $"max difference {MaxDifference(ilgpu, expected):E2}");
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]       // one position
    [InlineData(1, 4, 150, 64)]    // a 3 s clip through the bundled model's encoder
    [InlineData(2, 3, 37, 17)]     // a partial last tile, odd head size
    [InlineData(1, 2, 300, 1)]
    public void The_tiled_encoder_kernel_matches_torch(int sequences, int heads, int positions, int headSize)
    {
        var (ilgpu, expected) = Both(sequences, heads, positions, positions, headSize, causalOffset: -1, seed: positions, AttentionKernel.Tiled);

        Assert.True(MaxDifference(ilgpu, expected) < Tolerance, $"max difference {MaxDifference(ilgpu, expected):E2}");
    }

    [Fact]
    public void The_tiled_kernel_applies_the_causal_mask()
    {
        var (ilgpu, expected) = Both(1, 2, 40, 70, 64, causalOffset: 30, seed: 5, AttentionKernel.Tiled);

        Assert.True(MaxDifference(ilgpu, expected) < Tolerance, $"max difference {MaxDifference(ilgpu, expected):E2}");
    }

    [Fact]
    public void Random_shapes_match_torch()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 12; trial++)
        {
            int sequences = random.Next(1, 6), heads = random.Next(1, 7), headSize = random.Next(1, 130);
            int queries = random.Next(1, 4), keys = random.Next(queries, 1501);
            int causalOffset = random.Next(2) == 0 ? -1 : keys - queries;
            var kernel = headSize <= AttentionKernels.MaxTiledHeadSize && trial % 3 == 0 ? AttentionKernel.Tiled : AttentionKernel.Chunked;
            var (ilgpu, expected) = Both(sequences, heads, queries, keys, headSize, causalOffset, seed: trial, kernel);

            Assert.True(MaxDifference(ilgpu, expected) < Tolerance,
                $"{kernel}: {sequences} sequences, {heads} heads, {queries} queries, {keys} keys, head size {headSize}, offset {causalOffset}: {MaxDifference(ilgpu, expected):E2}");
        }
    }

    [Fact]
    public void Resident_keys_and_values_grow_by_appending_new_positions_only()
    {
        const int Rows = 6, Size = 33;
        torch.manual_seed(3);
        using var keys = torch.randn(1, Rows, 40, Size);
        using var values = torch.randn(1, Rows, 40, Size);
        using var resident = accelerator.Attention.Reserve(Rows, capacity: 4, Size);

        int length = 0;
        foreach (int added in new[] { 3, 1, 1, 7, 1, 27 }) // grows to 8, 16, then 40 (doubling, or what is needed)
        {
            using var newKeys = keys.narrow(2, length, added).contiguous();
            using var newValues = values.narrow(2, length, added).contiguous();
            accelerator.Attention.Append(resident, newKeys.data<float>().ToArray(), newValues.data<float>().ToArray(), added);
            length += added;

            using var query = torch.randn(1, Rows, 1, Size);
            using var expected = ModelKernels.Torch.Attend(AttentionKind.DecoderSelf, query, keys.narrow(2, 0, length), values.narrow(2, 0, length));
            var actual = accelerator.Attention.Attend(query.data<float>().ToArray(), 1, resident, causalOffset: length - 1);
            Assert.Equal(length, resident.Length);
            Assert.True(MaxDifference(actual, expected.data<float>().ToArray()) < Tolerance, $"after {length} positions");
        }
        Assert.Equal(40, resident.Capacity);
    }

    [Fact]
    public void Refuses_shapes_that_do_not_fit()
    {
        using var resident = accelerator.Attention.Upload(new float[2 * 10 * 4], new float[2 * 10 * 4], 2, 10, 4);

        Assert.Contains("Queries must hold", Assert.Throws<ArgumentException>(() => accelerator.Attention.Attend(new float[5], 1, resident)).Message);
        Assert.Contains("need 12 keys; there are 10", Assert.Throws<ArgumentException>(() => accelerator.Attention.Attend(new float[2 * 3 * 4], 3, resident, causalOffset: 9)).Message);
        Assert.Throws<ArgumentException>(() => accelerator.Attention.Upload(new float[3], new float[3], 1, 2, 2));
    }
}

public class IlgpuFp16StorageTests(Fp16CpuAccelerator accelerator) : IClassFixture<Fp16CpuAccelerator>
{
    [Theory]
    [InlineData(false, 5, 6, 1, 1500, 64, -1)] // five beams over a 30 s window
    [InlineData(false, 2, 3, 4, 300, 17, 296)] // cached self-attention across a chunk boundary
    [InlineData(true, 1, 4, 150, 150, 64, -1)] // the encoder of a 3 s clip, tiled
    public void Attention_over_fp16_keys_and_values_matches_torch_over_the_same_rounded_numbers(
        bool tiled, int sequences, int heads, int queries, int keys, int headSize, int causalOffset)
    {
        var kernel = tiled ? AttentionKernel.Tiled : AttentionKernel.Chunked;
        var (ilgpu, expected) = IlgpuAttentionTests.Compare(accelerator.Attention, sequences, heads, queries, keys, headSize, causalOffset, seed: keys, kernel);

        Assert.Equal(KeyValueStorage.Fp16, accelerator.Attention.Storage);
        Assert.True(IlgpuAttentionTests.MaxDifference(ilgpu, expected) < 1e-4, $"max difference {IlgpuAttentionTests.MaxDifference(ilgpu, expected):E2}");
    }

    [Fact]
    public void Appending_to_fp16_resident_keys_keeps_every_position()
    {
        torch.manual_seed(9);
        using var keys = torch.randn(1, 2, 20, 8).to_type(ScalarType.Float16).to_type(ScalarType.Float32);
        using var resident = accelerator.Attention.Reserve(2, capacity: 2, 8);
        for (int position = 0; position < 20; position++)
        {
            using var next = keys.narrow(2, position, 1).contiguous();
            accelerator.Attention.Append(resident, next.data<float>().ToArray(), next.data<float>().ToArray(), 1);
        }
        using var query = torch.randn(1, 2, 1, 8);
        using var expected = ModelKernels.Torch.Attend(AttentionKind.DecoderSelf, query, keys, keys);

        var actual = accelerator.Attention.Attend(query.data<float>().ToArray(), 1, resident, causalOffset: 19);

        Assert.True(IlgpuAttentionTests.MaxDifference(actual, expected.data<float>().ToArray()) < 1e-4);
    }
}
