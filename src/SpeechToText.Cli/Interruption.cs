using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SpeechToText.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as <c>stt</c> handles them while a cancellable command runs: the first signal cancels
/// <see cref="Token"/>, and the command stops cleanly (saving what it must); a later one ends the process at once,
/// for a command that cannot stop yet (waiting on a pipe whose writer outlived the first signal).
/// </summary>
sealed class Interruption : IDisposable
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
            if (_first >= 0 && Stopwatch.GetElapsedTime(_first) >= SameInterruption)
                return; // not cancelled: the signal's default action ends the process
            context.Cancel = true;
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

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }
}
