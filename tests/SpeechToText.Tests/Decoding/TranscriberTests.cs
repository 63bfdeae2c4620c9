using SpeechToText.Decoding;
using SpeechToText.Text;
using SpeechToText.Tests.Text;

namespace SpeechToText.Tests.Decoding;

public class TranscriberTests(WhisperTokenizerTests.Gpt2Vocabulary vocabulary) : IClassFixture<WhisperTokenizerTests.Gpt2Vocabulary>
{
    readonly WhisperTokenizer _tokenizer = WhisperTokenizer.FromRanks(vocabulary.Ranks, SpecialTokens.ForVocabularySize(51864));

    int Ts(double seconds) => _tokenizer.Special.TimestampBegin + (int)Math.Round(seconds / 0.02);

    WindowResult Window(params int[] tokens) =>
        new(tokens.Select(t => new DecodedToken(t, 0.9f, -0.1f)).ToList(), _tokenizer.Decode(tokens), -0.2, 0.01, 0, 1.2);

    const int Hello = 15496, World = 995, Comma = 11;

    [Fact]
    public void A_window_ending_in_a_lone_timestamp_is_consumed_whole_and_split_at_each_timestamp_pair()
    {
        var (segments, consumed) = Transcriber.Split(Window(Ts(0), Hello, Ts(1), Ts(1), World, Ts(2.5)), 30, 3000, true, _tokenizer);

        Assert.Equal(3000, consumed);
        Assert.Equal(2, segments.Count);
        Assert.Equal((30.0, 31.0, "Hello"), (segments[0].Start, segments[0].End, segments[0].Text));
        Assert.Equal((31.0, 32.5, " world"), (segments[1].Start, segments[1].End, segments[1].Text));
        Assert.Equal(new[] { Ts(0), Hello, Ts(1) }, segments[0].Tokens);
    }

    [Fact]
    public void An_unfinished_last_segment_is_left_for_the_next_window()
    {
        var (segments, consumed) = Transcriber.Split(Window(Ts(0), Hello, Ts(1), Ts(1.2), World, Comma), 0, 3000, true, _tokenizer);

        Assert.Single(segments);
        Assert.Equal(100, consumed); // up to <|1.00|>: 50 positions of two frames
    }

    [Fact]
    public void A_window_without_a_timestamp_pair_is_one_segment_from_the_window_start_to_its_last_timestamp()
    {
        var (segments, consumed) = Transcriber.Split(Window(Ts(0.5), Hello, World, Ts(3)), 10, 2000, true, _tokenizer);

        Assert.Equal(2000, consumed);
        Assert.Equal((10.0, 13.0), (segments.Single().Start, segments.Single().End)); // as the reference does
    }

    [Fact]
    public void Without_timestamps_the_window_is_one_segment()
    {
        var (segments, consumed) = Transcriber.Split(Window(Hello, World), 60, 1500, false, _tokenizer);

        Assert.Equal(1500, consumed);
        Assert.Equal((60.0, 75.0, "Hello world"), (segments.Single().Start, segments.Single().End, segments.Single().Text));
    }

    [Theory]
    [InlineData(0, 21.0, 2100)]
    [InlineData(3000, 30.004, 3001)] // a word ending 4 ms into the window: at least a frame later, never the same window again
    public void The_next_window_starts_at_the_last_words_end_at_least_a_frame_after_this_ones_start(int windowStart, double wordEnd, int expected)
    {
        Assert.Equal(expected, Transcriber.SeekToWordEnd(windowStart, wordEnd));
    }

    [Fact]
    public void Prompts_carry_at_most_223_previous_tokens_before_the_start_of_transcript()
    {
        var special = _tokenizer.Special;
        var builder = new PromptBuilder(special, 448);
        var previous = Enumerable.Range(0, 300).ToList();

        var (tokens, start) = builder.Build(previous, null, DecodingTask.Transcribe, timestamps: false);

        Assert.Equal(special.StartOfPrevious, tokens[0]);
        Assert.Equal(Enumerable.Range(77, 223), tokens.Skip(1).Take(223));
        Assert.Equal(224, start);
        Assert.Equal(new[] { special.StartOfTranscript, special.NoTimestamps }, tokens.Skip(224));
    }

    [Fact]
    public void The_previous_text_starts_at_the_last_reset_unless_the_initial_prompt_is_carried()
    {
        var builder = new PromptBuilder(_tokenizer.Special, 448);
        int[] history = [1, 2, 3, .. Enumerable.Range(100, 300)]; // an initial prompt of three tokens, then 300 decoded

        Assert.Equal(Enumerable.Range(100 + 250, 50), builder.Previous(history, initialTokens: 3, resetSince: 253, carryInitialPrompt: false));
        Assert.Equal([1, 2, 3, .. Enumerable.Range(100 + 250, 50)], builder.Previous(history, 3, resetSince: 253, carryInitialPrompt: true));
        // Carried, the initial prompt keeps its place and the rest fills the 223 tokens after it.
        Assert.Equal([1, 2, 3, .. Enumerable.Range(100 + 300 - 220, 220)], builder.Previous(history, 3, resetSince: 0, carryInitialPrompt: true));
        Assert.Equal([1, 2, 3], builder.Previous([1, 2, 3], 3, resetSince: 3, carryInitialPrompt: true));
    }

