using SpeechToText.Checkpoints;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Checkpoints;

public sealed class GgmlCheckpointTests : IDisposable
{
    static readonly ModelDimensions Tiny = new(
        MelBins: 80, AudioContext: 20, AudioState: 16, AudioHeads: 2, AudioLayers: 1,
        VocabularySize: 40, TextContext: 8, TextState: 16, TextHeads: 2, TextLayers: 1);

    static readonly byte[][] Vocabulary = Enumerable.Range(0, 30).Select(i => new[] { (byte)('a' + i % 26), (byte)i }).ToArray();

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string WriteTiny(bool float16, int seed = 1)
    {
        using var model = WhisperModelTests.RandomModel(Tiny, seed);
        string path = _temp.File($"tiny-{float16}-{seed}.bin");
        GgmlCheckpoint.Write(path, Tiny, Vocabulary, model.state_dict(), float16);
        return path;
    }

    [Fact]
    public void Reads_the_oracle_model_with_its_standard_shape()
    {
        using var checkpoint = GgmlCheckpoint.Read(SharedData.PathOf("oracle/rand-s64-en-f32.bin"));

        Assert.Equal(new ModelDimensions(80, 1500, 64, 2, 4, 51864, 448, 64, 2, 4), checkpoint.Dimensions);
        Assert.Equal(50256, checkpoint.Vocabulary.Count);
        Assert.Equal(" Tigers"u8.ToArray(), checkpoint.Vocabulary[17662]);
        Assert.Equal(new long[] { 64, 80, 3 }, checkpoint.Tensors["encoder.conv1.weight"].shape);
        Assert.Equal(new long[] { 1500, 64 }, checkpoint.Tensors["encoder.positional_embedding"].shape);
    }

    [Fact]
    public void A_float32_file_round_trips_every_tensor_bit_for_bit()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 7);
        string path = _temp.File("tiny.bin");
        GgmlCheckpoint.Write(path, Tiny, Vocabulary, model.state_dict(), float16: false);

        using var checkpoint = GgmlCheckpoint.Read(path);

        Assert.Equal(Tiny, checkpoint.Dimensions);
        Assert.Equal(Vocabulary, checkpoint.Vocabulary);
        foreach (var (name, expected) in model.state_dict())
            Assert.True(expected.flatten().eq(checkpoint.Tensors[name].flatten()).all().item<bool>(), name);
        Assert.Equal(new long[] { 16, 1 }, checkpoint.Tensors["encoder.conv1.bias"].shape); // whisper.cpp's layout
    }

    [Fact]
    public void A_float16_file_keeps_vectors_biases_and_positions_in_float32()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 8);
        string path = _temp.File("tiny16.bin");
        GgmlCheckpoint.Write(path, Tiny, Vocabulary, model.state_dict(), float16: true);

        using var checkpoint = GgmlCheckpoint.Read(path);

        Assert.Equal(1, checkpoint.FileType);
        foreach (var (name, expected) in model.state_dict())
        {
            var actual = checkpoint.Tensors[name].flatten();
            bool exact = expected.dim() == 1 || name.Contains("positional_embedding") || name.Contains(".conv") && name.EndsWith(".bias");
            var reference = exact ? expected.flatten() : expected.flatten().to_type(ScalarType.Float16).to_type(ScalarType.Float32);
            Assert.True(reference.eq(actual).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_loaded_file_gives_the_logits_of_the_model_it_was_written_from()
    {
        using var model = WhisperModelTests.RandomModel(Tiny, 9);
        string path = _temp.File("tiny.bin");
        GgmlCheckpoint.Write(path, Tiny, Vocabulary, model.state_dict(), float16: false);
        using var checkpoint = GgmlCheckpoint.Read(path);
        using var loaded = new WhisperModel(checkpoint.Dimensions);
        loaded.LoadWeights(checkpoint.Tensors, path);
        loaded.eval();

        using var inference = torch.inference_mode();
        var mel = torch.randn(1, 80, 40);
        var tokens = torch.tensor(new long[] { 1, 2, 3 }, [1, 3]);
        using var crossA = model.Decoder.CrossAttention(model.Encoder.Forward(mel));
        using var crossB = loaded.Decoder.CrossAttention(loaded.Encoder.Forward(mel));
        using var cacheA = new DecoderCache(1);
        using var cacheB = new DecoderCache(1);
        Assert.True(model.Decoder.Forward(tokens, crossA, cacheA).eq(loaded.Decoder.Forward(tokens, crossB, cacheB)).all().item<bool>());
    }

    [Fact]
    public void Wrong_magic_is_named()
    {
        string path = _temp.Write("notggml.bin", "GGUF and then some bytes"u8.ToArray());
        Assert.Equal($"{path}: not a whisper.cpp ggml model (wrong magic)", Assert.Throws<InvalidDataException>(() => GgmlCheckpoint.Read(path)).Message);
    }

    [Fact]
    public void Out_of_range_dimensions_are_named()
    {
        byte[] file = File.ReadAllBytes(WriteTiny(float16: false));
        BitConverter.GetBytes(0).CopyTo(file, 4 + 4 * 3); // n_audio_head = 0
        string path = _temp.Write("zero-heads.bin", file);
        Assert.Contains("AudioHeads = 0 is out of range", Assert.Throws<InvalidDataException>(() => GgmlCheckpoint.Read(path)).Message);
    }

    [Fact]
    public void Quantised_tensors_are_rejected_by_name()
    {
        byte[] file = File.ReadAllBytes(WriteTiny(float16: true));
        // The first tensor record follows the header, filterbank and vocabulary: patch its type to Q4_0.
        int offset = 4 + 11 * 4 + 8 + 80 * 201 * 4 + 4 + Vocabulary.Sum(t => 4 + t.Length);
        BitConverter.GetBytes(2).CopyTo(file, offset + 8);
        string path = _temp.Write("q4.bin", file);
        Assert.Contains("ggml type 2 (Q4_0); only F32 and F16 tensors are supported", Assert.Throws<InvalidDataException>(() => GgmlCheckpoint.Read(path)).Message);
    }

    [Fact]
    public void Random_truncation_and_byte_flips_give_a_clear_error_or_a_valid_file_never_a_crash()
    {
        byte[] valid = File.ReadAllBytes(WriteTiny(float16: true));
        var random = new Random(3);
        for (int trial = 0; trial < 300; trial++)
        {
            var file = valid[..(trial % 3 == 0 ? random.Next(valid.Length) : valid.Length)];
            for (int flips = random.Next(1, 6); flips > 0 && file.Length > 0; flips--)
            {
                // Flip bytes in the header, the vocabulary and the tensor records where a parser is most exposed.
                int at = random.Next(2) == 0 ? random.Next(Math.Min(file.Length, 200)) : random.Next(file.Length);
                file[at] = (byte)random.Next(256);
            }
            string path = _temp.Write($"fuzz{trial}.bin", file);
            try
            {
                GgmlCheckpoint.Read(path).Dispose();
            }
            catch (InvalidDataException)
            {
                // A clear error is a correct outcome.
            }
            File.Delete(path);
        }
    }
}
