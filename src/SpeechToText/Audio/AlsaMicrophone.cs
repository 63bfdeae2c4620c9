using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpeechToText.Audio;

/// <summary>An ALSA capture device: its name (what <see cref="AlsaMicrophone.Open"/> takes) and description.</summary>
public sealed record CaptureDevice(string Name, string Description);

/// <summary>
/// Captures 16 kHz mono audio from an ALSA device through libasound (P/Invoke): "default" is the system's
/// default input, which on a desktop is the sound server's (PulseAudio or PipeWire through the ALSA plugin).
/// ALSA converts the device's own rate and channels. Linux only.
/// </summary>
public sealed partial class AlsaMicrophone : AudioSource
{
    const string Library = "libasound.so.2";
    const int CaptureStream = 1;          // SND_PCM_STREAM_CAPTURE
    const int SignedLittle16 = 2;         // SND_PCM_FORMAT_S16_LE
    const int InterleavedAccess = 3;      // SND_PCM_ACCESS_RW_INTERLEAVED
    const int NonBlocking = 1;            // SND_PCM_NONBLOCK
    const int TryAgain = -11;             // -EAGAIN: no audio yet
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    const uint LatencyMicroseconds = 500_000; // ALSA's buffer: how far a late reader may fall behind before audio is lost

    const int NoSuchEntry = -2; // -ENOENT
    static readonly Lock LoadLock = new();
    static bool _loaded;

    readonly string _device;
    readonly short[] _buffer = new short[AudioInput.SampleRate / 10];
    IntPtr _pcm;

    AlsaMicrophone(string device, IntPtr pcm) => (_device, _pcm) = (device, pcm);

    /// <inheritdoc />
    public override string Name => $"ALSA device \"{_device}\"";

    /// <inheritdoc />
    public override int SampleRate => AudioInput.SampleRate;

    /// <summary>Times the reader fell more than ALSA's buffer (0.5 s) behind, and audio was lost.</summary>
    public int Overruns { get; private set; }

    /// <summary>Opens <paramref name="device"/> for capture at 16 kHz mono.</summary>
    /// <exception cref="MissingDependencyException">libasound is not installed.</exception>
    /// <exception cref="AudioInputException">The device does not exist or cannot capture (no sound server, busy, ...).</exception>
    public static AlsaMicrophone Open(string device = "default")
    {
        EnsureLibrary();
        // Non-blocking, so that a read never holds libasound while another thread closes the device.
        int error = snd_pcm_open(out IntPtr pcm, device, CaptureStream, NonBlocking);
        if (error < 0)
        {
            string hint = error == NoSuchEntry ? " (no such device, or no sound server or sound card behind it: see --list-devices; is PULSE_SERVER set?)" : "";
            throw new AudioInputException($"ALSA device \"{device}\"", $"cannot be opened for capture: {Describe(error)}{hint}");
        }
        error = snd_pcm_set_params(pcm, SignedLittle16, InterleavedAccess, 1, AudioInput.SampleRate, 1, LatencyMicroseconds);
        if (error < 0)
        {
            _ = snd_pcm_close(pcm);
            throw new AudioInputException($"ALSA device \"{device}\"", $"cannot capture 16 kHz mono 16-bit audio: {Describe(error)}");
        }
        return new AlsaMicrophone(device, pcm);
    }

    /// <summary>The devices that can capture, as ALSA lists them ("default" first when present).</summary>
    /// <exception cref="MissingDependencyException">libasound is not installed.</exception>
    public static IReadOnlyList<CaptureDevice> Devices()
    {
        EnsureLibrary();
        var devices = new List<CaptureDevice>();
        if (snd_device_name_hint(-1, "pcm", out IntPtr hints) < 0)
            return devices;
        try
        {
            for (int i = 0; ; i++)
            {
                IntPtr hint = Marshal.ReadIntPtr(hints, i * IntPtr.Size);
                if (hint == IntPtr.Zero)
                    break;
                string? name = Hint(hint, "NAME"), description = Hint(hint, "DESC"), direction = Hint(hint, "IOID");
                if (name != null && direction is null or "Input")
                    devices.Add(new CaptureDevice(name, (description ?? "").Replace('\n', ' ')));
            }
        }
        finally
        {
            _ = snd_device_name_free_hint(hints);
        }
        return [.. devices.OrderBy(d => d.Name != "default")];
    }

