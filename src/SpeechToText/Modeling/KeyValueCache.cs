using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>
/// The self-attention keys and values of the positions a decoder layer has already seen, so that each
/// decoding step computes only the new position. Positions are written into buffers that grow by doubling,
/// so a step copies only its own keys and values and allocates nothing in the common case. Owns its tensors.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    const long MinimumGrowth = 16;

    Tensor? _keys; // [batch, heads, capacity, head size]; positions from Length on are unused
    Tensor? _values;

    /// <summary>Positions cached.</summary>
    public long Length { get; private set; }

    /// <summary>A copy of the cache that attention kernels keep elsewhere (on a GPU); disposed with the cache.</summary>
    internal IDisposable? DeviceCopy { get; set; }

    /// <summary>Positions the buffers hold before they must grow.</summary>
    internal long Capacity => _keys?.shape[2] ?? 0;

    /// <summary>
    /// Appends keys/values [batch, heads, time, head size] and returns views of all of them so far (to be
    /// disposed by the caller; the cache keeps its buffers).
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        long added = keys.shape[2];
        if (_keys is null || _values is null)
        {
            // The first positions are kept as given: a single call (a training batch, a prompt) copies nothing.
            _keys = keys.alias().DetachFromDisposeScope();
            _values = values.alias().DetachFromDisposeScope();
        }
        else
        {
            if (keys.shape[0] != _keys.shape[0])
                throw new ArgumentException($"The cache holds {_keys.shape[0]} sequences; {keys.shape[0]} were given.", nameof(keys));
            if (Length + added > Capacity)
                Grow(Math.Max(Length + added, Math.Max(2 * Capacity, MinimumGrowth)));
            using (var slot = _keys.narrow(2, Length, added))
                slot.copy_(keys);
            using (var slot = _values.narrow(2, Length, added))
                slot.copy_(values);
        }
        Length += added;
        return (_keys.narrow(2, 0, Length), _values.narrow(2, 0, Length));
    }

    /// <summary>
    /// Makes sequence i of the cache a copy of sequence <paramref name="sources"/>[i] (beam search keeps the
    /// continuations of some sequences and drops others); the number of sequences may change.
    /// </summary>
    internal void Reorder(IReadOnlyList<long> sources)
    {
        if (_keys is null || _values is null)
            throw new InvalidOperationException("An empty cache has no sequences to reorder.");
        long sequences = _keys.shape[0];
        if (sources.Any(source => source < 0 || source >= sequences))
            throw new ArgumentOutOfRangeException(nameof(sources), $"The cache holds {sequences} sequences; sources must lie in [0, {sequences}).");
        if (sources.Count == sequences && sources.Select((source, i) => source == i).All(same => same))
            return;
        using var index = torch.tensor(sources.ToArray(), device: _keys.device);
        _keys = Selected(_keys, index);
        _values = Selected(_values, index);
        DeviceCopy?.Dispose(); // a kernel's copy no longer matches; it is made again from the cache
        DeviceCopy = null;
    }

    static Tensor Selected(Tensor buffer, Tensor index)
    {
        var selected = buffer.index_select(0, index).DetachFromDisposeScope();
        buffer.Dispose();
        return selected;
    }

    void Grow(long capacity)
    {
        _keys = Moved(_keys!, capacity);
        _values = Moved(_values!, capacity);
    }

    Tensor Moved(Tensor buffer, long capacity)
    {
        var grown = empty([buffer.shape[0], buffer.shape[1], capacity, buffer.shape[3]], buffer.dtype, buffer.device).DetachFromDisposeScope();
        using (var used = buffer.narrow(2, 0, Length))
        using (var slot = grown.narrow(2, 0, Length))
            slot.copy_(used);
        buffer.Dispose();
        return grown;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _keys?.Dispose();
        _values?.Dispose();
        _keys = _values = null;
        Length = 0;
        DeviceCopy?.Dispose();
        DeviceCopy = null;
    }
}
