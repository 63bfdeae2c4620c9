using System.Text.Json.Nodes;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using SpeechToText.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Checkpoints;

public sealed class HuggingFaceCheckpointTests : IDisposable, IClassFixture<Text.WhisperTokenizerTests.Gpt2Vocabulary>
{
    /// <summary>The standard English-only layout (GPT-2 vocabulary, 1500 audio and 448 text positions) at a small width.</summary>
    static readonly ModelDimensions StandardShape = new(80, 1500, 64, 2, 2, 51864, 448, 64, 2, 2);

    readonly TempDirectory _temp = new();
    readonly IReadOnlyList<byte[]> _ranks;

    public HuggingFaceCheckpointTests(Text.WhisperTokenizerTests.Gpt2Vocabulary vocabulary) => _ranks = vocabulary.Ranks;

    public void Dispose() => _temp.Dispose();

    WhisperTokenizer English => WhisperTokenizer.FromRanks(_ranks, SpecialTokens.ForVocabularySize(51864));

    [Fact]
    public void Tensor_names_translate_both_ways_for_every_parameter()
    {
        using var model = new WhisperModel(StandardShape);
        foreach (var name in model.state_dict().Keys)
        {
            string huggingFace = WhisperTensorNames.ToHuggingFace(name);
            Assert.StartsWith("model.", huggingFace);
            Assert.Equal(name, WhisperTensorNames.FromHuggingFace(huggingFace));
        }
        Assert.Equal("model.decoder.layers.1.encoder_attn.k_proj.weight", WhisperTensorNames.ToHuggingFace("decoder.blocks.1.cross_attn.key.weight"));
        Assert.Equal("encoder.blocks.0.mlp.2.bias", WhisperTensorNames.FromHuggingFace("model.encoder.layers.0.fc2.bias"));
        Assert.Null(WhisperTensorNames.FromHuggingFace("proj_out.weight"));
    }

    [Fact]
    public void A_random_standard_model_saved_as_hugging_face_and_as_ggml_loads_from_both_with_identical_logits()
    {
        using var model = WhisperModelTests.RandomModel(StandardShape, 11);
        string directory = _temp.File("hf"), ggml = _temp.File("model.bin");
        HuggingFaceCheckpoint.Write(directory, StandardShape, model.state_dict(), English);
        GgmlCheckpoint.Write(ggml, StandardShape, _ranks, model.state_dict(), float16: false);

        var (fromHf, hfTokenizer) = CheckpointReader.Load(directory);
        var (fromGgml, ggmlTokenizer) = CheckpointReader.Load(ggml);
        using (fromHf)
        using (fromGgml)
        {
            Assert.Equal(StandardShape, fromHf.Dimensions);
            Assert.Equal(ggmlTokenizer.Special, hfTokenizer.Special);
            Assert.Equal(ggmlTokenizer.Encode("Hello world, again!"), hfTokenizer.Encode("Hello world, again!"));
            using var inference = torch.inference_mode();
            torch.manual_seed(1);
            var mel = torch.randn(1, 80, 3000);
            using var crossHf = fromHf.Decoder.CrossAttention(fromHf.Encoder.Forward(mel));
            using var crossGgml = fromGgml.Decoder.CrossAttention(fromGgml.Encoder.Forward(mel));
            var prompt = new[] { hfTokenizer.Special.StartOfTranscript };
            using (var cacheHf = new DecoderCache(2))
            using (var cacheGgml = new DecoderCache(2))
            {
                var tokens = torch.tensor(new long[] { prompt[0], 15496, 995 }, [1, 3]);
                Assert.True(fromHf.Decoder.Forward(tokens, crossHf, cacheHf).eq(fromGgml.Decoder.Forward(tokens, crossGgml, cacheGgml)).all().item<bool>());
            }

            ILogitFilter[] filters = [SuppressBlank.For(hfTokenizer), SuppressTokens.Default(hfTokenizer)];
            var first = new WindowDecoder(fromHf, hfTokenizer, filters).Decode(crossHf, prompt, 0, 20).Tokens.Select(t => t.Id).ToList();
            var again = new WindowDecoder(fromHf, hfTokenizer, filters).Decode(crossHf, prompt, 0, 20).Tokens.Select(t => t.Id).ToList();
            var viaGgml = new WindowDecoder(fromGgml, ggmlTokenizer, filters).Decode(crossGgml, prompt, 0, 20).Tokens.Select(t => t.Id).ToList();
            Assert.Equal(first, again);
            Assert.Equal(first, viaGgml);
        }
    }

