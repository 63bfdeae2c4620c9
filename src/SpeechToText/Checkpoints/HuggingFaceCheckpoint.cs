using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Text;
using static TorchSharp.torch;

namespace SpeechToText.Checkpoints;

/// <summary>
/// A Hugging Face Whisper directory (WhisperForConditionalGeneration): config.json, model.safetensors
/// (or shards listed in model.safetensors.index.json), and the tokenizer's vocab.json with
/// added_tokens.json. Tensors are exposed under openai/whisper's names.
/// </summary>
/// <remarks>
/// The tokenizer is built from vocab.json (or the vocabulary inside tokenizer.json): its ids are taken as
/// BPE ranks, which holds for Whisper's GPT-2-based vocabularies and for the vocabularies this project
/// writes. Special-token ids come from added_tokens.json or tokenizer.json when they name them; otherwise
/// the standard layout for the vocabulary size applies. An English-only checkpoint without tokenizer
/// files gets GPT-2's ranks (<see cref="Gpt2Ranks"/>).
/// </remarks>
public sealed class HuggingFaceCheckpoint : IDisposable
{
    const string ConfigFile = "config.json";
    const string GenerationConfigFile = "generation_config.json";
    const string WeightsFile = "model.safetensors";
    const string WeightsIndexFile = "model.safetensors.index.json";
    const string VocabularyFile = "vocab.json";
    const string AddedTokensFile = "added_tokens.json";
    const string TokenizerFile = "tokenizer.json";
    const long MaxJsonBytes = 64 << 20;

    /// <summary>The config.json key this project uses for models trained on unpadded audio.</summary>
    public const string VariableLengthAudioKey = "variable_length_audio";

    /// <summary>The generation_config.json key naming the beam size decoding searches by default.</summary>
    const string BeamSizeKey = "num_beams";

    /// <summary>The largest beam size a checkpoint may ask for: a bound on the work one file can make decoding do.</summary>
    const int MaxBeamSize = 100;

    static bool IsBeamSize(int beams) => beams is >= 1 and <= MaxBeamSize;

    /// <summary>The generation_config.json key (this project's) naming how much beam search weighs the model's CTC head.</summary>
    const string CtcWeightKey = "ctc_weight";

    HuggingFaceCheckpoint(ModelDimensions dimensions, Dictionary<string, Tensor> tensors, WhisperTokenizer tokenizer, ModelSettings settings)
    {
        Dimensions = dimensions;
        Tensors = tensors;
        Tokenizer = tokenizer;
        Settings = settings;
    }

    /// <summary>
    /// What config.json and generation_config.json say about running the model: trained on unpadded audio
    /// ("variable_length_audio", see <see cref="WhisperModel.VariableLengthAudio"/>), the alignment heads they name
    /// ("alignment_heads": [[layer, head], ...]) and the beam size decoding searches by default ("num_beams").
    /// </summary>
    public ModelSettings Settings { get; }

    /// <summary>The model's dimensions from config.json.</summary>
    public ModelDimensions Dimensions { get; }

    /// <summary>Tensors under openai/whisper's names, in their stored types (float32, float16 or bfloat16).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The tokenizer from vocab.json and the special tokens.</summary>
    public WhisperTokenizer Tokenizer { get; }

    /// <summary>Whether <paramref name="directory"/> looks like a Hugging Face Whisper directory.</summary>
    public static bool IsCheckpoint(string directory) => File.Exists(Path.Combine(directory, ConfigFile));

