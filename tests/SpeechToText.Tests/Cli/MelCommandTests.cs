using SpeechToText.Audio;
using SpeechToText.Cli;
using SpeechToText.Features;
using SpeechToText.Tests.Features;

namespace SpeechToText.Tests.Cli;

public sealed class MelCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static string Jfk => SharedData.PathOf("oracle/jfk.wav");

    [Fact]
    public void Writes_the_log_mel_of_a_wav_as_npy_matching_the_reference()
    {
        string output = _temp.File("jfk.npy");

        var result = SttCommandLine.Run("mel", Jfk, "-o", output);

        Assert.Equal(ExitCode.Ok, result.ExitCode);
        Assert.Contains($"wrote {output}: 80 x 1100 log-mel (11.00 s of audio)", result.Error);
        var (shape, values) = NpyFile.Read(output);
        var (_, reference) = NpyFile.Read(SharedData.PathOf("oracle/jfk.mel80.npy"));
        Assert.Equal(new[] { 80, 1100 }, shape);
        LogMelSpectrogramTests.AssertClose(reference, values, 1e-4);
    }

    [Fact]
    public void Window_option_pads_with_30_seconds_and_n_mels_selects_128_bins()
    {
        string output = _temp.File("jfk128.npy");

        var result = SttCommandLine.Run("mel", Jfk, "-o", output, "--n-mels", "128", "--window");

        Assert.Equal(ExitCode.Ok, result.ExitCode);
        var (shape, values) = NpyFile.Read(output);
        Assert.Equal(new[] { 128, 1100 + 3000 }, shape);
        var expected = LogMelSpectrogram.Compute(AudioInput.ReadAll(Jfk), 128, LogMelSpectrogram.WindowSamples);
        Assert.Equal(expected.Values, values);
    }

    [Fact]
    public void Reads_a_flac_from_standard_input()
    {
        string flac = _temp.File("jfk.flac"), output = _temp.File("stdin.npy");
        TestAudio.Ffmpeg(Jfk, flac);

        var result = SttCommandLine.RunProcess(null, flac, "mel", "-", "-o", output);

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var (_, reference) = NpyFile.Read(SharedData.PathOf("oracle/jfk.mel80.npy"));
        LogMelSpectrogramTests.AssertClose(reference, NpyFile.Read(output).Values, 1e-4);
    }

    [Theory]
    [InlineData("mel", "x.wav", "-o", "y.npy", "--n-mels", "81")]
    [InlineData("mel", "x.wav")]
    [InlineData("mel", "-o", "y.npy")]
    [InlineData("mel", "x.wav", "-o", "y.npy", "--bogus")]
    [InlineData("transmogrify")]
    public void Usage_errors_exit_with_2_and_a_hint(params string[] args)
    {
        var result = SttCommandLine.Run(args);
        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.EndsWith("Try 'stt --help'.", result.Error.TrimEnd());
    }

    [Fact]
    public void An_output_that_is_the_input_is_refused_and_the_audio_kept()
    {
        string audio = _temp.File("talk.wav");
        File.Copy(Repository.Sample("short.wav"), audio);
        var before = File.ReadAllBytes(audio);

        var result = SttCommandLine.Run("mel", audio, "-o", audio);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("is the input", result.Error);
        Assert.Equal(before, File.ReadAllBytes(audio));
    }

    [Fact]
    public void A_missing_input_exits_with_3_and_one_line_naming_it()
    {
        var result = SttCommandLine.Run("mel", "no-such.wav", "-o", _temp.File("x.npy"));
        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal("stt: error: no-such.wav: no such file", result.Error.TrimEnd());
    }

    [Fact]
    public void A_corrupt_wav_exits_with_3_and_leaves_no_output()
    {
        string bad = _temp.Write("bad.wav", TestAudio.Riff(TestAudio.Chunk("fmt ", TestAudio.FmtBody(1, 0, 16000, 16)), TestAudio.Chunk("data", new byte[8])));
        string output = _temp.File("bad.npy");

        var result = SttCommandLine.Run("mel", bad, "-o", output);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {bad}: declares 0 channels", result.Error.TrimEnd());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_output_in_a_missing_directory_exits_with_3_naming_it()
    {
        string output = Path.Combine(_temp.Path, "missing-dir", "x.npy");
        var result = SttCommandLine.Run("mel", Jfk, "-o", output);
        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {output}: its directory does not exist", result.Error.TrimEnd());
    }

    [Fact]
    public void An_output_that_is_a_directory_exits_with_3_and_the_directory_is_kept()
    {
        string directory = _temp.File("spectrograms");
        Directory.CreateDirectory(directory);
        var result = SttCommandLine.Run("mel", Jfk, "-o", directory);
        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {directory}: is a directory, not a file", result.Error.TrimEnd());
        Assert.True(Directory.Exists(directory));
    }

    [Fact]
    public void Without_ffmpeg_a_non_wav_input_exits_with_4_and_says_how_to_install_it()
    {
        string flac = _temp.File("jfk.flac");
        TestAudio.Ffmpeg(Jfk, flac);
        var noFfmpeg = new Dictionary<string, string> { [FfmpegAudioSource.ExecutableVariable] = "/nonexistent/ffmpeg" };

        var result = SttCommandLine.RunProcess(noFfmpeg, null, "mel", flac, "-o", _temp.File("x.npy"));

        Assert.Equal(ExitCode.MissingDependency, result.ExitCode);
        Assert.StartsWith($"stt: error: {flac}: decoding it needs ffmpeg, which was not found", result.Error);
        Assert.Contains("apt-get install ffmpeg", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Without_ffmpeg_an_adpcm_wav_names_the_codec_and_the_fix()
    {
        string adpcm = _temp.File("adpcm.wav");
        TestAudio.Ffmpeg(Jfk, adpcm, "-c:a", "adpcm_ms");
        var noFfmpeg = new Dictionary<string, string> { [FfmpegAudioSource.ExecutableVariable] = "/nonexistent/ffmpeg" };

        var result = SttCommandLine.RunProcess(noFfmpeg, null, "mel", adpcm, "-o", _temp.File("x.npy"));

        Assert.Equal(ExitCode.MissingDependency, result.ExitCode);
        Assert.Contains("uses the Microsoft ADPCM codec (format tag 0x0002)", result.Error);
        Assert.Contains("ffmpeg decodes it but was not found", result.Error);
    }
}