    [Fact]
    public void The_written_directory_is_what_hugging_face_expects()
    {
        using var model = WhisperModelTests.RandomModel(StandardShape, 12);
        string directory = _temp.File("hf");
        HuggingFaceCheckpoint.Write(directory, StandardShape, model.state_dict(), English);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;
        Assert.Equal("whisper", config["model_type"]!.GetValue<string>());
        Assert.Equal(256, config["encoder_ffn_dim"]!.GetValue<int>());
        var tensors = SafeTensorsFile.Read(Path.Combine(directory, "model.safetensors"));
        Assert.Equal(new long[] { 64 }, tensors["model.encoder.conv1.bias"].shape);
        Assert.Equal(new long[] { 51864, 64 }, tensors["model.decoder.embed_tokens.weight"].shape);
        var vocabulary = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "vocab.json")))!;
        Assert.Equal(15496, vocabulary["Hello"]!.GetValue<int>());
        Assert.Equal(995, vocabulary["Ġworld"]!.GetValue<int>());
        var added = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "added_tokens.json")))!;
        Assert.Equal(50363, added["<|0.00|>"]!.GetValue<int>());
        Assert.Equal(51863, added["<|30.00|>"]!.GetValue<int>());
        Assert.Equal(50258, added["<|en|>"]!.GetValue<int>());
    }

    [Fact]
    public void A_directory_of_symbolic_links_reads_as_the_files_they_point_to()
    {
        // A Hugging Face cache's snapshot directory holds links to its blobs.
        using var model = WhisperModelTests.RandomModel(StandardShape, 13);
        string blobs = _temp.File("blobs"), snapshot = _temp.File("snapshot");
        HuggingFaceCheckpoint.Write(blobs, StandardShape, model.state_dict(), English);
        Directory.CreateDirectory(snapshot);
        foreach (string file in Directory.GetFiles(blobs))
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), file);

        using var linked = HuggingFaceCheckpoint.Read(snapshot);
        using var original = HuggingFaceCheckpoint.Read(blobs);

        Assert.Equal(original.Dimensions, linked.Dimensions);
        Assert.Equal(original.Tensors.Keys.Order(), linked.Tensors.Keys.Order());
        Assert.All(original.Tensors, pair => Assert.True(pair.Value.equal(linked.Tensors[pair.Key]).all().item<bool>(), pair.Key));
    }

    [Fact]
    public void Sharded_weights_are_read_through_their_index()
    {
        using var model = WhisperModelTests.RandomModel(StandardShape, 13);
        string directory = _temp.File("sharded");
        HuggingFaceCheckpoint.Write(directory, StandardShape, model.state_dict(), English);
        string single = Path.Combine(directory, "model.safetensors");
        var all = SafeTensorsFile.Read(single);
        var names = all.Keys.Order().ToList();
        var shards = new[] { names.Take(names.Count / 2).ToList(), names.Skip(names.Count / 2).ToList() };
        var map = new JsonObject();
        for (int i = 0; i < 2; i++)
        {
            string file = $"model-0000{i + 1}-of-00002.safetensors";
            SafeTensorsFile.Write(Path.Combine(directory, file), shards[i].ToDictionary(n => n, n => all[n]));
            foreach (var name in shards[i])
                map[name] = file;
        }
        File.Delete(single);
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());

        var (loaded, _) = CheckpointReader.Load(directory);
        using (loaded)
        {
            var expected = model.state_dict();
            foreach (var (name, tensor) in loaded.state_dict())
                Assert.True(tensor.eq(expected[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_shard_name_outside_the_directory_is_rejected()
    {
        string directory = _temp.File("evil");
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        File.Delete(Path.Combine(directory, "model.safetensors"));
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), """{"weight_map":{"a":"../../etc/passwd"}}""");
        Assert.Contains("is not a file in the checkpoint directory", Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message);
    }

    [Theory]
    [InlineData("d_model", "\"wide\"", "d_model is missing or not an integer")]
    [InlineData("encoder_attention_heads", "0", "AudioHeads = 0 is out of range")]
    [InlineData("encoder_ffn_dim", "100", "encoder_ffn_dim = 100; Whisper models have 4 × d_model = 256")]
    [InlineData("activation_function", "\"relu\"", "activation_function \"relu\" is not supported")]
    public void Configuration_values_out_of_range_are_named(string field, string value, string message)
    {
        string directory = _temp.File("config-" + field);
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        SetField(directory, "config.json", field, value);
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message);
    }

    [Fact]
    public void A_configuration_far_larger_than_the_weights_is_refused_before_a_model_of_its_size_is_made()
    {
        string directory = _temp.File("config-larger");
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        string path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        (config["d_model"], config["encoder_ffn_dim"], config["decoder_ffn_dim"]) = (4096, 16384, 16384); // 64 blocks of 4096 would be tens of gigabytes
        (config["encoder_layers"], config["decoder_layers"]) = (64, 64);
        File.WriteAllText(path, config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message;

        Assert.StartsWith($"{directory}: its dimensions need at least ", error);
        Assert.EndsWith("the header does not describe these weights", error);
    }

    [Fact]
    public void Alignment_heads_come_from_generation_config_or_default_to_the_upper_half_of_the_decoder()
    {
        string directory = _temp.File("heads");
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        using (var byDefault = CheckpointReader.Load(directory).Model)
            Assert.Equal([new AlignmentHead(1, 0), new AlignmentHead(1, 1)], byDefault.AlignmentHeads);

        SetGenerationConfig(directory, "alignment_heads", "[[0, 1], [1, 0]]");
        using var named = CheckpointReader.Load(directory).Model;

        Assert.Equal([new AlignmentHead(0, 1), new AlignmentHead(1, 0)], named.AlignmentHeads);
    }

    [Theory]
    [InlineData("[[2, 0]]", "alignment head (layer 2, head 0) is outside the decoder's 2 layers of 2 heads")]
    [InlineData("[[0, 1], [0, 1]]", "names a head twice")]
    [InlineData("[[0]]", "alignment_heads holds [0], not a [layer, head] pair of integers")]
    [InlineData("{}", "alignment_heads is not a list of [layer, head] pairs")]
    [InlineData("[]", "the alignment heads list is empty")]
    public void Bad_alignment_heads_are_named(string value, string message)
    {
        string directory = _temp.File("bad-heads");
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        SetGenerationConfig(directory, "alignment_heads", value);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message;

        Assert.Contains("generation_config.json", error);
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("config.json", "[1, 2]")]
    [InlineData("generation_config.json", "\"whisper\"")]
    [InlineData("vocab.json", "[]")]
    [InlineData("added_tokens.json", "7")]
    public void A_configuration_file_that_is_json_but_not_an_object_is_named(string file, string content)
    {
        string directory = _temp.File("not-object-" + file);
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        File.WriteAllText(Path.Combine(directory, file), content);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message;

        Assert.Equal($"{Path.Combine(directory, file)}: not a JSON object", error);
    }

    [Fact]
    public void The_beam_size_and_ctc_weight_generation_config_names_are_read_and_written_back()
    {
        string named = _temp.File("beams"), unnamed = _temp.File("no-beams");
        HuggingFaceCheckpoint.Write(named, StandardShape, new WhisperModel(StandardShape).state_dict(), English, settings: new ModelSettings(BeamSize: 20, CtcWeight: 0.3));
        HuggingFaceCheckpoint.Write(unnamed, StandardShape, new WhisperModel(StandardShape).state_dict(), English);

        using var withBeams = CheckpointReader.Load(named).Model;
        using var without = CheckpointReader.Load(unnamed).Model;

        Assert.Equal(20, withBeams.BeamSize);
        Assert.Equal(0.3, withBeams.CtcWeight);
        Assert.Null(without.BeamSize);
        Assert.Null(without.CtcWeight);
        Assert.DoesNotContain("num_beams", File.ReadAllText(Path.Combine(unnamed, "generation_config.json")));
        Assert.DoesNotContain("ctc_weight", File.ReadAllText(Path.Combine(unnamed, "generation_config.json")));
        foreach (var (name, settings) in new[] { ("too-many-beams", new ModelSettings(BeamSize: 101)), ("negative-ctc", new ModelSettings(CtcWeight: -1)) })
        {
            string refused = _temp.File(name);
            Assert.Throws<ArgumentOutOfRangeException>(() => HuggingFaceCheckpoint.Write(refused, StandardShape, withBeams.state_dict(), English, settings: settings));
            Assert.False(Directory.Exists(refused));
        }
    }

    [Theory]
    [InlineData("num_beams", "0", "a whole number of beams from 1 to 100")]
    [InlineData("num_beams", "101", "a whole number of beams from 1 to 100")]
    [InlineData("num_beams", "2.5", "a whole number of beams from 1 to 100")]
    [InlineData("num_beams", "\"five\"", "a whole number of beams from 1 to 100")]
    [InlineData("ctc_weight", "-0.5", "a finite number, 0 or more")]
    [InlineData("ctc_weight", "\"high\"", "a finite number, 0 or more")]
    [InlineData("ctc_weight", "[0.3]", "a finite number, 0 or more")]
    public void A_beam_size_or_ctc_weight_out_of_its_range_is_named(string field, string value, string range)
    {
        string directory = _temp.File("bad-" + field);
        HuggingFaceCheckpoint.Write(directory, StandardShape, new WhisperModel(StandardShape).state_dict(), English);
        SetGenerationConfig(directory, field, value);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message;

        Assert.Equal($"{Path.Combine(directory, "generation_config.json")}: {field} is {value}, not {range}", error);
    }

    static void SetGenerationConfig(string directory, string field, string value) => SetField(directory, "generation_config.json", field, value);

    /// <summary>Sets <paramref name="field"/> of the JSON object in <paramref name="file"/> of <paramref name="directory"/> to the JSON <paramref name="value"/>.</summary>
    static void SetField(string directory, string file, string field, string value)
    {
        string path = Path.Combine(directory, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Missing_tensors_are_named()
    {
        string directory = _temp.File("missing");
        using var model = new WhisperModel(StandardShape);
        var tensors = model.state_dict().Where(kv => kv.Key != "decoder.ln.bias").ToDictionary();
        HuggingFaceCheckpoint.Write(directory, StandardShape, tensors, English);
        Assert.Contains("missing 1 tensor(s): decoder.ln.bias", Assert.Throws<InvalidDataException>(() => CheckpointReader.Load(directory)).Message);
    }
}

public sealed class TokenizerFilesTests : IDisposable, IClassFixture<Text.WhisperTokenizerTests.Gpt2Vocabulary>
{
    static readonly ModelDimensions Shape = new(80, 1500, 16, 2, 1, 51864, 448, 16, 2, 1);
    readonly TempDirectory _temp = new();
    readonly IReadOnlyList<byte[]> _ranks;

    public TokenizerFilesTests(Text.WhisperTokenizerTests.Gpt2Vocabulary vocabulary) => _ranks = vocabulary.Ranks;

    public void Dispose() => _temp.Dispose();

    string Write(string name)
    {
        string directory = _temp.File(name);
        using var model = new WhisperModel(Shape);
        HuggingFaceCheckpoint.Write(directory, Shape, model.state_dict(), WhisperTokenizer.FromRanks(_ranks, SpecialTokens.ForVocabularySize(51864)));
        return directory;
    }

    [Fact]
    public void The_gpt2_ranks_embedded_in_sharptoken_are_the_english_vocabulary() =>
        Assert.Equal(_ranks, Gpt2Ranks.Tokens);

    [Fact]
    public void An_english_only_checkpoint_without_tokenizer_files_uses_gpt2()
    {
        string directory = Write("bare");
        File.Delete(Path.Combine(directory, "vocab.json"));
        File.Delete(Path.Combine(directory, "added_tokens.json"));

        using var checkpoint = HuggingFaceCheckpoint.Read(directory);

        Assert.Equal(new[] { 15496, 995 }, checkpoint.Tokenizer.Encode("Hello world"));
        Assert.Equal(50257, checkpoint.Tokenizer.Special.StartOfTranscript);
    }

    [Fact]
    public void A_tokenizer_json_alone_is_enough()
    {
        string directory = Write("tokenizer-json");
        var vocabulary = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "vocab.json")))!;
        var added = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "added_tokens.json")))!;
        var list = new JsonArray([.. added.Select(kv => (JsonNode)new JsonObject { ["id"] = kv.Value!.GetValue<int>(), ["content"] = kv.Key, ["special"] = true })]);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"),
            new JsonObject { ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocabulary.DeepClone() }, ["added_tokens"] = list }.ToJsonString());
        File.Delete(Path.Combine(directory, "vocab.json"));
        File.Delete(Path.Combine(directory, "added_tokens.json"));

        using var checkpoint = HuggingFaceCheckpoint.Read(directory);

        Assert.Equal(new[] { 15496, 995 }, checkpoint.Tokenizer.Encode("Hello world"));
        Assert.Equal(SpecialTokens.ForVocabularySize(51864), checkpoint.Tokenizer.Special);
    }

    [Fact]
    public void Parts_of_a_tokenizer_json_of_another_shape_are_passed_over_as_invalid_ids_are()
    {
        string directory = Write("odd-tokenizer-json");
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), """{"model": [], "added_tokens": [["<|endoftext|>"], 3, {"content": "<|x|>", "id": -1}]}""");

        using var checkpoint = HuggingFaceCheckpoint.Read(directory);

        Assert.Equal(SpecialTokens.ForVocabularySize(51864), checkpoint.Tokenizer.Special);
    }
}
