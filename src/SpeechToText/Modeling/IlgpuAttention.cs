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

/// <summary>How keys and values are stored on the accelerator.</summary>
internal enum KeyValueStorage
{
    /// <summary>32-bit floats.</summary>
    Fp32,

    /// <summary>16-bit floats: half the memory and bus traffic; arithmetic stays fp32.</summary>
    Fp16,
}

/// <summary>
/// Keys and values resident on the accelerator, [sequences × heads, capacity, head size] of which the first
/// <see cref="Length"/> positions of each row are used: uploaded once per audio window (cross-attention), or
/// appended to at each decoding step (self-attention), so that only new positions cross the bus. Owns its
/// device memory.
/// </summary>
internal abstract class DeviceKeysValues(int heads, int capacity, int length, int headSize) : IDisposable
{
    /// <summary>Sequences × heads.</summary>
    public int Heads { get; } = heads;

    /// <summary>Positions allocated per row.</summary>
    public int Capacity { get; protected set; } = capacity;

    /// <summary>Positions used per row.</summary>
    public int Length { get; set; } = length;

    public int HeadSize { get; } = headSize;

    public abstract void Dispose();
}

/// <summary><see cref="DeviceKeysValues"/> stored as <typeparamref name="T"/>.</summary>
internal sealed class DeviceKeysValues<T>(MemoryBuffer1D<T, Stride1D.Dense> keys, MemoryBuffer1D<T, Stride1D.Dense> values, int heads, int capacity, int length, int headSize)
    : DeviceKeysValues(heads, capacity, length, headSize)
    where T : unmanaged
{
    public MemoryBuffer1D<T, Stride1D.Dense> Keys { get; private set; } = keys;
    public MemoryBuffer1D<T, Stride1D.Dense> Values { get; private set; } = values;

    /// <summary>Takes <paramref name="larger"/>'s buffers (to which the used positions were copied), freeing these.</summary>
    public void Replace(DeviceKeysValues<T> larger)
    {
        Dispose();
        (Keys, Values, Capacity) = (larger.Keys, larger.Values, larger.Capacity);
    }

    public override void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}

/// <summary>
/// Runs <see cref="AttentionKernels"/> on an ILGPU accelerator: a CUDA GPU, or the CPU accelerator that
/// executes the same kernels. Not thread-safe: one caller at a time.
/// </summary>
internal abstract class IlgpuAttention : IDisposable
{
    /// <summary>Keys per chunk: a decoding step over 1,500 audio positions runs 6 groups per head and beam.</summary>
    public const int ChunkSize = 256;

    const string NoGpuMessage = "no usable CUDA GPU";

    readonly Context _context;

    protected IlgpuAttention(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
    }

    /// <summary>How keys and values are stored.</summary>
    public abstract KeyValueStorage Storage { get; }

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
    /// Keys and values are stored in fp16 on a GPU and in fp32 on the CPU accelerator unless
    /// <paramref name="storage"/> says otherwise.
    public static IlgpuAttention Open(IlgpuDevice device, out string? fallbackReason, KeyValueStorage? storage = null) =>
        Open(device, () => OpenCuda(storage ?? KeyValueStorage.Fp16), out fallbackReason, storage);