    /// <summary>Reads the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed or inconsistent; the message names it.</exception>
    public static HuggingFaceCheckpoint Read(string directory)
    {
        var config = ReadJson(directory, ConfigFile) ?? throw new InvalidDataException($"{directory}: no {ConfigFile}");
        var dimensions = ParseDimensions(config, Path.Combine(directory, ConfigFile));
        var generation = ReadJson(directory, GenerationConfigFile);
        bool multilingual = Flag(generation, "is_multilingual", Path.Combine(directory, GenerationConfigFile)) ?? dimensions.VocabularySize >= 51865;
        var tokenizer = ReadTokenizer(directory, dimensions.VocabularySize, multilingual);
        var alignmentHeads = ParseAlignmentHeads(generation, dimensions, Path.Combine(directory, GenerationConfigFile));
        int? beamSize = ParseBeamSize(generation, Path.Combine(directory, GenerationConfigFile));
        double? ctcWeight = ParseCtcWeight(generation, Path.Combine(directory, GenerationConfigFile));

        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (string file in WeightFiles(directory))
            {
                foreach (var (name, tensor) in SafeTensorsFile.Read(file, dtype: null))
                {
                    string? openAi = WhisperTensorNames.FromHuggingFace(name);
                    if (openAi == null || !tensors.TryAdd(openAi, tensor))
                        tensor.Dispose();
                }
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return new HuggingFaceCheckpoint(dimensions, tensors, tokenizer,
            new ModelSettings(Flag(config, VariableLengthAudioKey, Path.Combine(directory, ConfigFile)) ?? false, alignmentHeads, beamSize, ctcWeight));
    }

    /// <summary>
    /// Writes a Hugging Face Whisper directory: config.json, generation_config.json, model.safetensors
    /// (tensors in <paramref name="dtype"/>, or each in its own type when null), vocab.json and added_tokens.json,
    /// with the <paramref name="settings"/> given: alignment heads are written unless they are those a reader assumes
    /// for these dimensions (<see cref="Modeling.AlignmentHeads.For"/>), a beam size as "num_beams" and a CTC weight as
    /// "ctc_weight" when given.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The settings' beam size is not from 1 to 100, or their CTC weight is
    /// negative or not finite (nothing is written).</exception>
    public static void Write(string directory, ModelDimensions dims, IReadOnlyDictionary<string, Tensor> tensors,
        WhisperTokenizer tokenizer, ScalarType? dtype = null, ModelSettings? settings = null)
    {
        var (variableLengthAudio, alignmentHeads, beamSize, ctcWeight) = settings ?? new ModelSettings();
        if (beamSize is { } beams && !IsBeamSize(beams))
            throw new ArgumentOutOfRangeException(nameof(settings), beamSize, $"A checkpoint's beam size is from 1 to {MaxBeamSize}.");
        if (ctcWeight is { } weight && !ScoreWeight.IsValid(weight))
            throw new ArgumentOutOfRangeException(nameof(settings), ctcWeight, "A checkpoint's CTC weight is a finite number, 0 or more.");
        OutputDirectory.Create(directory);
        var special = tokenizer.Special;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("WhisperForConditionalGeneration"),
            ["model_type"] = "whisper",
            ["vocab_size"] = dims.VocabularySize,
            ["num_mel_bins"] = dims.MelBins,
            ["d_model"] = dims.AudioState,
            ["encoder_layers"] = dims.AudioLayers,
            ["decoder_layers"] = dims.TextLayers,
            ["encoder_attention_heads"] = dims.AudioHeads,
            ["decoder_attention_heads"] = dims.TextHeads,
            ["encoder_ffn_dim"] = 4 * dims.AudioState,
            ["decoder_ffn_dim"] = 4 * dims.TextState,
            ["max_source_positions"] = dims.AudioContext,
            ["max_target_positions"] = dims.TextContext,
            ["activation_function"] = "gelu",
            ["scale_embedding"] = false,
            ["bos_token_id"] = special.EndOfText,
            ["eos_token_id"] = special.EndOfText,
            ["pad_token_id"] = special.EndOfText,
            ["decoder_start_token_id"] = special.StartOfTranscript,
        };
        if (variableLengthAudio)
            config[VariableLengthAudioKey] = true;
        var generation = new JsonObject
        {
            ["is_multilingual"] = special.Multilingual,
            ["decoder_start_token_id"] = special.StartOfTranscript,
        };
        if (special.NoTimestamps != SpecialTokens.Absent)
            generation["no_timestamps_token_id"] = special.NoTimestamps;
        if (alignmentHeads != null && !alignmentHeads.SequenceEqual(Modeling.AlignmentHeads.For(dims)))
            generation["alignment_heads"] = new JsonArray([.. alignmentHeads.Select(h => (JsonNode)new JsonArray(h.Layer, h.Head))]);
        if (beamSize != null)
            generation[BeamSizeKey] = beamSize;
        if (ctcWeight != null)
            generation[CtcWeightKey] = ctcWeight;
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(Indented));
        File.WriteAllText(Path.Combine(directory, GenerationConfigFile), generation.ToJsonString(Indented));

        var vocabulary = new JsonObject();
        for (int rank = 0; rank < tokenizer.TextTokenCount; rank++)
            vocabulary[ByteLevelAlphabet.Encode(tokenizer.BytesOf(rank))] = rank;
        var added = new JsonObject();
        foreach (var (name, id) in SpecialTokenNames(special))
            added[name] = id;
        File.WriteAllText(Path.Combine(directory, VocabularyFile), vocabulary.ToJsonString());
        File.WriteAllText(Path.Combine(directory, AddedTokensFile), added.ToJsonString(Indented));

