using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using SpeechToText.Text;
using TorchSharp;

namespace SpeechToText.Tests.Decoding;

/// <summary>
/// Beam search over one window: on a scripted distribution it finds the likely transcript greedy decoding
/// misses; on a real (random) model, each beam's probabilities are those of its own history, as if decoded alone.
/// </summary>
public sealed class BeamSearchDecoderTests : IDisposable
{
    readonly WhisperTokenizer _tokenizer = CustomVocabularyModelTests.CharacterTokenizer();
    readonly WhisperModel _model = WhisperModelTests.RandomModel(
        new ModelDimensions(80, 100, 32, 2, 1, CustomVocabularyModelTests.Characters.Length + 2, 64, 32, 2, 2), 7);
    readonly CrossAttentionCache _audio;

    public BeamSearchDecoderTests() => _audio = Encoded(_model);

    public void Dispose()
    {
        _audio.Dispose();
        _model.Dispose();
    }

    int[] Prompt => [_tokenizer.Special.StartOfTranscript];

    /// <summary>Replaces the model's logits by a fixed distribution over the next token for each text written so far.</summary>
    sealed class ScriptedDistribution(WhisperTokenizer tokenizer, Dictionary<string, Dictionary<string, double>> next) : ILogitFilter
    {
        public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
        {
            logits.Fill(float.NegativeInfinity);
            foreach (var (token, probability) in next.GetValueOrDefault(tokenizer.Decode(sampled)) ?? [])
            {
                int id = token == "<end>" ? tokenizer.Special.EndOfText : tokenizer.Encode(token).Single();
                logits[id] = (float)Math.Log(probability);
            }
        }
    }

    /// <summary>"a" is likelier than "b", but everything after "a" is uncertain while "b" is surely followed by "x".</summary>
    ScriptedDistribution GreedyTrap() => new(_tokenizer, new()
    {
        [""] = new() { ["a"] = 0.5, ["b"] = 0.4, ["z"] = 0.1 },
        ["a"] = new() { ["c"] = 0.34, ["d"] = 0.33, ["e"] = 0.33 },
        ["b"] = new() { ["x"] = 0.99, ["y"] = 0.01 },
        ["ac"] = new() { ["<end>"] = 1 }, ["ad"] = new() { ["<end>"] = 1 }, ["ae"] = new() { ["<end>"] = 1 },
        ["bx"] = new() { ["<end>"] = 1 }, ["by"] = new() { ["<end>"] = 1 }, ["z"] = new() { ["<end>"] = 1 },
    });

    /// <summary>Forbids the end of text: the transcript runs until it has no room left.</summary>
    sealed class NeverEnds(WhisperTokenizer tokenizer) : ILogitFilter
    {
        public void Apply(Span<float> logits, IReadOnlyList<int> sampled) => logits[tokenizer.Special.EndOfText] = float.NegativeInfinity;
    }

    [Fact]
    public void A_transcript_that_runs_out_of_room_leaves_a_position_for_the_end_that_word_alignment_appends()
    {
        ILogitFilter[] neverEnds = [new NeverEnds(_tokenizer)];

        var greedy = new WindowDecoder(_model, _tokenizer, neverEnds).Decode(_audio, Prompt, 0, maxTokens: 1000);
        var beam = new BeamSearchDecoder(_model, _tokenizer, neverEnds, beamSize: 2).Decode(_audio, Prompt, 0, maxTokens: 1000);

        Assert.All([greedy, beam], result => Assert.Equal(_model.Decoder.Context - Prompt.Length - 1, result.Tokens.Count));
        var words = new WordAligner(_model, _tokenizer).Align(_audio, 200, Prompt, [.. greedy.Tokens.Select(t => t.Id)]);
        Assert.NotEmpty(words);
    }

    [Fact]
    public void Finds_the_likelier_transcript_that_greedy_decoding_misses()
    {
        ILogitFilter[] script = [GreedyTrap()];

        var greedy = new WindowDecoder(_model, _tokenizer, script).Decode(_audio, Prompt, 0, 10);
        var beam = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2).Decode(_audio, Prompt, 0, 10);

        Assert.Equal("ac", greedy.Text);
        Assert.Equal("bx", beam.Text);
        Assert.Equal([0.4f, 0.99f], beam.Tokens.Select(t => t.Probability), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal((Math.Log(0.4) + Math.Log(0.99) + Math.Log(1)) / 3, beam.AverageLogProbability, 1e-5);
        Assert.Equal(0, beam.Temperature);
    }

    [Fact]
    public void At_the_token_limit_the_unfinished_beams_are_ranked_too()
    {
        var beam = new BeamSearchDecoder(_model, _tokenizer, [GreedyTrap()], beamSize: 2).Decode(_audio, Prompt, 0, maxTokens: 1);

        Assert.Equal("a", beam.Text);
        Assert.Equal(Math.Log(0.5) / 2, beam.AverageLogProbability, 1e-5);
    }

