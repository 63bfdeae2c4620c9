using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests;

public class SpeechRecognizerTests
{
    static async Task<List<Segment>> Collect(IAsyncEnumerable<Segment> segments)
    {
        var list = new List<Segment>();
        await foreach (var segment in segments)
            list.Add(segment);
        return list;
    }

    [Fact]
    public async Task One_loaded_model_transcribes_several_inputs_concurrently_as_it_would_one_by_one()
    {
        using var recognizer = SpeechRecognizer.Load(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        var options = new DecodingOptions { Temperatures = [0.0] };
        var jfk = AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav"));
        var shorter = jfk[..(16000 * 6)];

        var sequential = new[] { await Collect(recognizer.TranscribeAsync(jfk, options)), await Collect(recognizer.TranscribeAsync(shorter, options)) };
        var concurrent = await Task.WhenAll(
            Task.Run(() => Collect(recognizer.TranscribeAsync(jfk, options))),
            Task.Run(() => Collect(recognizer.TranscribeAsync(shorter, options))));

        for (int i = 0; i < 2; i++)
            Assert.Equal(sequential[i].SelectMany(s => s.Tokens), concurrent[i].SelectMany(s => s.Tokens));
    }

    [Fact]
    public void An_english_only_model_s_language_is_english_without_judging_the_audio()
    {
        using var recognizer = SpeechRecognizer.Load(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));

        Assert.Equal(("en", 1.0), recognizer.DetectLanguage(AudioInput.ReadAll(SharedData.PathOf("oracle/jfk.wav"))));
    }

    [Fact]
    public async Task Cancellation_stops_a_transcription()
    {
        using var recognizer = SpeechRecognizer.Load(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Collect(recognizer.TranscribeAsync(new float[16000 * 40], cancellation: cancelled.Token)));
    }

    [Theory]
    [InlineData(CharacterLanguageModel.FileName, "SCLM")]
    [InlineData(WordLanguageModel.FileName, "SWLM")]
    public void A_model_directory_keeping_a_damaged_language_model_is_refused_naming_that_file(string name, string header)
    {
        using var directory = new TempDirectory();
        foreach (string file in Directory.GetFiles(Repository.BundledModel))
            File.Copy(file, directory.File(Path.GetFileName(file)));
        string languageModel = directory.Write(name, [.. System.Text.Encoding.ASCII.GetBytes(header), 1, 0]); // cut inside the version

        var error = Assert.Throws<InvalidDataException>(() => SpeechRecognizer.Load(directory.Path));

        Assert.StartsWith(languageModel + ": truncated", error.Message);
    }

    [Fact]
    public void A_model_directory_keeping_a_ctc_head_that_does_not_fit_the_model_is_refused_naming_that_file()
    {
        using var directory = new TempDirectory();
        foreach (string file in Directory.GetFiles(Repository.BundledModel))
            File.Copy(file, directory.File(Path.GetFileName(file)));
        string head = directory.File(CtcHead.FileName);
        var saved = SafeTensorsFile.Read(head);
        int width = (int)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(directory.File("config.json")))!["d_model"]!; // the model's width, not the head's
        SafeTensorsFile.Write(head, new Dictionary<string, TorchSharp.torch.Tensor> { ["weight"] = saved["weight"][..5], ["bias"] = saved["bias"] });

        var error = Assert.Throws<InvalidDataException>(() => SpeechRecognizer.Load(directory.Path));

        Assert.StartsWith($"{head}: the CTC head's weight must have shape [29, {width}], as the model and its vocabulary need; it has [5, {width}]", error.Message);
    }

    [Fact]
    public void A_word_language_model_without_a_character_model_of_its_alphabet_beside_it_is_refused()
    {
        using var directory = new TempDirectory();
        foreach (string file in Directory.GetFiles(Repository.BundledModel).Where(f => Path.GetFileName(f) != WordLanguageModel.FileName))
            File.Copy(file, directory.File(Path.GetFileName(file)));
        string words = directory.File(WordLanguageModel.FileName);
        WordLanguageModel.Train(["a compass needle"], " abcdefghijklmnopqrstuvwxyz", order: 2).Save(words);

        var otherAlphabet = Assert.Throws<InvalidDataException>(() => SpeechRecognizer.Load(directory.Path));
        File.Delete(directory.File(CharacterLanguageModel.FileName));
        var alone = Assert.Throws<InvalidDataException>(() => SpeechRecognizer.Load(directory.Path));

        Assert.StartsWith($"{words}: its alphabet \" abcdefghijklmnopqrstuvwxyz\" is not the character language model's", otherAlphabet.Message);
        Assert.StartsWith($"{words}: a word language model is fused only beside a character one", alone.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Fewer_than_one_thread_is_refused_before_the_model_loads(int threads)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SpeechRecognizer.Load(SharedData.PathOf("oracle/rand-s64-en-f32.bin"), new RecognizerOptions(Threads: threads)));

        Assert.Equal("options", error.ParamName);
        Assert.Contains($"{threads} was given", error.Message);
    }
}