    /// <inheritdoc />
    public override int Read(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_pcm == IntPtr.Zero, this);
        int frames = Math.Min(destination.Length, _buffer.Length);
        while (true)
        {
            long read;
            unsafe
            {
                fixed (short* buffer = _buffer)
                    read = snd_pcm_readi(_pcm, buffer, (ulong)frames);
            }
            if (read > 0)
            {
                for (int i = 0; i < read; i++)
                    destination[i] = _buffer[i] / 32768f;
                return (int)read;
            }
            if (read is 0 or TryAgain)
            {
                Thread.Sleep(PollInterval); // nothing captured yet
                continue;
            }
            // An overrun (the reader fell behind) or a suspend: recover and go on; anything else ends the capture.
            Overruns++;
            if (snd_pcm_recover(_pcm, (int)read, 1) < 0)
                throw new AudioInputException(Name, $"capture failed: {Describe((int)read)}");
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_pcm != IntPtr.Zero)
        {
            _ = snd_pcm_close(_pcm); // nothing to do about a failure to close
            _pcm = IntPtr.Zero;
        }
        base.Dispose(disposing);
    }

    /// <summary>Loads libasound once, and silences its own messages on stderr (errors reach the caller as exceptions).</summary>
    static void EnsureLibrary()
    {
        lock (LoadLock)
        {
            if (_loaded)
                return;
            if (!NativeLibrary.TryLoad(Library, out _))
                throw new MissingDependencyException($"ALSA's library {Library} is not installed (Debian: apt-get install libasound2)");
            unsafe
            {
                _ = snd_lib_error_set_handler((IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, int, IntPtr, void>)&IgnoreError);
            }
            _loaded = true;
        }
    }

    /// <summary>ALSA's error handler (a variadic C function; the extra arguments are the caller's to clean up).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void IgnoreError(IntPtr file, int line, IntPtr function, int error, IntPtr format)
    {
    }

    static string Describe(int error) => Marshal.PtrToStringUTF8(snd_strerror(error)) ?? $"error {error}";

    static string? Hint(IntPtr hint, string id)
    {
        IntPtr value = snd_device_name_get_hint(hint, id);
        if (value == IntPtr.Zero)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(value);
        }
        finally
        {
            Marshal.FreeHGlobal(value); // malloc'd by ALSA; FreeHGlobal is free() on Linux
        }
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int snd_pcm_open(out IntPtr pcm, string name, int stream, int mode);

    [LibraryImport(Library)]
    private static partial int snd_pcm_set_params(IntPtr pcm, int format, int access, uint channels, uint rate, int softResample, uint latency);

    [LibraryImport(Library)]
    private static unsafe partial long snd_pcm_readi(IntPtr pcm, short* buffer, ulong frames);

    [LibraryImport(Library)]
    private static partial int snd_pcm_recover(IntPtr pcm, int error, int silent);

    [LibraryImport(Library)]
    private static partial int snd_pcm_close(IntPtr pcm);

    [LibraryImport(Library)]
    private static partial IntPtr snd_strerror(int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int snd_device_name_hint(int card, string iface, out IntPtr hints);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr snd_device_name_get_hint(IntPtr hint, string id);

    [LibraryImport(Library)]
    private static partial int snd_device_name_free_hint(IntPtr hints);

    [LibraryImport(Library)]
    private static partial int snd_lib_error_set_handler(IntPtr handler);
}
