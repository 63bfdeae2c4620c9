using SpeechToText.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Decoding;

/// <summary>
/// whisper.cpp's CPU arithmetic (ggml, flash attention on, 2 threads), written out so that its decodes can
/// be compared closely with ours. Where it differs from the reference model's float32 arithmetic:
/// <list type="bullet">
/// <item>convolutions multiply float16-rounded inputs by float16-rounded kernels (ggml's im2col is float16);</item>
/// <item>GELU is the tanh approximation, looked up in a float16 table by the float16-rounded input;</item>
/// <item>keys and values are stored in float16. The encoder (many queries: ggml's tiled kernel) otherwise
/// attends in float32. The decoder (few queries) rounds its queries to float16 too and runs an online
/// softmax over the keys in order, accumulating the weighted values in float16; one query over 512 keys or
/// more is split into one such pass per thread, merged in float32. Decoder self-attention queries and keys
/// are scaled by head size^-¼ before rounding; cross-attention keys likewise, with the other factor applied
/// to the scores.</item>
/// </list>
/// The zero padding of its audio buffers is added separately (<see cref="WhisperModel.AudioKeyPadding"/>).
/// </summary>
internal sealed class WhisperCppKernels : ModelKernels
{
    public override Tensor Attend(AttentionKind kind, Tensor queries, Tensor keys, Tensor values)
    {
        int count = (int)queries.shape[2], keyCount = (int)keys.shape[2], size = (int)queries.shape[3];
        if (kind == AttentionKind.EncoderSelf)
        {
            // Many query rows: ggml's tiled kernel, float32 throughout over the float16 cache.
            using var k16 = keys.to(ScalarType.Float16).to(ScalarType.Float32);
            using var v16 = values.to(ScalarType.Float16).to(ScalarType.Float32);
            return base.Attend(kind, queries, k16, v16);
        }
        float quarter = (float)Math.Pow(size, -0.25);
        var (queryScale, keyScale, scoreScale) = kind == AttentionKind.DecoderSelf ? (quarter, quarter, 1f) : (1f, quarter, quarter);
        var q = Float16(queries, queryScale);
        var k = Float16(keys, keyScale);
        var v = Float16(values, 1f);
        // One query over at least 512 keys: ggml splits the keys into one chunk per thread (2 here).
        int chunks = count == 1 && keyCount >= 512 ? Threads : 1;
        var output = new float[q.Length];
        int offset = keyCount - count;
        Parallel.For(0, q.Length / size, row =>
        {
            int head = row / count, query = row % count;
            int visible = kind == AttentionKind.DecoderSelf ? offset + query + 1 : keyCount;
            var qRow = q.AsSpan(row * size, size);
            var kHead = k.AsSpan(head * keyCount * size, keyCount * size);
            var vHead = v.AsSpan(head * keyCount * size, keyCount * size);
            int chunk = (keyCount + chunks - 1) / chunks;
            float max = float.NegativeInfinity, sum = 0;
            var accumulator = new float[size];
            for (int c = 0; c < chunks; c++)
            {
                int from = c * chunk, to = Math.Min(Math.Min(from + chunk, keyCount), visible);
                if (from >= to)
                    continue;
                var (chunkMax, chunkSum, chunkValues) = Partial(qRow, kHead, vHead, from, to, size, scoreScale);
                if (chunks == 1)
                {
                    (max, sum, accumulator) = (chunkMax, chunkSum, chunkValues);
                    break;
                }
                if (chunkSum == 0)
                    continue;
                float newMax = MathF.Max(max, chunkMax);
                float old = MathF.Exp(max - newMax), fresh = MathF.Exp(chunkMax - newMax);
                sum = sum * old + chunkSum * fresh;
                for (int d = 0; d < size; d++)
                    accumulator[d] = MathF.FusedMultiplyAdd(accumulator[d], old, chunkValues[d] * fresh);
                max = newMax;
            }
            float inverse = sum == 0 ? 0 : 1 / sum;
            for (int d = 0; d < size; d++)
                output[row * size + d] = accumulator[d] * inverse;
        });
        return torch.tensor(output, queries.shape);
    }

    const int Threads = 2;

    /// <summary>ggml's reference flash-attention loop over keys [from, to): online softmax, float16 accumulator.</summary>
    static (float Max, float Sum, float[] Values) Partial(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int from, int to, int size, float scale)
    {
        var accumulator = new float[size]; // float16 values
        float sum = 0, max = float.NegativeInfinity;
        for (int key = from; key < to; key++)
        {
            float score = Dot(q, k.Slice(key * size, size)) * scale;
            float rescale = 1, weight = 1;
            if (score > max)
            {
                rescale = MathF.Exp(max - score);
                max = score;
                for (int d = 0; d < size; d++)
                    accumulator[d] = (float)(Half)(accumulator[d] * rescale);
            }
            else
            {
                weight = MathF.Exp(score - max);
            }
            var vRow = v.Slice(key * size, size);
            for (int d = 0; d < size; d++)
                accumulator[d] = (float)(Half)MathF.FusedMultiplyAdd(vRow[d], weight, accumulator[d]);
            sum = sum * rescale + weight;
        }
        return (max, sum, accumulator);
    }

    /// <summary>ggml_vec_dot_f16 as an AVX2 build reduces it: blocks of 32 in four 8-lane float32 sums, the rest in double.</summary>
    static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int blocked = x.Length & ~31;
        Span<float> lanes = stackalloc float[32];
        lanes.Clear();
        for (int i = 0; i < blocked; i += 32)
            for (int j = 0; j < 32; j++)
                lanes[j] = MathF.FusedMultiplyAdd(x[i + j], y[i + j], lanes[j]);
        Span<float> reduced = stackalloc float[8];
        for (int l = 0; l < 8; l++)
            reduced[l] = (lanes[l] + lanes[16 + l]) + (lanes[8 + l] + lanes[24 + l]);
        float t0 = reduced[0] + reduced[4], t1 = reduced[1] + reduced[5], t2 = reduced[2] + reduced[6], t3 = reduced[3] + reduced[7];
        double total = blocked > 0 ? (t0 + t1) + (t2 + t3) : 0;
        for (int i = blocked; i < x.Length; i++)
            total += x[i] * y[i];
        return (float)total;
    }

    public override Tensor Gelu(Tensor x)
    {
        var values = x.contiguous().data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            values[i] = TableGelu(values[i]);
        return torch.tensor(values, x.shape);
    }

    public override Tensor Convolve(Conv1d convolution, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var rounded = input.to(ScalarType.Float16).to(ScalarType.Float64);
        using var kernel = convolution.weight!.to(ScalarType.Float16).to(ScalarType.Float64);
        var stride = convolution.stride[0];
        var result = nn.functional.conv1d(rounded, kernel, null, stride, 1).to(ScalarType.Float32) + convolution.bias!.unsqueeze(-1);
        return result.MoveToOuterDisposeScope();
    }

    static float TableGelu(float x)
    {
        if (x <= -10)
            return 0;
        if (x >= 10)
            return x;
        float h = (float)(Half)x;
        return (float)(Half)(0.5f * h * (1.0f + MathF.Tanh(0.7978845608028654f * h * (1.0f + 0.044715f * h * h))));
    }

    static float[] Float16(Tensor x, float scale)
    {
        var values = x.contiguous().data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Half)(values[i] * scale);
        return values;
    }
}
