using static TorchSharp.torch;

namespace SpeechToText.Modeling;

/// <summary>
/// The self-attention keys and values of the positions a decoder layer has already seen, so that each
/// decoding step computes only the new position. Owns its tensors.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    Tensor? _keys;
    Tensor? _values;

    /// <summary>Positions cached.</summary>
    public long Length => _keys?.shape[2] ?? 0;

    /// <summary>Appends keys/values [batch, heads, time, head size] and returns all of them so far.</summary>
    internal (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        var allKeys = _keys is null ? keys.alias() : cat([_keys, keys], 2);
        var allValues = _values is null ? values.alias() : cat([_values, values], 2);
        _keys?.Dispose();
        _values?.Dispose();
        _keys = allKeys.DetachFromDisposeScope();
        _values = allValues.DetachFromDisposeScope();
        return (_keys, _values);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _keys?.Dispose();
        _values?.Dispose();
        _keys = _values = null;
    }
}