    [Fact]
    public void A_fused_language_model_ranks_the_transcripts_and_the_tokens_keep_the_speech_models_probabilities()
    {
        ILogitFilter[] script = [new ScriptedDistribution(_tokenizer, new()
        {
            [""] = new() { ["a"] = 0.6, ["b"] = 0.4 },
            ["a"] = new() { ["<end>"] = 1 },
            ["b"] = new() { ["<end>"] = 1 },
        })];
        var languageModel = CharacterLanguageModel.Train(Enumerable.Repeat("b", 20).Append("a"), CustomVocabularyModelTests.Characters, order: 2);

        var alone = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2).Decode(_audio, Prompt, 0, 10);
        var fused = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2,
            fusion: new LanguageModelFusion(new LanguageModels(languageModel), _tokenizer, weight: 1)).Decode(_audio, Prompt, 0, 10);
        var weightless = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2,
            fusion: new LanguageModelFusion(new LanguageModels(languageModel), _tokenizer, weight: 0)).Decode(_audio, Prompt, 0, 10);

        Assert.Equal("a", alone.Text);
        Assert.Equal("b", fused.Text);
        Assert.Equal(0.4f, fused.Tokens.Single().Probability, 1e-5f);
        Assert.Equal(Math.Log(0.4) / 2, fused.AverageLogProbability, 1e-5);
        Assert.Equal("a", weightless.Text);
    }

    [Fact]
    public void A_fused_word_model_chooses_between_words_the_character_model_cannot_tell_apart()
    {
        ILogitFilter[] script = [new ScriptedDistribution(_tokenizer, new()
        {
            [""] = new() { ["a"] = 1 },
            ["a"] = new() { [" "] = 1 },
            ["a "] = new() { ["x"] = 0.6, ["y"] = 0.4 },
            ["a x"] = new() { ["<end>"] = 1 },
            ["a y"] = new() { ["<end>"] = 1 },
        })];
        string[] text = ["a x", "a y", "b x y", "b y x"];
        var characters = CharacterLanguageModel.Train(text, CustomVocabularyModelTests.Characters, order: 2);
        var words = WordLanguageModel.Train([.. text, .. Enumerable.Repeat("a y", 20)], CustomVocabularyModelTests.Characters, order: 2);

        var charactersAlone = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2,
            fusion: new LanguageModelFusion(new LanguageModels(characters), _tokenizer, weight: 1)).Decode(_audio, Prompt, 0, 10);
        var withWords = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2,
            fusion: new LanguageModelFusion(new LanguageModels(characters, words), _tokenizer, weight: 1, wordWeight: 1)).Decode(_audio, Prompt, 0, 10);

        Assert.Equal("a x", charactersAlone.Text);
        Assert.Equal("a y", withWords.Text);
        Assert.Equal(Math.Log(0.4) / 4, withWords.AverageLogProbability, 1e-5);
    }

    [Fact]
    public void A_fused_search_ends_only_where_the_speech_model_gives_the_end_a_tenth_of_its_best_tokens_probability()
    {
        var languageModel = CharacterLanguageModel.Train(Enumerable.Repeat("a", 50).Append("ab"), CustomVocabularyModelTests.Characters, order: 2);
        ILogitFilter[] Script(double end) => [new ScriptedDistribution(_tokenizer, new()
        {
            [""] = new() { ["a"] = 1 },
            ["a"] = new() { ["<end>"] = end, ["b"] = 1 - end },
            ["ab"] = new() { ["<end>"] = 1 },
        })];
        WindowResult Decode(double end) => new BeamSearchDecoder(_model, _tokenizer, Script(end), beamSize: 2,
            fusion: new LanguageModelFusion(new LanguageModels(languageModel), _tokenizer, weight: 3)).Decode(_audio, Prompt, 0, 10);

        Assert.Equal("a", Decode(end: 0.12).Text);
        Assert.Equal("ab", Decode(end: 0.08).Text);
    }

    [Fact]
    public void Fusion_leaves_the_end_of_a_transcript_without_text_to_the_speech_model()
    {
        var languageModel = CharacterLanguageModel.Train(Enumerable.Repeat("b", 20), CustomVocabularyModelTests.Characters, order: 2);
        var fusion = new LanguageModelFusion(new LanguageModels(languageModel), _tokenizer, weight: 1);
        int end = _tokenizer.Special.EndOfText;

        Assert.Equal(0, fusion.Score("", end)); // the language model has never seen an empty sentence
        Assert.True(fusion.Score("", _tokenizer.Encode("b")[0]) < 0);
        Assert.True(fusion.Score("b", end) < 0);
    }

    [Fact]
    public void A_ctc_head_that_hears_another_text_ranks_it_first_and_the_tokens_keep_the_speech_models_probabilities()
    {
        ILogitFilter[] script = [new ScriptedDistribution(_tokenizer, new()
        {
            [""] = new() { ["a"] = 0.6, ["b"] = 0.4 },
            ["a"] = new() { ["<end>"] = 1 },
            ["b"] = new() { ["<end>"] = 1 },
        })];
        int b = _tokenizer.Encode("b").Single(), blank = _tokenizer.TextTokenCount;
        // Four positions that hear "b" and then blanks.
        var ctc = new CtcPrefixScorer([.. Enumerable.Range(0, 4).Select(t => Enumerable.Range(0, blank + 1)
            .Select(c => (float)Math.Log(c == (t < 2 ? b : blank) ? 0.9 : 0.1 / blank)).ToArray())]);

        var alone = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2).Decode(_audio, Prompt, 0, 10, ctc);
        var joint = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2, ctcWeight: 0.5).Decode(_audio, Prompt, 0, 10, ctc);

        Assert.Equal("a", alone.Text); // at the default weight, 0
        Assert.Equal("b", joint.Text);
        Assert.Equal(0.4f, joint.Tokens.Single().Probability, 1e-5f);
        Assert.Equal(Math.Log(0.4) / 2, joint.AverageLogProbability, 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2, ctcWeight: -1));
    }

    [Fact]
    public void A_ctc_head_that_hears_more_keeps_the_transcript_from_ending_early()
    {
        ILogitFilter[] script = [new ScriptedDistribution(_tokenizer, new()
        {
            [""] = new() { ["b"] = 1 },
            ["b"] = new() { ["<end>"] = 0.8, ["c"] = 0.2 },
            ["bc"] = new() { ["<end>"] = 1 },
        })];
        int blank = _tokenizer.TextTokenCount;
        int[] heard = [_tokenizer.Encode("b").Single(), _tokenizer.Encode("b").Single(), blank, _tokenizer.Encode("c").Single(), blank];
        var ctc = new CtcPrefixScorer([.. heard.Select(label => Enumerable.Range(0, blank + 1)
            .Select(c => (float)Math.Log(c == label ? 0.9 : 0.1 / blank)).ToArray())]);

        var alone = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2).Decode(_audio, Prompt, 0, 10);
        var joint = new BeamSearchDecoder(_model, _tokenizer, script, beamSize: 2, ctcWeight: 0.5).Decode(_audio, Prompt, 0, 10, ctc);

        Assert.Equal("b", alone.Text);
        Assert.Equal("bc", joint.Text); // "b" alone is an unlikely labelling of what the head heard
    }

    [Fact]
    public void A_timestamp_is_no_ctc_label_the_text_on_either_side_of_it_is_one_labelling()
    {
        // The character vocabulary with <|notimestamps|> and the 1,501 timestamps after its special tokens.
        var ids = new Dictionary<string, int>
        {
            ["<|endoftext|>"] = CustomVocabularyModelTests.Characters.Length,
            ["<|startoftranscript|>"] = CustomVocabularyModelTests.Characters.Length + 1,
            ["<|notimestamps|>"] = CustomVocabularyModelTests.Characters.Length + 2,
        };
        int vocabulary = ids.Count + CustomVocabularyModelTests.Characters.Length + SpecialTokens.TimestampCount;
        var special = SpecialTokens.FromNames(ids, multilingual: false, vocabulary)!;
        var tokenizer = WhisperTokenizer.FromRanks([.. CustomVocabularyModelTests.Characters.Select(c => new[] { (byte)c })], special);
        using var model = WhisperModelTests.RandomModel(new ModelDimensions(80, 100, 32, 2, 1, vocabulary, 64, 32, 2, 2), 7);
        using var audio = Encoded(model);
        int b = tokenizer.Encode("b").Single(), c = tokenizer.Encode("c").Single(), end = special.EndOfText, blank = tokenizer.TextTokenCount;
        int Time(double seconds) => special.TimestampBegin + (int)Math.Round(seconds / SpecialTokens.SecondsPerTimestamp);
        // After "b" and a timestamp the speech model would rather end; the head hears "b" then "c".
        ILogitFilter[] script = [new ScriptedTokens(new()
        {
            [[]] = [(Time(0), 1)],
            [[Time(0)]] = [(b, 1)],
            [[Time(0), b]] = [(Time(0.4), 1)],
            [[Time(0), b, Time(0.4)]] = [(end, 0.8), (c, 0.2)],
            [[Time(0), b, Time(0.4), c]] = [(Time(0.8), 1)],
            [[Time(0), b, Time(0.4), c, Time(0.8)]] = [(end, 1)],
        })];
        int[] heard = [b, b, blank, c, blank];
        var ctc = new CtcPrefixScorer([.. heard.Select(label => Enumerable.Range(0, blank + 1)
            .Select(token => (float)Math.Log(token == label ? 0.9 : 0.1 / blank)).ToArray())]);

        var alone = new BeamSearchDecoder(model, tokenizer, script, beamSize: 2).Decode(audio, Prompt, 0, 10);
        var joint = new BeamSearchDecoder(model, tokenizer, script, beamSize: 2, ctcWeight: 0.5).Decode(audio, Prompt, 0, 10, ctc);

        Assert.Equal([Time(0), b, Time(0.4)], alone.Tokens.Select(t => t.Id));
        // "c" continues the labelling "b" across the timestamp; had a timestamp begun a new labelling, that one would
        // begin with "c", which the head did not hear first, and the end after "b" would have won.
        Assert.Equal([Time(0), b, Time(0.4), c, Time(0.8)], joint.Tokens.Select(t => t.Id));
        Assert.Equal(Math.Log(0.2) / 6, joint.AverageLogProbability, 1e-5);
    }

    /// <summary>Replaces the model's logits by a fixed distribution over the next token id for each sequence of ids so far.</summary>
    sealed class ScriptedTokens(Dictionary<int[], (int Token, double Probability)[]> next) : ILogitFilter
    {
        public void Apply(Span<float> logits, IReadOnlyList<int> sampled)
        {
            logits.Fill(float.NegativeInfinity);
            foreach (var (token, probability) in next.FirstOrDefault(p => p.Key.SequenceEqual(sampled)).Value ?? [])
                logits[token] = (float)Math.Log(probability);
        }
    }

    /// <summary>The cross-attention keys and values of <paramref name="model"/> for random audio features.</summary>
    static CrossAttentionCache Encoded(WhisperModel model)
    {
        using var inference = torch.inference_mode();
        using var generator = new torch.Generator(3);
        using var mel = torch.randn([1, 80, 200], generator: generator);
        using var features = model.Encoder.Forward(mel);
        return model.Decoder.CrossAttention(features);
    }

    [Fact]
    public void With_one_beam_it_is_greedy_decoding()
    {
        var greedy = new WindowDecoder(_model, _tokenizer, []).Decode(_audio, Prompt, 0, 40);
        var beam = new BeamSearchDecoder(_model, _tokenizer, [], beamSize: 1).Decode(_audio, Prompt, 0, 40);

        Assert.Equal(greedy.Tokens.Select(t => t.Id), beam.Tokens.Select(t => t.Id));
        Assert.Equal(greedy.AverageLogProbability, beam.AverageLogProbability, 1e-5);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Every_token_has_the_probability_its_own_history_gives_it(int beamSize)
    {
        ILogitFilter[] filters = [SuppressBlank.For(_tokenizer)];
        var result = new BeamSearchDecoder(_model, _tokenizer, filters, beamSize).Decode(_audio, Prompt, 0, 30);

        // The chosen transcript decoded alone, in one forward pass over the prompt and its tokens.
        var ids = result.Tokens.Select(t => t.Id).ToList();
        float[,] logits;
        using (torch.inference_mode())
        using (var cache = new DecoderCache(_model.Decoder.Layers))
        using (var input = torch.tensor(Prompt.Concat(ids).Select(t => (long)t).ToArray(), [1, Prompt.Length + ids.Count]))
        using (var all = _model.Decoder.Forward(input, _audio, cache))
        using (var rows = all[0])
        {
            var flat = rows.data<float>().ToArray();
            int vocabulary = (int)rows.shape[1];
            logits = new float[rows.shape[0], vocabulary];
            Buffer.BlockCopy(flat, 0, logits, 0, flat.Length * sizeof(float));
        }
        Assert.NotEmpty(ids);
        for (int i = 0; i < ids.Count; i++)
        {
            var row = Enumerable.Range(0, logits.GetLength(1)).Select(v => logits[Prompt.Length - 1 + i, v]).ToArray();
            foreach (var filter in filters)
                filter.Apply(row, ids[..i]);
            double expected = row[ids[i]] - LogitMath.LogSumExp(row);
            Assert.True(Math.Abs(expected - result.Tokens[i].LogProbability) < 1e-4,
                $"token {i}: log-probability {result.Tokens[i].LogProbability} in the search, {expected} alone");
        }
    }

    [Fact]
    public void Refuses_a_beam_size_below_one_and_a_patience_that_is_not_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearchDecoder(_model, _tokenizer, [], beamSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearchDecoder(_model, _tokenizer, [], beamSize: 2, patience: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearchDecoder(_model, _tokenizer, [], beamSize: 2, patience: double.NaN));
    }
}
