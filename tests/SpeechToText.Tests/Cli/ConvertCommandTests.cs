using SpeechToText.Checkpoints;
using SpeechToText.Cli;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Cli;

public sealed class ConvertCommandTests : IDisposable
{
    static readonly ModelDimensions Tiny = new(80, 30, 16, 2, 1, 51864, 16, 16, 2, 1);
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.dtype, actual[name].dtype);
            Assert.True(tensor.flatten().eq(actual[name].flatten()).all().item<bool>(), name);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ggml_to_hugging_face_and_back_gives_identical_tensors_and_vocabulary(bool float16)
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 21);
        using var oracle = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        string original = _temp.File("a.bin"), directory = _temp.File("hf"), back = _temp.File("b.bin");
        GgmlCheckpoint.Write(original, Tiny, oracle.Vocabulary, model.state_dict(), float16);

        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", original, directory).ExitCode);
        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", directory, back).ExitCode);

        using var before = GgmlCheckpoint.Read(original);
        using var after = GgmlCheckpoint.Read(back);
        AssertSameTensors(before.Tensors, after.Tensors);
        Assert.Equal(before.Vocabulary, after.Vocabulary);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(back));
    }

    [Fact]
    public void Hugging_face_to_ggml_and_back_keeps_every_value()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 22);
        using var oracle = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        var tokenizer = SpeechToText.Text.WhisperTokenizer.FromRanks(oracle.Vocabulary, SpeechToText.Text.SpecialTokens.ForVocabularySize(51864));
        string directory = _temp.File("hf"), ggml = _temp.File("m.bin"), back = _temp.File("hf2");
        HuggingFaceCheckpoint.Write(directory, Tiny, model.state_dict(), tokenizer);

        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", directory, ggml).ExitCode);
        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", ggml, back).ExitCode);

        using var before = HuggingFaceCheckpoint.Read(directory);
        using var after = HuggingFaceCheckpoint.Read(back);
        AssertSameTensors(before.Tensors, after.Tensors);
        Assert.Equal(before.Tokenizer.Special, after.Tokenizer.Special);
    }

    [Fact]
    public void The_bundled_model_in_either_precision_keeps_its_language_models_and_transcribes_the_sample_alike()
    {
        string half = _temp.File("half"), full = _temp.File("full");

        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", Repository.BundledModel, half, "--type", "f16").ExitCode);
        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", Repository.BundledModel, full, "--type", "f32").ExitCode);

        foreach (string languageModel in new[] { SpeechToText.Text.CharacterLanguageModel.FileName, SpeechToText.Text.WordLanguageModel.FileName })
        {
            byte[] bundledLanguageModel = File.ReadAllBytes(Path.Combine(Repository.BundledModel, languageModel));
            Assert.Equal(bundledLanguageModel, File.ReadAllBytes(Path.Combine(half, languageModel)));
            Assert.Equal(bundledLanguageModel, File.ReadAllBytes(Path.Combine(full, languageModel)));
        }
        Assert.True(new FileInfo(Path.Combine(half, "model.safetensors")).Length < new FileInfo(Path.Combine(full, "model.safetensors")).Length * 0.51);
        var bundled = SttCommandLine.Run("transcribe", Repository.Sample("short.wav"), "-m", Repository.BundledModel);
        Assert.True(bundled.ExitCode == ExitCode.Ok, bundled.Error);
        Assert.Equal(bundled.Output, SttCommandLine.Run("transcribe", Repository.Sample("short.wav"), "-m", half).Output);
        Assert.Equal(bundled.Output, SttCommandLine.Run("transcribe", Repository.Sample("short.wav"), "-m", full).Output);
    }

    [Fact]
    public void A_directory_converted_to_a_directory_keeps_the_alignment_heads_and_beam_size_it_names_and_no_other_language_model()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 23);
        using var oracle = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        var tokenizer = SpeechToText.Text.WhisperTokenizer.FromRanks(oracle.Vocabulary, SpeechToText.Text.SpecialTokens.ForVocabularySize(51864));
        AlignmentHead[] heads = [new(0, 1)]; // not the default for these dimensions (the second half of the decoder's layers)
        string directory = _temp.File("hf"), converted = _temp.File("converted");
        HuggingFaceCheckpoint.Write(directory, Tiny, model.state_dict(), tokenizer, settings: new ModelSettings(AlignmentHeads: heads, BeamSize: 7, CtcWeight: 0.3));
        string head = Path.Combine(directory, CtcHead.FileName);
        SafeTensorsFile.Write(head, new Dictionary<string, TorchSharp.torch.Tensor>
        {
            ["weight"] = TorchSharp.torch.randn(tokenizer.TextTokenCount + 1, Tiny.AudioState), ["bias"] = TorchSharp.torch.zeros(tokenizer.TextTokenCount + 1),
        });
        Directory.CreateDirectory(converted);
        string stale = _temp.Write(Path.Combine("converted", SpeechToText.Text.CharacterLanguageModel.FileName), [1, 2, 3]);
        string staleWords = _temp.Write(Path.Combine("converted", SpeechToText.Text.WordLanguageModel.FileName), [1, 2, 3]);

        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", directory, converted, "--type", "f16").ExitCode);

        using var after = HuggingFaceCheckpoint.Read(converted);
        Assert.Equal(heads, after.Settings.AlignmentHeads);
        Assert.Equal(7, after.Settings.BeamSize);
        Assert.Equal(0.3, after.Settings.CtcWeight);
        Assert.Equal(File.ReadAllBytes(head), File.ReadAllBytes(Path.Combine(converted, CtcHead.FileName)));
        Assert.False(File.Exists(stale)); // another model's language models would be fused with this one
        Assert.False(File.Exists(staleWords));
    }

    [Fact]
    public void A_directory_converted_to_ggml_warns_of_what_the_file_has_no_place_for()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 24);
        using var oracle = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));
        var tokenizer = SpeechToText.Text.WhisperTokenizer.FromRanks(oracle.Vocabulary, SpeechToText.Text.SpecialTokens.ForVocabularySize(51864));
        string directory = _temp.File("hf"), plain = _temp.File("plain");
        HuggingFaceCheckpoint.Write(directory, Tiny, model.state_dict(), tokenizer, settings: new ModelSettings(AlignmentHeads: [new(0, 1)], BeamSize: 7, CtcWeight: 0.3));
        HuggingFaceCheckpoint.Write(plain, Tiny, model.state_dict(), tokenizer);
        File.Copy(Path.Combine(Repository.BundledModel, SpeechToText.Text.WordLanguageModel.FileName), Path.Combine(directory, SpeechToText.Text.WordLanguageModel.FileName));
        File.Copy(Path.Combine(Repository.BundledModel, CtcHead.FileName), Path.Combine(directory, CtcHead.FileName));

        var converted = SttCommandLine.Run("convert", directory, _temp.File("m.bin"));
        var convertedPlain = SttCommandLine.Run("convert", plain, _temp.File("plain.bin"));

        Assert.Equal(ExitCode.Ok, converted.ExitCode);
        Assert.Contains("the language model word_language_model.bin", converted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("the language model language_model.bin", converted.Error, StringComparison.Ordinal);
        Assert.Contains("num_beams 7", converted.Error, StringComparison.Ordinal);
        Assert.Contains("the alignment heads", converted.Error, StringComparison.Ordinal);
        Assert.Contains("the CTC head ctc_head.safetensors", converted.Error, StringComparison.Ordinal);
        Assert.Contains("ctc_weight 0.3", converted.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCode.Ok, convertedPlain.ExitCode);
        Assert.DoesNotContain("no place for", convertedPlain.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hf", "hf")]
    [InlineData("hf", "hf/")]
    [InlineData("m.bin", "m.bin")]
    public void Converting_a_checkpoint_onto_itself_is_refused_and_leaves_it_intact(string input, string output)
    {
        string directory = _temp.File("hf"), ggml = _temp.File("m.bin");
        SttCommandLine.Run("convert", SharedData.PathOf("oracle/rand-s64-en-f32.bin"), directory);
        File.Copy(SharedData.PathOf("oracle/rand-s64-en-f32.bin"), ggml);
        var before = Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var result = SttCommandLine.Run("convert", _temp.File(input), _temp.File(output), "--type", "f16");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains("is the input; converting a checkpoint onto itself would destroy it", result.Error);
        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));
    }

    [Fact]
    public void A_directory_output_where_a_file_stands_is_an_input_error_and_the_file_is_kept()
    {
        string file = _temp.Write("notes", "kept"u8.ToArray());

        var result = SttCommandLine.Run("convert", SharedData.PathOf("oracle/rand-s64-en-f32.bin"), file);

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Equal($"stt: error: {file}: is a file, not a directory", result.Error.TrimEnd());
        Assert.Equal("kept", File.ReadAllText(file));
    }

    [Fact]
    public void A_missing_input_is_an_input_error() =>
        Assert.Equal(ExitCode.InputError, SttCommandLine.Run("convert", "nothing-here", _temp.File("x.bin")).ExitCode);
}
