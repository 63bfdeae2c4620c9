using ILGPU;
using ILGPU.Runtime;
using Half = ILGPU.Half;

namespace SpeechToText.Modeling;

/// <summary>
/// The shape of one attention call as the ILGPU kernels see it. Queries are rows [sequences × heads × queries,
/// head size]; keys and values are [sequences × heads, key stride, head size]; all contiguous.
/// </summary>
/// <param name="Queries">Queries per sequence and head.</param>
/// <param name="Keys">Keys (and values) per sequence and head.</param>
/// <param name="KeyStride">Positions allocated per sequence and head (at least <paramref name="Keys"/>).</param>
/// <param name="HeadSize">Elements per query, key and value.</param>
/// <param name="Splits">Chunks the keys are split into, each attended by its own thread group.</param>
/// <param name="ChunkSize">Keys per chunk (the last may have fewer).</param>
/// <param name="CausalOffset">
/// -1: every query sees every key. Otherwise query i sees keys 0 .. CausalOffset + i (a causal mask over
/// a prefix of CausalOffset cached positions).
/// </param>
/// <param name="Scale">Factor of the scores (1/√head size).</param>
internal readonly record struct AttentionShape(int Queries, int Keys, int KeyStride, int HeadSize, int Splits, int ChunkSize, int CausalOffset, float Scale)
{
    /// <summary>Keys visible to query <paramref name="query"/>.</summary>
    public int VisibleKeys(int query) => CausalOffset < 0 ? Keys : Math.Min(Keys, CausalOffset + query + 1);
}

/// <summary>How keys and values are stored on the accelerator: read into fp32 for arithmetic.</summary>
/// <typeparam name="T">The stored element type.</typeparam>
internal interface IStoredNumbers<T> where T : unmanaged
{
    /// <summary>A stored number as fp32.</summary>
    float Load(T value);

    /// <summary>An fp32 number as stored (on the host, before upload).</summary>
    T Store(float value);
}

/// <summary>Keys and values stored in fp32.</summary>
internal readonly struct Fp32Numbers : IStoredNumbers<float>
{
    public float Load(float value) => value;

    public float Store(float value) => value;
}

/// <summary>Keys and values stored in fp16: half the memory and bus traffic (as whisper.cpp's KV cache).</summary>
internal readonly struct Fp16Numbers : IStoredNumbers<Half>
{
    public float Load(Half value) => value;

    public Half Store(float value) => (Half)value;
}

/// <summary>Where <see cref="AttentionKernels.CopyPositions"/> copies: rows of positions of head size numbers.</summary>
/// <param name="HeadSize">Numbers per position.</param>
/// <param name="Count">Positions copied per row.</param>
/// <param name="SourceStride">Positions per row in the source.</param>
/// <param name="TargetStride">Positions per row in the target.</param>
/// <param name="TargetOffset">The target position of the first copied one.</param>
internal readonly record struct PositionCopy(int HeadSize, int Count, int SourceStride, int TargetStride, int TargetOffset);

/// <summary>
/// Attention as ILGPU kernels. For few queries, two passes (flash-decoding): every thread group attends one
/// query over one chunk of the keys with an online softmax, keeping only a running maximum, a running sum and
/// a weighted sum of values; a second kernel merges the chunks of each query, rescaling each by its maximum
/// so that the merge is exact and stable. Splitting keys across groups keeps a GPU busy when there are few
/// queries (one per head and beam at each decoding step) and many keys (1,500 audio positions). For many
/// queries, <see cref="AttendTile"/>. Keys and values are read through <see cref="IStoredNumbers{T}"/> (fp32
/// or fp16); queries, scores and accumulation are fp32. <see cref="CopyPositions"/> moves resident keys/values.
/// </summary>
internal static class AttentionKernels
{
    /// <summary>
    /// The most threads per group: the keys scored at once, and the value columns updated at once. Launches
    /// may use fewer (ILGPU's CPU accelerator allows 16); the kernels read the group's size.
    /// </summary>
    public const int MaxGroupSize = 64;

    /// <summary>The largest head size the kernels take (Whisper's is 64).</summary>
    public const int MaxHeadSize = 256;

    /// <summary>The largest head size of <see cref="AttendTile"/>, whose key and value tiles live in shared memory.</summary>
    public const int MaxTiledHeadSize = 64;

