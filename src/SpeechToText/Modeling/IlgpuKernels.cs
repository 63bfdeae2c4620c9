using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>
/// The model's attentions computed by <see cref="IlgpuAttention"/>; GELU and convolutions stay TorchSharp's.
/// Cross-attention keys/values go to the accelerator once per audio window (on first use) and stay there until
/// <see cref="Release"/>; per step only the queries go and the outputs come back. The decoder's self-attention
/// cache is kept there too, one new position uploaded per step. Encoder self-attention uploads its keys/values
/// at each call (once per layer and window). Safe to share between concurrent transcriptions (calls are serialised).
/// </summary>
internal sealed class IlgpuKernels(IlgpuAttention attention) : ModelKernels, IDisposable
{
    readonly ConditionalWeakTable<Tensor, DeviceKeysValues> _resident = [];
    readonly Lock _lock = new();

    /// <summary>Whether the kernels run on a GPU.</summary>
    public bool OnGpu => attention.OnGpu;

    /// <inheritdoc />
    public override Tensor Attend(AttentionKind kind, Tensor queries, Tensor keys, Tensor values)
    {
        int sequences = (int)queries.shape[0], heads = (int)queries.shape[1], count = (int)queries.shape[2], size = (int)queries.shape[3];
        int length = (int)keys.shape[2];
        float[] output;
        lock (_lock)
        {
            if (kind == AttentionKind.Cross)
            {
                if (!_resident.TryGetValue(keys, out var resident))
                {
                    resident = attention.Upload(HostCopy(keys), HostCopy(values), sequences * heads, length, size);
                    _resident.Add(keys, resident);
                }
                output = attention.Attend(HostCopy(queries), count, resident);
            }
            else
            {
                using var uploaded = attention.Upload(HostCopy(keys), HostCopy(values), sequences * heads, length, size);
                output = attention.Attend(HostCopy(queries), count, uploaded, kind == AttentionKind.DecoderSelf ? length - count : -1);
            }
        }
        return Result(output, queries);
    }

    /// <summary>Keeps the cache on the accelerator (its <see cref="KeyValueCache.DeviceCopy"/>) and uploads only the new positions.</summary>
    public override Tensor AttendCached(Tensor queries, KeyValueCache cache, Tensor keys, Tensor values)
    {
        int sequences = (int)queries.shape[0], heads = (int)queries.shape[1], count = (int)queries.shape[2], size = (int)queries.shape[3];
        int length = (int)keys.shape[2];
        float[] output;
        lock (_lock)
        {
            if (cache.DeviceCopy is not DeviceKeysValues resident || resident.Length > length)
            {
                cache.DeviceCopy?.Dispose();
                resident = attention.Reserve(sequences * heads, Math.Max(length, 16), size);
                cache.DeviceCopy = resident;
            }
            int added = length - resident.Length;
            using (var newKeys = keys.narrow(2, resident.Length, added))
            using (var newValues = values.narrow(2, resident.Length, added))
                attention.Append(resident, HostCopy(newKeys), HostCopy(newValues), added);
            output = attention.Attend(HostCopy(queries), count, resident, causalOffset: length - count);
        }
        return Result(output, queries);
    }

    /// <inheritdoc />
    public override void Release(Tensor keys)
    {
        lock (_lock)
        {
            if (_resident.TryGetValue(keys, out var resident))
            {
                _resident.Remove(keys);
                resident.Dispose();
            }
        }
    }

    /// <summary>The kernels' output as a tensor of the queries' shape, type and device.</summary>
    static Tensor Result(float[] output, Tensor queries)
    {
        using var result = torch.tensor(output, queries.shape);
        return result.to(queries.dtype, queries.device);
    }

    static float[] HostCopy(Tensor tensor)
    {
        using var host = tensor.to(ScalarType.Float32, CPU).contiguous();
        return host.data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, resident) in _resident)
                resident.Dispose();
            _resident.Clear();
            attention.Dispose();
        }
    }
}
