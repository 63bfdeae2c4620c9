using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace SpeechToText.Modeling;

/// <summary>Where <see cref="IlgpuAttention"/> runs its kernels.</summary>
internal enum IlgpuDevice
{
    /// <summary>The first CUDA GPU if one works, else the CPU accelerator.</summary>
    Auto,

    /// <summary>A CUDA GPU; fails when none works.</summary>
    Cuda,

    /// <summary>ILGPU's CPU accelerator: runs the same kernels exactly, slowly (for tests and machines without a GPU).</summary>
    Cpu,
}

/// <summary>Which kernel computes an attention.</summary>
internal enum AttentionKernel
{
    /// <summary>Tiled for many queries, chunked for few.</summary>
    Auto,

    /// <summary><see cref="AttentionKernels.AttendChunk"/> and <see cref="AttentionKernels.MergeChunks"/> (flash-decoding).</summary>
    Chunked,

    /// <summary><see cref="AttentionKernels.AttendTile"/>.</summary>
    Tiled,
}

/// <summary>
/// Keys and values resident on the accelerator, [sequences × heads, capacity, head size] of which the first
/// <see cref="Length"/> positions of each row are used: uploaded once per audio window (cross-attention), or
/// appended to at each decoding step (self-attention), so that only new positions cross the bus. Owns its
/// device memory.
/// </summary>
internal sealed class DeviceKeysValues(MemoryBuffer1D<float, Stride1D.Dense> keys, MemoryBuffer1D<float, Stride1D.Dense> values, int heads, int capacity, int length, int headSize) : IDisposable
{
    public MemoryBuffer1D<float, Stride1D.Dense> Keys { get; set; } = keys;
    public MemoryBuffer1D<float, Stride1D.Dense> Values { get; set; } = values;

    /// <summary>Sequences × heads.</summary>
    public int Heads { get; } = heads;

    /// <summary>Positions allocated per row.</summary>
    public int Capacity { get; set; } = capacity;

    /// <summary>Positions used per row.</summary>
    public int Length { get; set; } = length;

    public int HeadSize { get; } = headSize;

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}

/// <summary>
/// Runs <see cref="AttentionKernels"/> on an ILGPU accelerator: a CUDA GPU, or the CPU accelerator that
/// executes the same kernels. Not thread-safe: one caller at a time.
/// </summary>
internal sealed class IlgpuAttention : IDisposable
{
    /// <summary>Keys per chunk: a decoding step over 1,500 audio positions runs 6 groups per head and beam.</summary>
    public const int ChunkSize = 256;

    const string NoGpuMessage = "no usable CUDA GPU";

    readonly Context _context;
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attendChunk;
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _mergeChunks;
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PositionCopy> _copyPositions;
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attendTile;

