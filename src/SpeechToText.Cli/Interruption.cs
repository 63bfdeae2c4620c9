using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SpeechToText.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as <c>stt</c> handles them while a cancellable command runs: the first signal cancels
/// <see cref="Token"/>, and the command stops cleanly (saving what it must); a later one ends the process at once,
/// for a command that cannot stop yet (waiting on a pipe whose writer outlived the first signal).
/// </summary>
/// <remarks>
/// "At once" is the signal's own default action, taken directly: the runtime's default for an uncancelled SIGTERM is
/// an orderly shutdown (exit handlers, native libraries' destructors), which can wait forever on a thread that is
/// still busy, and would make the second signal no better than the first.
/// </remarks>
sealed partial class Interruption : IDisposable
{
    /// <summary>
    /// A signal this soon after the first is part of the same interruption (a double tap, or a wrapper passing on the
    /// Ctrl+C the terminal also sent), not a request to quit at once.
    /// </summary>
    internal static readonly TimeSpan SameInterruption = TimeSpan.FromSeconds(1);

    readonly CancellationTokenSource _cancellation = new(); // never disposed: a late signal may still cancel it
    readonly TextWriter _error;
    readonly PosixSignalRegistration[] _registrations;
    readonly Lock _gate = new();
    long _first = -1;

    /// <summary>Takes over SIGINT and SIGTERM until disposed; says on <paramref name="error"/> what the first one does.</summary>
    public Interruption(TextWriter error)
    {
        _error = error;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    void Handle(PosixSignalContext context)
    {
        lock (_gate)
        {
            context.Cancel = true;
            if (_first >= 0 && Stopwatch.GetElapsedTime(_first) >= SameInterruption)
                EndBy(context.Signal);
            if (_first >= 0)
                return;
            _first = Stopwatch.GetTimestamp();
        }
        string again = context.Signal == PosixSignal.SIGTERM ? "send SIGTERM again" : "press Ctrl+C again";
        _error.WriteLine($"stt: stopping ({again} to quit at once)");
        try
        {
            _cancellation.Cancel();
        }
        catch (AggregateException e)
        {
            // Every callback ran and the token is cancelled; a failing one must not end the process from this thread.
            _error.WriteLine($"stt: while stopping: {e.InnerException?.Message}");
        }
    }

    /// <summary>Ends the process by <paramref name="signal"/>'s default action (exit status 128 + its number), without the runtime's shutdown.</summary>
    static void EndBy(PosixSignal signal)
    {
        int number = signal == PosixSignal.SIGTERM ? SigTerm : SigInt;
        if (signal_(number, DefaultAction) == SignalError || kill(Environment.ProcessId, number) != 0)
            Environment.Exit(128 + number); // neither call can fail for this process; the orderly way, should one do
        Thread.Sleep(Timeout.Infinite); // the signal is on its way
    }

    const int SigInt = 2, SigTerm = 15; // the same on Linux and macOS
    static readonly IntPtr DefaultAction = IntPtr.Zero, SignalError = -1; // SIG_DFL, SIG_ERR

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr signal_(int number, IntPtr action);

    [LibraryImport("libc")]
    private static partial int kill(int process, int number);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }
}