    /// <summary><see cref="Open(IlgpuDevice, out string?, KeyValueStorage?)"/> with the way to start a CUDA GPU given (tests simulate failures).</summary>
    internal static IlgpuAttention Open(IlgpuDevice device, Func<IlgpuAttention> openCuda, out string? fallbackReason, KeyValueStorage? storage = null)
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
        return Create(context, context.CreateCPUAccelerator(0), storage ?? KeyValueStorage.Fp32);
    }

    static IlgpuAttention Create(Context context, Accelerator accelerator, KeyValueStorage storage) => storage == KeyValueStorage.Fp16
        ? new IlgpuAttention<ILGPU.Half, Fp16Numbers>(context, accelerator, storage)
        : new IlgpuAttention<float, Fp32Numbers>(context, accelerator, storage);

    /// <summary>The first CUDA GPU. Throws if there is none or it cannot be started (no driver, a driver too old).</summary>
    static IlgpuAttention OpenCuda(KeyValueStorage storage)
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
            return Create(context, gpus[0].CreateAccelerator(context), storage);
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
    public abstract DeviceKeysValues Upload(float[] keys, float[] values, int heads, int length, int headSize);

    /// <summary>Resident room for keys and values of <paramref name="heads"/> rows, none used yet.</summary>
    public abstract DeviceKeysValues Reserve(int heads, int capacity, int headSize);

    /// <summary>
    /// Appends <paramref name="count"/> positions [heads, count, head size] to resident keys/values, growing
    /// them (by doubling, on the device) when full: only the new positions cross the bus.
    /// </summary>
    public abstract void Append(DeviceKeysValues resident, float[] keys, float[] values, int count);

    /// <summary>
    /// softmax(q·kᵀ/√d)·v for <paramref name="queries"/> [sequences × heads, count, head size] against
    /// resident keys/values; with <paramref name="causalOffset"/> ≥ 0, query i sees keys 0 .. offset + i.
    /// Returns [sequences × heads, count, head size]. Many queries (a group's worth or more, head size ≤ 64) take
    /// the tiled kernel, few the flash-decoding one, unless <paramref name="kernel"/> says which.
    /// </summary>
    public abstract float[] Attend(float[] queries, int count, DeviceKeysValues keysValues, int causalOffset = -1, AttentionKernel kernel = AttentionKernel.Auto);

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary><see cref="IlgpuAttention"/> with keys and values stored as <typeparamref name="T"/>.</summary>
internal sealed class IlgpuAttention<T, TNumbers> : IlgpuAttention
    where T : unmanaged
    where TNumbers : struct, IStoredNumbers<T>
{
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<T>, ArrayView<T>, ArrayView<float>, ArrayView<float>, AttentionShape> _attendChunk;
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _mergeChunks;
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<T>, ArrayView<T>, ArrayView<float>, AttentionShape> _attendTile;
    readonly Action<Index1D, ArrayView<T>, ArrayView<T>, PositionCopy> _copyPositions;

    public IlgpuAttention(Context context, Accelerator accelerator, KeyValueStorage storage) : base(context, accelerator)
    {
        Storage = storage;
        _attendChunk = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<T>, ArrayView<T>, ArrayView<float>, ArrayView<float>, AttentionShape>(
            AttentionKernels.AttendChunk<T, TNumbers>);
        _mergeChunks = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.MergeChunks);
        _attendTile = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<T>, ArrayView<T>, ArrayView<float>, AttentionShape>(AttentionKernels.AttendTile<T, TNumbers>);
        _copyPositions = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, PositionCopy>(AttentionKernels.CopyPositions);
    }

    public override KeyValueStorage Storage { get; }

    public override DeviceKeysValues Upload(float[] keys, float[] values, int heads, int length, int headSize)
    {
        long expected = (long)heads * length * headSize;
        if (keys.Length != expected || values.Length != expected)
            throw new ArgumentException($"Keys and values must hold {heads} × {length} × {headSize} = {expected} numbers; they hold {keys.Length} and {values.Length}.");
        var deviceKeys = Accelerator.Allocate1D(Stored(keys));
        var deviceValues = Accelerator.Allocate1D(Stored(values));
        return new DeviceKeysValues<T>(deviceKeys, deviceValues, heads, length, length, headSize);
    }

    public override DeviceKeysValues Reserve(int heads, int capacity, int headSize) => Allocate(heads, capacity, headSize);

    DeviceKeysValues<T> Allocate(int heads, int capacity, int headSize)
    {
        long elements = (long)heads * capacity * headSize;
        return new DeviceKeysValues<T>(Accelerator.Allocate1D<T>(elements), Accelerator.Allocate1D<T>(elements), heads, capacity, 0, headSize);
    }

    public override void Append(DeviceKeysValues keysValues, float[] keys, float[] values, int count)
    {
        var resident = Typed(keysValues);
        long expected = (long)resident.Heads * count * resident.HeadSize;
        if (keys.Length != expected || values.Length != expected)
            throw new ArgumentException($"New positions must hold {resident.Heads} × {count} × {resident.HeadSize} = {expected} numbers; they hold {keys.Length} and {values.Length}.");
        if (resident.Length + count > resident.Capacity)
            Grow(resident, Math.Max(resident.Length + count, 2 * resident.Capacity));
        using var newKeys = Accelerator.Allocate1D(Stored(keys));
        using var newValues = Accelerator.Allocate1D(Stored(values));
        CopyPositions(newKeys, count, resident.Keys, resident, count);
        CopyPositions(newValues, count, resident.Values, resident, count);
        resident.Length += count;
    }

    void Grow(DeviceKeysValues<T> resident, int capacity)
    {
        var grown = Allocate(resident.Heads, capacity, resident.HeadSize);
        CopyPositions(resident.Keys, resident.Capacity, grown.Keys, grown, resident.Length);
        CopyPositions(resident.Values, resident.Capacity, grown.Values, grown, resident.Length);
        resident.Replace(grown);
    }

    /// <summary>Copies the first <paramref name="count"/> positions of each row of <paramref name="source"/> (rows of <paramref name="sourceStride"/> positions) after the used positions of <paramref name="target"/>.</summary>
    void CopyPositions(MemoryBuffer1D<T, Stride1D.Dense> source, int sourceStride, MemoryBuffer1D<T, Stride1D.Dense> targetBuffer, DeviceKeysValues target, int count)
    {
        if (count == 0)
            return;
        var layout = new PositionCopy(target.HeadSize, count, sourceStride, target.Capacity, target.Length);
        _copyPositions((int)((long)target.Heads * count * target.HeadSize), source.View, targetBuffer.View, layout);
    }

    public override float[] Attend(float[] queries, int count, DeviceKeysValues resident, int causalOffset = -1, AttentionKernel kernel = AttentionKernel.Auto)
    {
        var keysValues = Typed(resident);
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

    static T[] Stored(float[] numbers)
    {
        var converter = default(TNumbers);
        var stored = new T[numbers.Length];
        for (int i = 0; i < numbers.Length; i++)
            stored[i] = converter.Store(numbers[i]);
        return stored;
    }

    static DeviceKeysValues<T> Typed(DeviceKeysValues keysValues) => keysValues as DeviceKeysValues<T>
        ?? throw new ArgumentException("These keys and values were uploaded by another accelerator or in another storage type.", nameof(keysValues));
}
