using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Modeling;

public class KeyValueCacheTests
{
    static Tensor Positions(long batch, long count, int seed)
    {
        torch.manual_seed(seed);
        return torch.randn(batch, 3, count, 5);
    }

    [Fact]
    public void Returns_every_position_appended_so_far_in_order()
    {
        using var inference = torch.inference_mode();
        using var cache = new KeyValueCache();
        var pieces = new[] { 4, 1, 1, 7, 1, 20 }.Select((count, i) => (Keys: Positions(2, count, i), Values: Positions(2, count, 100 + i))).ToArray();

        for (int i = 0; i < pieces.Length; i++)
        {
            var (keys, values) = cache.Append(pieces[i].Keys, pieces[i].Values);
            var expectedKeys = torch.cat(pieces[..(i + 1)].Select(p => p.Keys).ToArray(), 2);
            var expectedValues = torch.cat(pieces[..(i + 1)].Select(p => p.Values).ToArray(), 2);
            Assert.True(keys.eq(expectedKeys).all().item<bool>(), $"keys after piece {i}");
            Assert.True(values.eq(expectedValues).all().item<bool>(), $"values after piece {i}");
            Assert.Equal(expectedKeys.shape[2], cache.Length);
        }
    }

    [Fact]
    public void Grows_by_doubling_so_that_single_steps_rarely_reallocate()
    {
        using var inference = torch.inference_mode();
        using var cache = new KeyValueCache();
        cache.Append(Positions(1, 3, 1), Positions(1, 3, 2)); // a prompt
        var capacities = new HashSet<long>();
        for (int step = 0; step < 200; step++)
        {
            cache.Append(Positions(1, 1, step), Positions(1, 1, step));
            capacities.Add(cache.Capacity);
            Assert.True(cache.Capacity >= cache.Length);
        }

        Assert.Equal(203, cache.Length);
        Assert.Equal([16L, 32, 64, 128, 256], capacities.Order());
    }

    [Fact]
    public void Refuses_a_different_number_of_sequences()
    {
        using var inference = torch.inference_mode();
        using var cache = new KeyValueCache();
        cache.Append(Positions(2, 3, 1), Positions(2, 3, 2));

        var error = Assert.Throws<ArgumentException>(() => cache.Append(Positions(1, 1, 3), Positions(1, 1, 4)));
        Assert.Contains("holds 2 sequences; 1 were given", error.Message);
    }

    [Fact]
    public void Reordering_makes_each_sequence_a_copy_of_its_source_and_appending_continues_from_there()
    {
        using var inference = torch.inference_mode();
        using var cache = new KeyValueCache();
        var (keys, values) = (Positions(2, 3, 1), Positions(2, 3, 2));
        cache.Append(keys, values);

        cache.Reorder([1, 1, 0]);
        var (newKeys, newValues) = (Positions(3, 1, 3), Positions(3, 1, 4));
        var (allKeys, allValues) = cache.Append(newKeys, newValues);

        Assert.Equal([3L, 3, 4, 5], allKeys.shape);
        long[] sources = [1, 1, 0];
        for (int i = 0; i < sources.Length; i++)
        {
            Assert.True(allKeys[i, .., ..3].eq(keys[sources[i]]).all().item<bool>(), $"keys of sequence {i}");
            Assert.True(allValues[i, .., ..3].eq(values[sources[i]]).all().item<bool>(), $"values of sequence {i}");
            Assert.True(allKeys[i, .., 3].eq(newKeys[i, .., 0]).all().item<bool>(), $"new key of sequence {i}");
        }
    }

    [Fact]
    public void Reordering_refuses_sources_it_does_not_hold_and_an_empty_cache()
    {
        using var inference = torch.inference_mode();
        using var cache = new KeyValueCache();
        Assert.Throws<InvalidOperationException>(() => cache.Reorder([0]));
        cache.Append(Positions(2, 3, 1), Positions(2, 3, 2));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.Reorder([0, 2]));
        Assert.Contains("holds 2 sequences", error.Message);
    }

    [Fact]
    public void Disposing_empties_it()
    {
        using var inference = torch.inference_mode();
        var cache = new KeyValueCache();
        cache.Append(Positions(1, 3, 1), Positions(1, 3, 2));
        cache.Dispose();

        Assert.Equal(0, cache.Length);
        Assert.Equal(0, cache.Capacity);
    }
}