    [Fact]
    public void A_carried_initial_prompt_that_fills_the_room_is_followed_as_the_reference_slices_the_history()
    {
        var builder = new PromptBuilder(_tokenizer.Special, 448);
        int[] exactlyFull = [.. Enumerable.Range(1, 223), .. Enumerable.Range(1000, 10)];
        int[] tooLong = [.. Enumerable.Range(1, 228), .. Enumerable.Range(1000, 10)];

        // Room 0: the whole later history follows; room -5: all of it but its first five tokens.
        Assert.Equal(exactlyFull, builder.Previous(exactlyFull, 223, resetSince: 0, carryInitialPrompt: true));
        Assert.Equal([.. Enumerable.Range(1, 228), .. Enumerable.Range(1005, 5)], builder.Previous(tooLong, 228, resetSince: 0, carryInitialPrompt: true));
        // The prompt then keeps the last 223 tokens of it.
        var (tokens, start) = builder.Build(builder.Previous(tooLong, 228, 0, true), null, DecodingTask.Transcribe, timestamps: true);
        Assert.Equal([.. Enumerable.Range(11, 218), .. Enumerable.Range(1005, 5)], tokens.Skip(1).Take(start - 1));
    }

    [Fact]
    public void An_empty_initial_prompt_still_prompts_with_a_space_as_the_reference_does()
    {
        Assert.Empty(Transcriber.InitialHistory(_tokenizer, null));
        Assert.Equal([220], Transcriber.InitialHistory(_tokenizer, "")); // the reference encodes " " + "".strip()
        Assert.Equal([220], Transcriber.InitialHistory(_tokenizer, " \n "));
        Assert.Equal(_tokenizer.Encode(" a compass"), Transcriber.InitialHistory(_tokenizer, "  a compass\n"));
    }

    [Fact]
    public void Multilingual_prompts_name_the_language_and_the_task()
    {
        var special = SpecialTokens.ForVocabularySize(51865);
        var (tokens, start) = new PromptBuilder(special, 448).Build([], special.FirstLanguage + 2, DecodingTask.Translate, timestamps: true);

        Assert.Equal(0, start);
        Assert.Equal(new[] { 50258, 50261, 50358 }, tokens); // <|startoftranscript|> <|de|> <|translate|>
    }

    [Fact]
    public void Repetitive_text_has_a_high_compression_ratio()
    {
        double normal = WindowDecoder.CompressionRatio("And so, my fellow Americans, ask not what your country can do for you.");
        double looping = WindowDecoder.CompressionRatio(string.Concat(Enumerable.Repeat("thank you ", 30)));
        Assert.InRange(normal, 0.8, 1.6);
        Assert.True(looping > 2.4, $"ratio {looping}");
    }

    static WindowResult Judged(double compressionRatio, double averageLogProbability, double noSpeech, int tokens = 10) =>
        new(Enumerable.Repeat(new DecodedToken(Hello, 0.9f, -0.1f), tokens).ToList(), "", averageLogProbability, noSpeech, 0, compressionRatio);

    [Theory]
    [InlineData(1.5, -0.3, 0.1, false)]  // fluent and likely: kept
    [InlineData(2.9, -0.3, 0.1, true)]   // repeats itself
    [InlineData(1.5, -1.4, 0.1, true)]   // unlikely
    [InlineData(1.5, -1.4, 0.9, false)]  // unlikely and probably silence: kept, then skipped
    [InlineData(2.9, -1.4, 0.9, false)]  // the same, repetitive or not
    [InlineData(2.9, -0.3, 0.9, true)]   // a confident loop over probable silence is retried hotter
    public void A_window_falls_back_to_a_hotter_temperature_when_repetitive_or_unlikely_unless_unlikely_silence(
        double ratio, double logProbability, double noSpeech, bool fallsBack)
    {
        Assert.Equal(fallsBack, Transcriber.NeedsFallback(Judged(ratio, logProbability, noSpeech), new DecodingOptions()));
    }

    [Theory]
    [InlineData(true, 0.0, true)]
    [InlineData(true, 0.5, true)]
    [InlineData(true, 0.6, false)]   // hot text is not carried into the next prompt
    [InlineData(false, 0.0, false)]  // --no-condition-on-previous-text: no window's text is
    public void The_next_window_is_conditioned_on_this_ones_text_unless_turned_off_or_sampled_hot(bool condition, double temperature, bool conditioned)
    {
        var result = Judged(1.5, -0.3, 0.1) with { Temperature = temperature };
        Assert.Equal(conditioned, Transcriber.ConditionsNextWindow(result, new DecodingOptions { ConditionOnPreviousText = condition }));
    }

    [Fact]
    public void Sampled_candidates_rank_by_log_probability_per_sampled_token_the_end_not_counted()
    {
        // Log-probabilities summed with the end's: -0.5 over one token, -1.2 over three. The reported average
        // (over the tokens and the end) prefers the first, -0.25 to -0.3; per sampled token the second wins, -0.4 to -0.5.
        var one = Judged(1, -0.5 / 2, 0, tokens: 1);
        var three = Judged(1, -1.2 / 4, 0, tokens: 3);

        Assert.Same(three, new[] { one, three }.MaxBy(r => Transcriber.LikelihoodRank(r)));
        Assert.Equal(-0.4, Transcriber.LikelihoodRank(three), 1e-9);
    }

    [Fact]
    public void The_compression_ratio_is_of_the_text_without_its_leading_space()
    {
        const int SpaceHello = 18435;
        var tokens = new[] { SpaceHello, World }.Select(t => new DecodedToken(t, 0.9f, -0.1f)).ToList();

        var result = WindowDecoder.Result(_tokenizer, tokens, -1, 0, 0);

        Assert.Equal(" Hello world", result.Text);
        Assert.Equal(WindowDecoder.CompressionRatio("Hello world"), result.CompressionRatio);
        Assert.NotEqual(WindowDecoder.CompressionRatio(" Hello world"), result.CompressionRatio);
    }
}
