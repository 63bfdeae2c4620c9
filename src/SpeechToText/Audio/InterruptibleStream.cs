namespace SpeechToText.Audio;

/// <summary>
/// A read-only, forward-only stream over one that may keep a read waiting for input indefinitely (standard input, a
/// pipe whose writer is quiet), which no call on the waiting thread can end: each read runs on a pool thread while the
/// caller waits for it or for <see cref="Interrupt"/>. After an interrupt, the waiting read and every later one throw
/// <see cref="OperationCanceledException"/>; the stream's further bytes are abandoned. Disposing it disposes the
/// stream it reads, once no abandoned read is using it (disposing a pipe waits for its reads).
/// </summary>
internal sealed class InterruptibleStream(Stream inner, string name) : ForwardOnlyStream
{
    readonly CancellationTokenSource _interrupted = new();
    byte[] _buffer = []; // the pool thread's: no read follows one that an interrupt abandoned, which may still write into it
    Task<int>? _abandoned; // the read an interrupt abandoned

    /// <summary>Ends a read that is waiting, and refuses every later one. May be called on any thread, more than once.</summary>
    public void Interrupt()
    {
        try
        {
            _interrupted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // disposed: nothing is waiting
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (_interrupted.IsCancellationRequested)
            throw Interrupted();
        if (buffer.IsEmpty)
            return 0;
        if (_buffer.Length < buffer.Length)
            _buffer = new byte[buffer.Length];
        byte[] into = _buffer;
        int count = buffer.Length;
        var read = Task.Run(() => inner.Read(into, 0, count), CancellationToken.None);
        try
        {
            Task.WaitAny([read], _interrupted.Token);
        }
        catch (OperationCanceledException)
        {
            _abandoned = read;
            throw Interrupted();
        }
        int got = read.GetAwaiter().GetResult(); // the read's own failure, if it failed
        into.AsSpan(0, got).CopyTo(buffer);
        return got;
    }

    OperationCanceledException Interrupted() => new($"{name}: reading was interrupted");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _interrupted.Dispose();
            if (_abandoned is { IsCompleted: false } abandoned)
                abandoned.ContinueWith(_ => inner.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            else
                inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