    /// <summary>
    /// One query over one chunk of keys. Group index = query row × splits + chunk. Writes the chunk's
    /// weighted value sum to <paramref name="partials"/> [rows × splits, head size] and its (maximum, sum of
    /// exponentials) to <paramref name="statistics"/> [rows × splits, 2].
    /// </summary>
    public static void AttendChunk<T, TNumbers>(
        ArrayView<float> queries, ArrayView<T> keys, ArrayView<T> values,
        ArrayView<float> partials, ArrayView<float> statistics, AttentionShape shape)
        where T : unmanaged
        where TNumbers : struct, IStoredNumbers<T>
    {
        var numbers = default(TNumbers);
        int thread = Group.IdxX, threads = Group.DimX;
        int row = Grid.IdxX / shape.Splits, chunk = Grid.IdxX % shape.Splits;
        int query = row % shape.Queries, head = row / shape.Queries, size = shape.HeadSize;
        int start = chunk * shape.ChunkSize;
        int end = Math.Min(start + shape.ChunkSize, shape.VisibleKeys(query));
        long keyBase = (long)head * shape.KeyStride * size;

        var q = SharedMemory.Allocate<float>(MaxHeadSize);
        var sum = SharedMemory.Allocate<float>(MaxHeadSize);
        var weights = SharedMemory.Allocate<float>(MaxGroupSize);
        var state = SharedMemory.Allocate<float>(3); // running maximum, running sum of exponentials, last rescale

        for (int d = thread; d < size; d += threads)
        {
            q[d] = queries[(long)row * size + d] * shape.Scale;
            sum[d] = 0;
        }
        if (thread == 0)
        {
            state[0] = float.NegativeInfinity;
            state[1] = 0;
        }
        Group.Barrier();

        for (int tile = start; tile < end; tile += threads)
        {
            int count = Math.Min(threads, end - tile);
            float score = float.NegativeInfinity;
            if (thread < count)
            {
                long k = keyBase + (long)(tile + thread) * size;
                score = 0;
                for (int d = 0; d < size; d++)
                    score += q[d] * numbers.Load(keys[k + d]);
            }
            weights[thread] = score;
            Group.Barrier();

            if (thread == 0)
            {
                float maximum = state[0];
                for (int j = 0; j < count; j++)
                    maximum = Math.Max(maximum, weights[j]);
                float rescale = MathF.Exp(state[0] - maximum);
                float total = 0;
                for (int j = 0; j < count; j++)
                {
                    weights[j] = MathF.Exp(weights[j] - maximum);
                    total += weights[j];
                }
                state[0] = maximum;
                state[1] = state[1] * rescale + total;
                state[2] = rescale;
            }
            Group.Barrier();

            float factor = state[2];
            for (int d = thread; d < size; d += threads)
            {
                float accumulated = sum[d] * factor;
                long v = keyBase + (long)tile * size + d;
                for (int j = 0; j < count; j++)
                    accumulated += weights[j] * numbers.Load(values[v + (long)j * size]);
                sum[d] = accumulated;
            }
            Group.Barrier();
        }

        long slot = (long)Grid.IdxX;
        for (int d = thread; d < size; d += threads)
            partials[slot * size + d] = sum[d];
        if (thread == 0)
        {
            statistics[slot * 2] = state[0];
            statistics[slot * 2 + 1] = state[1];
        }
    }

    /// <summary>
    /// Merges the chunks of each query: one thread per (query row, value column) of <paramref name="output"/>
    /// [rows, head size]. Chunks that saw no key (maximum −∞) contribute nothing.
    /// </summary>
    public static void MergeChunks(Index1D index, ArrayView<float> partials, ArrayView<float> statistics, ArrayView<float> output, AttentionShape shape)
    {
        int row = index / shape.HeadSize, column = index % shape.HeadSize;
        long first = (long)row * shape.Splits;
        float maximum = float.NegativeInfinity;
        for (int s = 0; s < shape.Splits; s++)
            maximum = Math.Max(maximum, statistics[(first + s) * 2]);
        float total = 0, value = 0;
        for (int s = 0; s < shape.Splits; s++)
        {
            float chunkMaximum = statistics[(first + s) * 2];
            if (chunkMaximum == float.NegativeInfinity)
                continue;
            float weight = MathF.Exp(chunkMaximum - maximum);
            total += statistics[(first + s) * 2 + 1] * weight;
            value += partials[(first + s) * shape.HeadSize + column] * weight;
        }
        output[index] = value / total;
    }

