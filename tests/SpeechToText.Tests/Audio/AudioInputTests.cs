using SpeechToText.Audio;
using SpeechToText.Features;
using SpeechToText.Tests.Features;

namespace SpeechToText.Tests.Audio;

/// <summary>Formats other than WAV go through ffmpeg; the features must not depend on the container.</summary>
public sealed class AudioInputTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("flac")]
    [InlineData("wav")]
    public void Lossless_files_give_the_reference_features_of_the_oracle_clip(string extension)
    {
        string file = _temp.File("jfk." + extension);
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), file, extension == "wav" ? ["-c:a", "pcm_s24le"] : []);
        var (_, expected) = NpyFile.Read(SharedData.PathOf("oracle/jfk.mel80.npy"));

        using var audio = AudioInput.Open(file);
        var mel = LogMelSpectrogram.Compute(audio, 80);

        LogMelSpectrogramTests.AssertClose(expected, mel.Values, 1e-4);
    }

    [Fact]
    public void An_mp3_gives_the_features_an_independent_implementation_computes_from_its_decoded_samples()
    {
        string mp3 = _temp.File("jfk.mp3"), decoded = _temp.File("decoded.wav");
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), mp3, "-b:a", "64k");
        TestAudio.Ffmpeg(mp3, decoded, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"); // the reference decoding
        var expected = ReferenceLogMel.Compute(AudioInput.ReadAll(decoded), 80);

        var fromMp3 = LogMelSpectrogram.Compute(AudioInput.ReadAll(mp3), 80);

        LogMelSpectrogramTests.AssertClose(expected, fromMp3.Values, 1e-4);
    }

    [Fact]
    public void Stereo_44_1_kHz_audio_arrives_as_16_kHz_mono_through_either_path()
    {
        var tone = TestAudio.ToPcm16(TestAudio.Sine(1000, 44100, 1.0, 0.4));
        var interleaved = tone.SelectMany(s => new[] { s, s }).ToArray();
        string wav = _temp.Write("stereo.wav", TestAudio.Wav16(interleaved, rate: 44100, channels: 2));
        string ogg = _temp.File("stereo.ogg");
        TestAudio.Ffmpeg(wav, ogg, "-c:a", "libvorbis");

        float[] viaReader = AudioInput.ReadAll(wav), viaFfmpeg = AudioInput.ReadAll(ogg);

        Assert.Equal(16000, viaReader.Length);
        Assert.InRange(viaFfmpeg.Length, 15900, 16100);
        Assert.InRange(viaReader.Skip(4000).Take(8000).Max(), 0.39f, 0.41f);
        Assert.InRange(viaFfmpeg.Skip(4000).Take(8000).Max(), 0.38f, 0.42f); // channels averaged, like the reader
    }

    [Fact]
    public void A_wav_codec_the_reader_lacks_is_decoded_by_ffmpeg()
    {
        string adpcm = _temp.File("adpcm.wav");
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), adpcm, "-c:a", "adpcm_ima_wav");
        var samples = AudioInput.ReadAll(adpcm);
        Assert.InRange(samples.Length, 175_000, 178_000); // 176,000 plus the padding of the last ADPCM block
    }

    [Fact]
    public void Non_audio_bytes_give_ffmpegs_reason()
    {
        string text = _temp.Write("notes.mp3", "this is a text file, not audio\n"u8.ToArray());
        var error = Assert.Throws<AudioInputException>(() => AudioInput.ReadAll(text));
        Assert.StartsWith($"{text}: ffmpeg could not decode it:", error.Message);
    }

    [Fact]
    public void A_video_container_without_audio_says_so()
    {
        string video = _temp.File("silent.mkv");
        TestAudio.RunFfmpeg("-f", "lavfi", "-i", "color=c=black:s=32x32:d=1", "-c:v", "ffv1", video);
        var error = Assert.Throws<AudioInputException>(() => AudioInput.ReadAll(video));
        Assert.Equal($"{video}: contains no audio stream", error.Message);
    }

    [Fact]
    public void Missing_empty_and_directory_inputs_are_named()
    {
        string empty = _temp.Write("empty.flac", []);
        Assert.Equal($"{empty}: is empty (0 bytes)", Assert.Throws<AudioInputException>(() => AudioInput.Open(empty)).Message);
        Assert.Equal("nope.wav: no such file", Assert.Throws<AudioInputException>(() => AudioInput.Open("nope.wav")).Message);
        Assert.Contains("is a directory", Assert.Throws<AudioInputException>(() => AudioInput.Open(_temp.Path)).Message);
    }

    [Fact]
    public void A_stream_of_flac_is_piped_through_ffmpeg()
    {
        string flac = _temp.File("jfk.flac");
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), flac);
        using var stream = new ForwardOnlyStream(File.ReadAllBytes(flac));

        using var audio = AudioInput.Open(stream, "stdin");
        var fromStream = audio.ReadToEnd();

        Assert.Equal(AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav")), fromStream);
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("flac")]
    public async Task A_named_pipe_is_read_from_its_first_byte(string extension)
    {
        // As bash's <(...) gives it: a path that can be read once only.
        string file = _temp.File("jfk." + extension), pipe = _temp.File("pipe." + extension);
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), file);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
            mkfifo.WaitForExit();
        var writer = Task.Run(() => File.WriteAllBytes(pipe, File.ReadAllBytes(file)));

        var fromPipe = AudioInput.ReadAll(pipe);

        await writer;
        Assert.Equal(AudioInput.ReadAll(file), fromPipe);
    }

    [Fact]
    public async Task Cancelling_a_read_ends_it_while_ffmpeg_waits_for_the_rest_of_a_stream()
    {
        string flac = _temp.File("jfk.flac");
        TestAudio.Ffmpeg(SharedData.PathOf("oracle/jfk.wav"), flac);
        using var pipe = new QuietPipe(File.ReadAllBytes(flac).AsSpan(0, 16384));
        using var audio = AudioInput.Open(pipe.Reader, "stdin");

        await AssertCancelledWhileWaiting(cancellation => audio.ReadToEnd(cancellation));
    }

    [Fact]
    public async Task Cancelling_a_read_ends_it_while_a_wav_stream_waits_for_the_rest()
    {
        using var pipe = new QuietPipe(File.ReadAllBytes(SharedData.PathOf("oracle/jfk.wav")).AsSpan(0, 16384));
        using var audio = AudioInput.Open(pipe.Reader, "stdin");

        await AssertCancelledWhileWaiting(cancellation => audio.ReadToEnd(cancellation));
    }

    [Fact]
    public async Task Cancelling_ends_the_wait_for_the_first_bytes_of_a_stream()
    {
        using var pipe = new QuietPipe([]);

        await AssertCancelledWhileWaiting(cancellation => AudioInput.Open(pipe.Reader, "stdin", cancellation: cancellation));
    }

    [Fact]
    public async Task Raw_pcm_from_standard_input_gives_what_came_and_cancelling_ends_the_wait_for_more()
    {
        short[] pcm = [.. Enumerable.Range(0, 1600).Select(i => (short)(i * 20 - 16000))];
        using var pipe = new QuietPipe(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm.AsSpan()));
        using var audio = new RawPcmAudioSource(pipe.Reader, "stdin", interruptible: true);
        var samples = new float[4096];

        int read = audio.Read(samples);

        Assert.Equal(pcm.Select(s => s / 32768f), samples[..read]);
        await AssertCancelledWhileWaiting(cancellation => audio.ReadToEnd(cancellation));
    }

    /// <summary>A pipe whose writer wrote <c>bytes</c> and then keeps it open, quiet: a recorder that paused, a stalled upload.</summary>
    sealed class QuietPipe : IDisposable
    {
        readonly System.IO.Pipes.AnonymousPipeServerStream _writer = new(System.IO.Pipes.PipeDirection.Out);

        public QuietPipe(ReadOnlySpan<byte> bytes)
        {
            Reader = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, _writer.ClientSafePipeHandle);
            _writer.Write(bytes); // within the pipe's buffer
        }

        public Stream Reader { get; }

        public void Dispose()
        {
            _writer.Dispose();
            Reader.Dispose();
        }
    }

    /// <summary>Runs <paramref name="wait"/>, which waits for input that never comes, and cancels it half a second later: it ends, cancelled.</summary>
    static async Task AssertCancelledWhileWaiting(Action<CancellationToken> wait)
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var waiting = Task.Run(() => wait(cancellation.Token), CancellationToken.None);

        var ended = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Same(waiting, ended); // not still waiting (a hang)
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(cancellation.Token, cancelled.CancellationToken);
    }
}
