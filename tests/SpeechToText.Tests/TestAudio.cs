using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace SpeechToText.Tests;

/// <summary>Builds audio for tests: signals, WAV files byte by byte, and ffmpeg conversions.</summary>
internal static class TestAudio
{
    public static float[] Sine(double hz, int sampleRate, double seconds, double amplitude = 0.5)
    {
        var samples = new float[(int)(sampleRate * seconds)];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / sampleRate));
        return samples;
    }

    public static float[] Noise(int count, int seed, double amplitude = 0.3)
    {
        var random = new Random(seed);
        var samples = new float[count];
        for (int i = 0; i < count; i++)
            samples[i] = (float)(amplitude * (random.NextDouble() * 2 - 1));
        return samples;
    }

    /// <summary>A RIFF chunk: id, little-endian size, body, and a pad byte when the size is odd.</summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null)
    {
        var chunk = new List<byte>(Encoding.ASCII.GetBytes(id));
        chunk.AddRange(Le32(declaredSize ?? (uint)body.Length));
        chunk.AddRange(body);
        if (body.Length % 2 == 1)
            chunk.Add(0);
        return [.. chunk];
    }

    /// <summary>A fmt chunk body: 16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE with <paramref name="subFormat"/>.</summary>
    public static byte[] FmtBody(ushort tag, int channels, int rate, int bits, ushort? subFormat = null)
    {
        var body = new List<byte>();
        body.AddRange(Le16(tag));
        body.AddRange(Le16((ushort)channels));
        body.AddRange(Le32((uint)rate));
        body.AddRange(Le32((uint)(rate * channels * bits / 8)));
        body.AddRange(Le16((ushort)(channels * bits / 8)));
        body.AddRange(Le16((ushort)bits));
        if (subFormat is { } sub)
        {
            body.AddRange(Le16(22));
            body.AddRange(Le16((ushort)bits));
            body.AddRange(Le32(0));
            body.AddRange(Le16(sub));
            body.AddRange(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 });
        }
        return [.. body];
    }

    public static byte[] Riff(params byte[][] chunks)
    {
        int length = 4 + chunks.Sum(c => c.Length);
        var file = new List<byte>(Encoding.ASCII.GetBytes("RIFF"));
        file.AddRange(Le32((uint)length));
        file.AddRange(Encoding.ASCII.GetBytes("WAVE"));
        foreach (var chunk in chunks)
            file.AddRange(chunk);
        return [.. file];
    }

    /// <summary>A 16-bit PCM WAV file of interleaved <paramref name="samples"/>.</summary>
    public static byte[] Wav16(short[] samples, int rate = 16000, int channels = 1)
    {
        var data = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), samples[i]);
        return Riff(Chunk("fmt ", FmtBody(1, channels, rate, 16)), Chunk("data", data));
    }

    public static short[] ToPcm16(float[] samples) =>
        samples.Select(s => (short)Math.Clamp(Math.Round(s * 32767.0), short.MinValue, short.MaxValue)).ToArray();

    public static byte[] Le16(ushort value) => [(byte)value, (byte)(value >> 8)];

    public static byte[] Le32(uint value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24)];

    /// <summary>Runs ffmpeg to convert <paramref name="input"/> into <paramref name="output"/> (format from its extension).</summary>
    public static void Ffmpeg(string input, string output, params string[] options) =>
        RunFfmpeg(["-i", input, .. options, output]);

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> (after -y and quiet logging) and asserts it succeeded.</summary>
    public static void RunFfmpeg(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)} failed: {errors}");
    }
}

/// <summary>A temporary directory deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => System.IO.Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stt-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Path, recursive: true);
}