    /// <summary>
    /// Copies positions between row-major [rows, positions, head size] buffers of different row lengths: one
    /// thread per copied number (appending new keys/values to resident ones, or moving them to a larger buffer).
    /// </summary>
    public static void CopyPositions<T>(Index1D index, ArrayView<T> source, ArrayView<T> target, PositionCopy layout)
        where T : unmanaged
    {
        int perRow = layout.Count * layout.HeadSize;
        int row = index / perRow, within = index % perRow;
        int position = within / layout.HeadSize, column = within % layout.HeadSize;
        target[((long)row * layout.TargetStride + layout.TargetOffset + position) * layout.HeadSize + column] =
            source[((long)row * layout.SourceStride + position) * layout.HeadSize + column];
    }

    /// <summary>
    /// Many queries over all keys (encoder self-attention), tiled: a group takes as many consecutive queries of
    /// one head as it has threads, one query per thread, and walks the keys a tile at a time, each tile of keys
    /// and values loaded once into shared memory by the whole group and used by all its queries. Each thread keeps
    /// its own running maximum, sum and weighted values (an online softmax), so no second pass is needed. Head
    /// size at most <see cref="MaxTiledHeadSize"/>; group index = head × query tiles + query tile.
    /// </summary>
    public static void AttendTile<T, TNumbers>(ArrayView<float> queries, ArrayView<T> keys, ArrayView<T> values, ArrayView<float> output, AttentionShape shape)
        where T : unmanaged
        where TNumbers : struct, IStoredNumbers<T>
    {
        var numbers = default(TNumbers);
        int thread = Group.IdxX, threads = Group.DimX, size = shape.HeadSize;
        int tiles = (shape.Queries + threads - 1) / threads;
        int head = Grid.IdxX / tiles, query = Grid.IdxX % tiles * threads + thread;
        bool active = query < shape.Queries;
        long row = (long)head * shape.Queries + query, keyBase = (long)head * shape.KeyStride * size;
        int visible = active ? shape.VisibleKeys(query) : 0;

        var keyTile = SharedMemory.Allocate<float>(MaxGroupSize * MaxTiledHeadSize);
        var valueTile = SharedMemory.Allocate<float>(MaxGroupSize * MaxTiledHeadSize);
        var q = LocalMemory.Allocate1D<float>(MaxTiledHeadSize);
        var sum = LocalMemory.Allocate1D<float>(MaxTiledHeadSize);
        for (int d = 0; d < size; d++)
        {
            q[d] = active ? queries[row * size + d] * shape.Scale : 0;
            sum[d] = 0;
        }
        float maximum = float.NegativeInfinity, total = 0;

        for (int tile = 0; tile < shape.Keys; tile += threads)
        {
            int count = Math.Min(threads, shape.Keys - tile);
            if (thread < count)
            {
                long source = keyBase + (long)(tile + thread) * size;
                for (int d = 0; d < size; d++)
                {
                    keyTile[thread * MaxTiledHeadSize + d] = numbers.Load(keys[source + d]);
                    valueTile[thread * MaxTiledHeadSize + d] = numbers.Load(values[source + d]);
                }
            }
            Group.Barrier();

            int usable = Math.Min(count, visible - tile);
            for (int j = 0; j < usable; j++)
            {
                float score = 0;
                for (int d = 0; d < size; d++)
                    score += q[d] * keyTile[j * MaxTiledHeadSize + d];
                float next = Math.Max(maximum, score);
                float rescale = MathF.Exp(maximum - next), weight = MathF.Exp(score - next);
                for (int d = 0; d < size; d++)
                    sum[d] = sum[d] * rescale + weight * valueTile[j * MaxTiledHeadSize + d];
                total = total * rescale + weight;
                maximum = next;
            }
            Group.Barrier();
        }

        if (active)
        {
            for (int d = 0; d < size; d++)
                output[row * size + d] = sum[d] / total;
        }
    }
}
