using System.Diagnostics;

namespace SpeechToText.Audio;

/// <summary>
/// Plays another source at the pace of its own clock, as a live input would deliver it: a read returns only
/// samples whose time has come, waiting for them if need be (for feeding a file to live transcription).
/// </summary>
public sealed class RealTimeAudioSource(AudioSource inner, TimeProvider? time = null) : AudioSource
{
    readonly TimeProvider _time = time ?? TimeProvider.System;
    long _started = -1;
    long _delivered;

    /// <inheritdoc />
    public override string Name => inner.Name;

    /// <inheritdoc />
    public override int SampleRate => inner.SampleRate;

    /// <summary>Seconds of audio delivered so far.</summary>
    public double Seconds => _delivered / (double)SampleRate;

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        if (_started < 0)
            _started = _time.GetTimestamp();
        long due = (long)(_time.GetElapsedTime(_started).TotalSeconds * SampleRate) - _delivered;
        if (due <= 0)
        {
            // Wait for the next 10 ms of audio rather than spin.
            Thread.Sleep(TimeSpan.FromSeconds(Math.Max(1e-3, (SampleRate / 100 - due) / (double)SampleRate)));
            due = (long)(_time.GetElapsedTime(_started).TotalSeconds * SampleRate) - _delivered;
        }
        int read = inner.Read(destination[..(int)Math.Clamp(due, 1, destination.Length)]);
        _delivered += read;
        return read;
    }

    /// <inheritdoc />
    protected internal override void Interrupt() => inner.Interrupt();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
