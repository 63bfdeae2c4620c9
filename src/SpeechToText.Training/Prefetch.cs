namespace SpeechToText.Training;

/// <summary>Runs a sequence's producer one item ahead of its consumer, on the thread pool.</summary>
static class Prefetch
{
    /// <summary>
    /// The items of <paramref name="source"/> in order; while the consumer works on one item the next is
    /// being produced. The producer's calls never overlap, so a deterministic producer stays deterministic.
    /// </summary>
    public static IEnumerable<T> OneAhead<T>(IEnumerable<T> source)
    {
        using var items = source.GetEnumerator();
        var pending = Task.Run(items.MoveNext);
        try
        {
            while (pending.GetAwaiter().GetResult())
            {
                var current = items.Current;
                pending = Task.Run(items.MoveNext);
                yield return current;
            }
        }
        finally
        {
            // The enumerator must not be disposed while it is still producing; its result no longer matters.
            pending.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        }
    }
}
