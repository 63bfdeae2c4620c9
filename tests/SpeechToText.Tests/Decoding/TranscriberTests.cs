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
}
