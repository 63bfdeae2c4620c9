using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Text;
using SpeechToText.Tests.Text;

namespace SpeechToText.Tests.Decoding;

public sealed class WordAlignerTests(WhisperTokenizerTests.Gpt2Vocabulary vocabulary) : IClassFixture<WhisperTokenizerTests.Gpt2Vocabulary>
{
    readonly WhisperTokenizer _tokenizer = WhisperTokenizer.FromRanks(vocabulary.Ranks, SpecialTokens.ForVocabularySize(51864));

    List<string> Words(string text, bool unspaced = false)
    {
        var tokens = _tokenizer.TryEncode(text)!.ToList();
        return [.. WordAligner.Group(_tokenizer, tokens, [.. tokens.Select(_ => 1.0)], unspaced).Select(w => w.Text)];
    }

    [Fact]
    public void Tokens_group_into_words_at_spaces_and_a_token_of_ascii_punctuation_is_a_word_of_its_own()
    {
        Assert.Equal([" Don't", " stop", ",", " she", " said", "."], Words(" Don't stop, she said."));
    }

    [Fact]
    public void A_typographic_apostrophe_stays_inside_its_word_as_in_the_reference()
    {
        Assert.Equal([" don\u2019t", " go"], Words(" don\u2019t go"));
    }

    [Fact]
    public void Each_token_starts_where_the_warping_path_first_reaches_its_row()
    {
        // Three tokens attending to columns 0-2, 3-6 and 7-8 in turn.
        var matrix = new double[3, 9];
        foreach (var (row, from, to) in new[] { (0, 0, 2), (1, 3, 6), (2, 7, 8) })
            for (int column = from; column <= to; column++)
                matrix[row, column] = 1;

        Assert.Equal([0, 3, 7], WordAligner.TokenStarts(matrix));
    }

    [Fact]
    public void A_token_without_attention_of_its_own_still_gets_a_start_in_order()
    {
        var matrix = new double[3, 6];
        matrix[0, 0] = matrix[0, 1] = matrix[0, 2] = 1;
        matrix[2, 3] = matrix[2, 4] = matrix[2, 5] = 1;

        var starts = WordAligner.TokenStarts(matrix);

        Assert.Equal(0, starts[0]);
        Assert.True(starts[0] <= starts[1] && starts[1] <= starts[2] && starts[2] <= 3, string.Join(",", starts));
    }

    [Fact]
    public void The_median_filter_removes_a_spike_and_reflects_at_the_ends()
    {
        float[] row = [5, 1, 1, 9, 1, 1, 1, 1];

        var filtered = WordAligner.MedianFilter(row, rows: 1, columns: 8, width: 3);

        // Column 0 sees 1 (reflected), 5, 1; column 3 sees 1, 9, 1.
        Assert.Equal([1f, 1, 1, 1, 1, 1, 1, 1], filtered);
    }

    [Fact]
    public void Default_alignment_heads_are_every_head_of_the_upper_half_and_official_shapes_get_theirs()
    {
        var bundledShape = new ModelDimensions(80, 1000, 256, 4, 4, 30, 448, 256, 4, 2);
        Assert.Equal([new AlignmentHead(1, 0), new AlignmentHead(1, 1), new AlignmentHead(1, 2), new AlignmentHead(1, 3)],
            AlignmentHeads.For(bundledShape));

        var baseEnglish = new ModelDimensions(80, 1500, 512, 8, 6, 51864, 448, 512, 8, 6);
        Assert.Equal([new AlignmentHead(3, 3), new AlignmentHead(4, 7), new AlignmentHead(5, 1), new AlignmentHead(5, 5), new AlignmentHead(5, 7)],
            AlignmentHeads.For(baseEnglish));

        var medium = new ModelDimensions(80, 1500, 1024, 16, 24, 51865, 448, 1024, 16, 24);
        Assert.Equal([new AlignmentHead(13, 15), new AlignmentHead(15, 4), new AlignmentHead(15, 15), new AlignmentHead(16, 1), new AlignmentHead(20, 0), new AlignmentHead(23, 4)],
            AlignmentHeads.For(medium));
    }

    [Fact]
    public void Large_v1_and_v2_share_a_shape_so_neither_one_s_heads_are_guessed()
    {
        var large = new ModelDimensions(80, 1500, 1280, 20, 32, 51865, 448, 1280, 20, 32);

        Assert.Equal(16 * 20, AlignmentHeads.For(large).Count);
    }
}
