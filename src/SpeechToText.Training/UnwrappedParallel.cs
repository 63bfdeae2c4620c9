using System.Runtime.ExceptionServices;

namespace SpeechToText.Training;

/// <summary>
/// Parallel loops that fail with their first failure itself (e.g. the unreadable recording or the missing
/// synthesiser it names), not wrapped in an <see cref="AggregateException"/>, so that callers report it as what it is.
/// </summary>
internal static class UnwrappedParallel
{
    public static void ForEach<T>(IEnumerable<T> source, ParallelOptions options, Action<T> body)
    {
        try
        {
            Parallel.ForEach(source, options, body);
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
