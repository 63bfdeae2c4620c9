using System.Runtime.InteropServices;

namespace SpeechToText.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as <c>stt</c> handles them while a cancellable command runs: the first signal cancels
/// <see cref="Token"/>, and the command stops cleanly (saving what it must); a second one ends the process at once,
/// for a command that cannot stop yet (waiting on a pipe whose writer outlived the first signal).
/// </summary>
sealed class Interruption : IDisposable
{
    readonly CancellationTokenSource _cancellation = new();
    readonly TextWriter _error;
    readonly PosixSignalRegistration[] _registrations;
    int _signals;

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
        if (Interlocked.Increment(ref _signals) > 1)
            return; // not cancelled: the signal's default action ends the process
        context.Cancel = true;
        _error.WriteLine("stt: stopping (Ctrl+C again to quit at once)");
        _cancellation.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _cancellation.Dispose();
    }
}