        var named = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, tensor) in tensors)
            {
                var converted = tensor.to_type(dtype ?? tensor.dtype);
                named[WhisperTensorNames.ToHuggingFace(name)] = name.Contains(".conv", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal)
                    ? converted.flatten()
                    : converted;
            }
            SafeTensorsFile.Write(Path.Combine(directory, WeightsFile), named, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var tensor in named.Values)
                tensor.Dispose();
        }
    }

    /// <summary>The names and ids of every special token in <paramref name="special"/>'s layout.</summary>
    static IEnumerable<(string Name, int Id)> SpecialTokenNames(SpecialTokens special)
    {
        var named = new List<(string, int)>
        {
            ("<|endoftext|>", special.EndOfText),
            ("<|startoftranscript|>", special.StartOfTranscript),
        };
        for (int i = 0; i < special.LanguageCount; i++)
            named.Add(($"<|{(i < Languages.Codes.Count ? Languages.Codes[i] : $"lang{i}")}|>", special.FirstLanguage + i));
        named.AddRange(
        [
            ("<|translate|>", special.Translate), ("<|transcribe|>", special.Transcribe), ("<|startoflm|>", special.StartOfLm),
            ("<|startofprev|>", special.StartOfPrevious), ("<|nospeech|>", special.NoSpeech), ("<|notimestamps|>", special.NoTimestamps),
        ]);
        if (special.HasTimestamps)
        {
            for (int i = 0; i < SpecialTokens.TimestampCount; i++)
                named.Add((string.Create(System.Globalization.CultureInfo.InvariantCulture, $"<|{i * SpecialTokens.SecondsPerTimestamp:0.00}|>"), special.TimestampBegin + i));
        }
        return named.Where(n => n.Item2 != SpecialTokens.Absent);
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    static ModelDimensions ParseDimensions(JsonNode config, string path)
    {
        int Get(string name) => config[name] is JsonValue value && value.TryGetValue(out int number)
            ? number
            : throw new InvalidDataException($"{path}: {name} is missing or not an integer");
        var dims = new ModelDimensions(
            MelBins: Get("num_mel_bins"), AudioContext: Get("max_source_positions"), AudioState: Get("d_model"),
            AudioHeads: Get("encoder_attention_heads"), AudioLayers: Get("encoder_layers"), VocabularySize: Get("vocab_size"),
            TextContext: Get("max_target_positions"), TextState: Get("d_model"), TextHeads: Get("decoder_attention_heads"),
            TextLayers: Get("decoder_layers"));
        dims.Validate(path);
        foreach (string ffn in new[] { "encoder_ffn_dim", "decoder_ffn_dim" })
        {
            if (config[ffn] != null && Get(ffn) != 4 * dims.AudioState)
                throw new InvalidDataException($"{path}: {ffn} = {Get(ffn)}; Whisper models have 4 × d_model = {4 * dims.AudioState}");
        }
        string activation = config["activation_function"] is JsonValue name && name.TryGetValue(out string? text) ? text : "gelu";
        if (activation != "gelu")
            throw new InvalidDataException($"{path}: activation_function \"{activation}\" is not supported (Whisper uses gelu)");
        if (Flag(config, "scale_embedding", path) == true)
            throw new InvalidDataException($"{path}: scale_embedding = true is not supported (Whisper does not scale embeddings)");
        return dims;
    }

    static int? ParseBeamSize(JsonNode? generation, string path) => generation?[BeamSizeKey] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out int beams) && IsBeamSize(beams) => beams,
        var other => throw new InvalidDataException($"{path}: {BeamSizeKey} is {other.ToJsonString()}, not a whole number of beams from 1 to {MaxBeamSize}"),
    };

    static double? ParseCtcWeight(JsonNode? generation, string path) => generation?[CtcWeightKey] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out double weight) && ScoreWeight.IsValid(weight) => weight,
        var other => throw new InvalidDataException($"{path}: {CtcWeightKey} is {other.ToJsonString()}, not a finite number, 0 or more"),
    };

    static IReadOnlyList<AlignmentHead>? ParseAlignmentHeads(JsonNode? generation, ModelDimensions dimensions, string path)
    {
        var node = generation?["alignment_heads"];
        if (node == null)
            return null;
        if (node is not JsonArray pairs)
            throw new InvalidDataException($"{path}: alignment_heads is not a list of [layer, head] pairs");
        var heads = pairs.Select(pair => pair is JsonArray { Count: 2 } p && p[0] is JsonValue layer && layer.TryGetValue(out int l)
                && p[1] is JsonValue head && head.TryGetValue(out int h)
            ? new AlignmentHead(l, h)
            : throw new InvalidDataException($"{path}: alignment_heads holds {pair?.ToJsonString() ?? "null"}, not a [layer, head] pair of integers")).ToList();
        return Modeling.AlignmentHeads.Validate(heads, dimensions, path);
    }

    static WhisperTokenizer ReadTokenizer(string directory, int vocabularySize, bool multilingual)
    {
        string path = Path.Combine(directory, VocabularyFile);
        var tokenizerJson = ReadJson(directory, TokenizerFile);
        var vocabulary = ReadJson(directory, VocabularyFile) ?? (tokenizerJson?["model"] as JsonObject)?["vocab"] as JsonObject;
        if (vocabulary == null)
        {
            if (multilingual || vocabularySize != 51864)
                throw new InvalidDataException($"{directory}: no {VocabularyFile} or {TokenizerFile}; only English-only models can do without (GPT-2's vocabulary)");
            return WhisperTokenizer.FromRanks(Gpt2Ranks.Tokens, SpecialTokens.ForVocabularySize(vocabularySize, directory));
        }
        if (!File.Exists(path))
            path = Path.Combine(directory, TokenizerFile);
        var ids = new Dictionary<string, int>();
        foreach (var (token, value) in vocabulary)
        {
            if (value is not JsonValue v || !v.TryGetValue(out int id) || id < 0 || id >= vocabularySize)
                throw new InvalidDataException($"{path}: token {token} has an id outside 0..{vocabularySize - 1}");
            ids[token] = id;
        }
        if (ReadJson(directory, AddedTokensFile) is { } added)
        {
            foreach (var (token, value) in added)
            {
                if (value is JsonValue v && v.TryGetValue(out int id) && id >= 0 && id < vocabularySize)
                    ids[token] = id;
            }
        }
        if (tokenizerJson?["added_tokens"] is JsonArray listed)
        {
            foreach (var entry in listed)
            {
                if (entry is JsonObject && entry["content"] is JsonValue content && content.TryGetValue(out string? token)
                    && entry["id"] is JsonValue value && value.TryGetValue(out int id) && id >= 0 && id < vocabularySize)
                    ids.TryAdd(token, id);
            }
        }
        var special = SpecialTokens.FromNames(ids, multilingual, vocabularySize, path) ?? SpecialTokens.ForVocabularySize(vocabularySize, path);
        var ranks = new byte[special.EndOfText][];
        foreach (var (token, id) in ids)
        {
            if (id >= ranks.Length)
                continue;
            ranks[id] = ByteLevelAlphabet.Decode(token) ?? throw new InvalidDataException($"{path}: token {token} is not in the byte-level alphabet");
        }
        int hole = Array.FindIndex(ranks, r => r == null);
        if (hole >= 0)
            throw new InvalidDataException($"{path}: no text token has id {hole}; ids below <|endoftext|> ({special.EndOfText}) must all be text tokens");
        return WhisperTokenizer.FromRanks(ranks, special);
    }

    static IEnumerable<string> WeightFiles(string directory)
    {
        string single = Path.Combine(directory, WeightsFile);
        if (File.Exists(single))
            return [single];
        var index = ReadJson(directory, WeightsIndexFile)
            ?? throw new InvalidDataException($"{directory}: neither {WeightsFile} nor {WeightsIndexFile} is present");
        if (index["weight_map"] is not JsonObject map)
            throw new InvalidDataException($"{Path.Combine(directory, WeightsIndexFile)}: no weight_map");
        var files = new List<string>();
        foreach (var (_, value) in map)
        {
            string file = value is JsonValue v && v.TryGetValue(out string? name) ? name : "";
            if (file.Length == 0 || Path.GetFileName(file) != file)
                throw new InvalidDataException($"{Path.Combine(directory, WeightsIndexFile)}: shard name \"{file}\" is not a file in the checkpoint directory");
            if (!files.Contains(file))
                files.Add(file);
        }
        return files.Select(f => Path.Combine(directory, f));
    }

    static bool? Flag(JsonNode? json, string name, string path) => json?[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out bool flag) => flag,
        _ => throw new InvalidDataException($"{path}: {name} is not true or false"),
    };

    /// <summary>The JSON object in <paramref name="file"/> of <paramref name="directory"/>, or null when there is no such file.</summary>
    /// <exception cref="InvalidDataException">The file is too large, not JSON, or JSON but not an object.</exception>
    static JsonObject? ReadJson(string directory, string file)
    {
        string path = Path.Combine(directory, file);
        if (!File.Exists(path))
            return null;
        using var stream = File.OpenRead(path);
        if (stream.Length > MaxJsonBytes) // the file's length even through a symbolic link, unlike FileInfo's
            throw new InvalidDataException($"{path}: larger than {MaxJsonBytes} bytes");
        try
        {
            return JsonNode.Parse(stream) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