    IlgpuAttention(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
        _attendChunk = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.AttendChunk);
        _mergeChunks = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.MergeChunks);
        _attendTile = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.AttendTile);
        _copyPositions = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PositionCopy>(AttentionKernels.CopyPositions);
    }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Whether the kernels run on a GPU (rather than the CPU accelerator).</summary>
    public bool OnGpu => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>
    /// Opens <paramref name="device"/>. With <see cref="IlgpuDevice.Auto"/>, any failure to find or start a
    /// CUDA device (no GPU, no driver, a driver too old) falls back to the CPU accelerator and is reported in
    /// <paramref name="fallbackReason"/>; with <see cref="IlgpuDevice.Cuda"/> it is an
    /// <see cref="InvalidOperationException"/> that says why.
    /// </summary>
    public static IlgpuAttention Open(IlgpuDevice device, out string? fallbackReason) => Open(device, OpenCuda, out fallbackReason);

    /// <summary><see cref="Open(IlgpuDevice, out string?)"/> with the way to start a CUDA GPU given (tests simulate failures).</summary>
    internal static IlgpuAttention Open(IlgpuDevice device, Func<IlgpuAttention> openCuda, out string? fallbackReason)
    {
        fallbackReason = null;
        if (device != IlgpuDevice.Cpu)
        {
            try
            {
                return openCuda();
            }
            catch (Exception error) when (device == IlgpuDevice.Auto && error is not OutOfMemoryException)
            {
                fallbackReason = $"{NoGpu(error).Message}; attention kernels run on ILGPU's CPU accelerator";
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                throw NoGpu(error);
            }
        }
        var context = Context.Create(builder => builder.CPU().Optimize(OptimizationLevel.O1));
        return new IlgpuAttention(context, context.CreateCPUAccelerator(0));
    }

    /// <summary>The first CUDA GPU. Throws if there is none or it cannot be started (no driver, a driver too old).</summary>
    static IlgpuAttention OpenCuda()
    {
        // Without the driver library there is nothing to find; saying so is quicker and clearer than ILGPU's probe.
        string driver = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(driver, out var handle))
            throw new InvalidOperationException($"{NoGpuMessage} (no CUDA driver: {driver} not found)");
        NativeLibrary.Free(handle);
        var context = Context.Create(builder => builder.Cuda().Optimize(OptimizationLevel.O1));
        try
        {
            var gpus = context.GetCudaDevices();
            if (gpus.Count == 0)
                throw new InvalidOperationException($"{NoGpuMessage} (none found)");
            return new IlgpuAttention(context, gpus[0].CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The error that says why no GPU could be used, in one line.</summary>
    static InvalidOperationException NoGpu(Exception error) =>
        error is InvalidOperationException own && own.Message.StartsWith(NoGpuMessage, StringComparison.Ordinal)
            ? own
            : new InvalidOperationException($"{NoGpuMessage} ({error.GetType().Name}: {error.Message.Split('\n')[0].Trim()})", error);

    /// <summary>Uploads keys and values [sequences × heads, length, head size] (row-major, fp32).</summary>
    public DeviceKeysValues Upload(float[] keys, float[] values, int heads, int length, int headSize)
    {
        long expected = (long)heads * length * headSize;
        if (keys.Length != expected || values.Length != expected)
            throw new ArgumentException($"Keys and values must hold {heads} × {length} × {headSize} = {expected} numbers; they hold {keys.Length} and {values.Length}.");
        var deviceKeys = Accelerator.Allocate1D(keys);
        var deviceValues = Accelerator.Allocate1D(values);
        return new DeviceKeysValues(deviceKeys, deviceValues, heads, length, length, headSize);
    }

    /// <summary>Resident room for keys and values of <paramref name="heads"/> rows, none used yet.</summary>
    public DeviceKeysValues Reserve(int heads, int capacity, int headSize)
    {
        long elements = (long)heads * capacity * headSize;
        return new DeviceKeysValues(Accelerator.Allocate1D<float>(elements), Accelerator.Allocate1D<float>(elements), heads, capacity, 0, headSize);
    }

    /// <summary>
    /// Appends <paramref name="count"/> positions [heads, count, head size] to resident keys/values, growing
    /// them (by doubling, on the device) when full: only the new positions cross the bus.
    /// </summary>
    public void Append(DeviceKeysValues resident, float[] keys, float[] values, int count)
    {
        long expected = (long)resident.Heads * count * resident.HeadSize;
        if (keys.Length != expected || values.Length != expected)
            throw new ArgumentException($"New positions must hold {resident.Heads} × {count} × {resident.HeadSize} = {expected} numbers; they hold {keys.Length} and {values.Length}.");
        if (resident.Length + count > resident.Capacity)
            Grow(resident, Math.Max(resident.Length + count, 2 * resident.Capacity));
        using var newKeys = Accelerator.Allocate1D(keys);
        using var newValues = Accelerator.Allocate1D(values);
        CopyPositions(newKeys, count, resident.Keys, resident, count);
        CopyPositions(newValues, count, resident.Values, resident, count);
        resident.Length += count;
    }

    void Grow(DeviceKeysValues resident, int capacity)
    {
        long elements = (long)resident.Heads * capacity * resident.HeadSize;
        var keys = Accelerator.Allocate1D<float>(elements);
        var values = Accelerator.Allocate1D<float>(elements);
        var grown = new DeviceKeysValues(keys, values, resident.Heads, capacity, 0, resident.HeadSize);
        CopyPositions(resident.Keys, resident.Capacity, keys, grown, resident.Length);
        CopyPositions(resident.Values, resident.Capacity, values, grown, resident.Length);
        resident.Dispose();
        (resident.Keys, resident.Values, resident.Capacity) = (keys, values, capacity);
    }

    /// <summary>Copies the first <paramref name="count"/> positions of each row of <paramref name="source"/> (rows of <paramref name="sourceStride"/> positions) after the used positions of <paramref name="target"/>.</summary>
    void CopyPositions(MemoryBuffer1D<float, Stride1D.Dense> source, int sourceStride, MemoryBuffer1D<float, Stride1D.Dense> targetBuffer, DeviceKeysValues target, int count)
    {
        if (count == 0)
            return;
        var layout = new PositionCopy(target.HeadSize, count, sourceStride, target.Capacity, target.Length);
        _copyPositions((int)((long)target.Heads * count * target.HeadSize), source.View, targetBuffer.View, layout);
    }

    /// <summary>
    /// softmax(q·kᵀ/√d)·v for <paramref name="queries"/> [sequences × heads, count, head size] against
    /// resident keys/values; with <paramref name="causalOffset"/> ≥ 0, query i sees keys 0 .. offset + i.
    /// Returns [sequences × heads, count, head size]. Many queries (a group's worth or more, head size ≤ 64) take
    /// the tiled kernel, few the flash-decoding one, unless <paramref name="kernel"/> says which.
    /// </summary>
    public float[] Attend(float[] queries, int count, DeviceKeysValues keysValues, int causalOffset = -1, AttentionKernel kernel = AttentionKernel.Auto)
    {
        int size = keysValues.HeadSize;
        if (size > AttentionKernels.MaxHeadSize)
            throw new ArgumentException($"Head size {size} is above the kernels' limit of {AttentionKernels.MaxHeadSize}.");
        long rows = (long)keysValues.Heads * count;
        if (queries.Length != rows * size)
            throw new ArgumentException($"Queries must hold {keysValues.Heads} × {count} × {size} numbers; they hold {queries.Length}.");
        if (causalOffset >= 0 && causalOffset + count > keysValues.Length)
            throw new ArgumentException($"{count} queries after {causalOffset} cached positions need {causalOffset + count} keys; there are {keysValues.Length}.");
        int groupSize = Math.Min(AttentionKernels.MaxGroupSize, Accelerator.MaxNumThreadsPerGroup);
        if (kernel == AttentionKernel.Auto)
            kernel = count >= groupSize && size <= AttentionKernels.MaxTiledHeadSize ? AttentionKernel.Tiled : AttentionKernel.Chunked;
        if (kernel == AttentionKernel.Tiled && size > AttentionKernels.MaxTiledHeadSize)
            throw new ArgumentException($"The tiled kernel takes head sizes up to {AttentionKernels.MaxTiledHeadSize}, not {size}.");

        int splits = kernel == AttentionKernel.Tiled ? 1 : Math.Max(1, (keysValues.Length + ChunkSize - 1) / ChunkSize);
        var shape = new AttentionShape(count, keysValues.Length, keysValues.Capacity, size, splits, ChunkSize, causalOffset, 1 / MathF.Sqrt(size));
        using var deviceQueries = Accelerator.Allocate1D(queries);
        using var output = Accelerator.Allocate1D<float>(rows * size);
        if (kernel == AttentionKernel.Tiled)
        {
            int groups = keysValues.Heads * ((count + groupSize - 1) / groupSize);
            _attendTile(new KernelConfig(groups, groupSize), deviceQueries.View, keysValues.Keys.View, keysValues.Values.View, output.View, shape);
        }
        else
        {
            using var partials = Accelerator.Allocate1D<float>(rows * splits * size);
            using var statistics = Accelerator.Allocate1D<float>(rows * splits * 2);
            _attendChunk(new KernelConfig((int)(rows * splits), groupSize), deviceQueries.View, keysValues.Keys.View,
                keysValues.Values.View, partials.View, statistics.View, shape);
            _mergeChunks((int)(rows * size), partials.View, statistics.View, output.View, shape);
        }
        return output.GetAsArray1D();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
