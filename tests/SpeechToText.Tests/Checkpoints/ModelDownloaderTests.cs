using SpeechToText.Checkpoints;
using SpeechToText.Cli;
using SpeechToText.Modeling;
using SpeechToText.Tests.Cli;
using SpeechToText.Tests.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests.Checkpoints;

public sealed class ModelDownloaderTests : IDisposable, IClassFixture<Text.WhisperTokenizerTests.Gpt2Vocabulary>
{
    const string Repository = "openai/whisper-tiny.en";
    static readonly ModelDimensions Tiny = new(80, 1500, 16, 2, 1, 51864, 448, 16, 2, 1);

    readonly TempDirectory _temp = new();
    readonly string _served;
    readonly HubServer _hub;
    readonly HttpClient _http = new();

    public ModelDownloaderTests(Text.WhisperTokenizerTests.Gpt2Vocabulary vocabulary)
    {
        _served = _temp.File("served");
        using var model = WhisperModelTests.RandomModel(Tiny, 31);
        HuggingFaceCheckpoint.Write(_served, Tiny, model.state_dict(),
            WhisperTokenizer.FromRanks(vocabulary.Ranks, SpecialTokens.ForVocabularySize(51864)));
        _hub = new HubServer(_served, Repository);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _http.Dispose();
        _temp.Dispose();
    }

    Task Download(string target) => new ModelDownloader(_http).DownloadAsync(Repository, target, _hub.Endpoint);

    static void AssertSameFiles(string expected, string actual)
    {
        foreach (var file in Directory.GetFiles(expected))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(actual, Path.GetFileName(file))));
    }

    [Fact]
    public async Task Downloads_every_file_of_the_checkpoint()
    {
        string target = _temp.File("downloaded");

        await Download(target);

        AssertSameFiles(_served, target);
        Assert.Empty(Directory.GetFiles(target, "*.partial"));
        var (model, _) = CheckpointReader.Load(target);
        model.Dispose();
    }

    [Fact]
    public async Task An_interrupted_transfer_keeps_its_partial_file_and_resumes_from_it()
    {
        string target = _temp.File("resumed");
        _hub.InterruptOnce = "model.safetensors";

        var interrupted = await Assert.ThrowsAsync<HttpRequestException>(() => Download(target));
        long partial = new FileInfo(Path.Combine(target, "model.safetensors.partial")).Length;
        await Download(target);

        Assert.Contains("run the download again to resume", interrupted.Message);
        Assert.True(partial > 0);
        Assert.Contains($"model.safetensors bytes={partial}-", _hub.RangeRequests);
        AssertSameFiles(_served, target);
    }

    [Fact]
    public async Task A_server_that_stops_sending_is_given_up_after_the_stall_timeout_and_the_download_resumes()
    {
        string target = _temp.File("stalled");
        _hub.StallOnce = "model.safetensors";
        var downloader = new ModelDownloader(_http) { StallTimeout = TimeSpan.FromSeconds(0.5) };

        var stalled = await Assert.ThrowsAsync<HttpRequestException>(() => downloader.DownloadAsync(Repository, target, _hub.Endpoint));
        await Download(target);

        Assert.Contains("the server sent nothing for 0.5 s after", stalled.Message);
        Assert.Contains("run the download again to resume", stalled.Message);
        AssertSameFiles(_served, target);
    }

    [Fact]
    public async Task A_corrupted_file_fails_its_checksum_and_is_not_kept()
    {
        string target = _temp.File("corrupted");
        _hub.Corrupt = "model.safetensors";

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Download(target));

        Assert.Contains("checksum mismatch", error.Message);
        Assert.False(File.Exists(Path.Combine(target, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(target, "model.safetensors.partial")));
    }

    [Fact]
    public async Task A_repository_without_a_required_file_is_named()
    {
        File.Delete(Path.Combine(_served, "vocab.json"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Download(_temp.File("incomplete")));
        Assert.Contains("vocab.json: not found", error.Message);
    }

    [Theory]
    [InlineData("tiny.en", @"tiny\.en\s+downloaded")]
    [InlineData(Repository, @"openai_whisper-tiny\.en\s+downloaded")] // a repository as owner/name, stored as owner_name
    public void The_command_line_downloads_a_model_and_transcribes_with_it_by_the_name_it_was_given(string name, string listed)
    {
        var environment = new Dictionary<string, string>
        {
            [ModelRegistry.EndpointVariable] = _hub.Endpoint.ToString(),
            [ModelRegistry.DirectoryVariable] = _temp.File("models"),
        };

        var download = SttCommandLine.RunProcess(environment, null, "models", "download", name);
        var list = SttCommandLine.RunProcess(environment, null, "models", "list");
        var transcribe = SttCommandLine.RunProcess(environment, null, "transcribe", SharedData.PathOf("oracle/jfk.wav"), "-m", name, "--temperature", "0");

        Assert.True(download.ExitCode == ExitCode.Ok, download.Error);
        Assert.Matches(listed, list.Output);
        Assert.True(transcribe.ExitCode == ExitCode.Ok, transcribe.Error);
    }

    [Theory]
    [InlineData("openai/whisper-tiny.en", true)]
    [InlineData("distil-whisper/distil-large-v3", true)]
    [InlineData("Systran/faster_whisper_small", true)]
    [InlineData("../../etc", false)]
    [InlineData("openai/..", false)]
    [InlineData("a/b/c", false)]
    [InlineData("-owner/name", false)]
    [InlineData("owner/name.", false)]
    [InlineData("owner/na--me", false)]
    [InlineData("owner/na me", false)]
    [InlineData("owner/", false)]
    public void A_repository_id_is_owner_slash_name_in_the_hubs_characters(string repository, bool valid) =>
        Assert.Equal(valid, ModelRegistry.IsRepositoryId(repository));

    [Theory]
    [InlineData("../../etc")]
    [InlineData("openai/whisper tiny")]
    public void A_name_that_is_no_repository_is_a_usage_error_and_nothing_is_fetched(string name)
    {
        var environment = new Dictionary<string, string>
        {
            [ModelRegistry.EndpointVariable] = _hub.Endpoint.ToString(),
            [ModelRegistry.DirectoryVariable] = _temp.File("models"),
        };

        var result = SttCommandLine.RunProcess(environment, null, "models", "download", name);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains($"\"{name}\" is not a hub repository (owner/name", result.Error);
        Assert.False(Directory.Exists(_temp.File("models")));
    }

    [Fact]
    public void A_hub_address_that_is_not_one_is_an_input_error_naming_the_variable()
    {
        var environment = new Dictionary<string, string>
        {
            [ModelRegistry.EndpointVariable] = "hub.example:8080",
            [ModelRegistry.DirectoryVariable] = _temp.File("models"),
        };

        var result = SttCommandLine.RunProcess(environment, null, "models", "download", "tiny.en");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains($"{ModelRegistry.EndpointVariable}=hub.example:8080: not an http or https address", result.Error);
    }

    [Fact]
    public void A_name_that_is_not_downloaded_says_how_to_get_it()
    {
        var environment = new Dictionary<string, string> { [ModelRegistry.DirectoryVariable] = _temp.File("empty-models") };
        var result = SttCommandLine.RunProcess(environment, null, "transcribe", SharedData.PathOf("oracle/jfk.wav"), "-m", "base.en");
        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains("base.en: not downloaded yet; run `stt models download base.en`", result.Error);
    }
}
