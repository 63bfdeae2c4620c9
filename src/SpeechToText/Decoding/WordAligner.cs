using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Decoding;

/// <summary>A word of a window's transcript as aligned: its tokens and times before <see cref="WordTiming"/> adjusts them.</summary>
/// <param name="Text">The word as the model wrote it, with its leading space if it has one.</param>
/// <param name="Tokens">How many of the window's text tokens it spans.</param>
/// <param name="Start">Start in seconds from the window's start.</param>
/// <param name="End">End in seconds from the window's start.</param>
/// <param name="Probability">The mean probability of its tokens.</param>
public sealed record AlignedWord(string Text, int Tokens, double Start, double End, double Probability);

/// <summary>
/// Times each word of a window's transcript from the decoder's cross-attention, as the reference does: the
/// text is decoded once more, forced, and the attention of the alignment heads (<see cref="WhisperModel.AlignmentHeads"/>)
/// from each token to the audio positions is turned into a monotonic path through time by dynamic time warping.
/// </summary>
/// <remarks>
/// Per head: the scores of the audio's own positions (padding and tail excluded), softmax over positions, each
/// position standardised over all the tokens (start of transcript and end of text included), a median filter of
/// width 7 along time; then the heads' mean over the rows that predict the text and its end. The path is the
/// cheapest through the negated matrix; a token starts where the path first reaches its row. Audio positions are
/// 20 ms apart. Words are the tokens grouped at spaces, a token of ASCII punctuation being a word of its own (each
/// character is a word in Chinese, Japanese, Thai, Lao, Burmese and Cantonese); a word's probability is the mean
/// of its tokens'. <see cref="WordTiming"/> then merges punctuation and trims implausibly long words.
/// </remarks>
public sealed class WordAligner(WhisperModel model, WhisperTokenizer tokenizer)
{
    const int MedianFilterWidth = 7;
    const double SecondsPerPosition = 0.02;
    const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    /// <summary>Languages written without spaces between words.</summary>
    internal static readonly HashSet<string> UnspacedLanguages = ["zh", "ja", "th", "lo", "my", "yue"];

    /// <summary>
    /// The words of a window's <paramref name="text"/> (its tokens; timestamps are left out) aligned against <paramref name="audio"/>:
    /// an encoded window whose first <paramref name="audioFrames"/> mel frames are audio. <paramref name="prompt"/> is
    /// the start-of-transcript sequence the text follows (without previous text); <paramref name="language"/> decides
    /// how tokens group into words.
    /// </summary>
    public IReadOnlyList<AlignedWord> Align(CrossAttentionCache audio, int audioFrames, IReadOnlyList<int> prompt,
        IReadOnlyList<int> text, string? language = "en")
    {
        int positions = audioFrames / 2;
        var tokens = text.Where(t => t < tokenizer.Special.EndOfText).ToList();
        if (tokens.Count == 0 || positions == 0)
            return [];
        var (matrix, probabilities) = AttentionMatrix(audio, positions, prompt, tokens);
        var starts = TokenStarts(matrix);
        var words = new List<AlignedWord>();
        int token = 0;
        foreach (var (wordText, count, probability) in Group(tokenizer, tokens, probabilities, UnspacedLanguages.Contains(language ?? "")))
        {
            words.Add(new AlignedWord(wordText, count, starts[token] * SecondsPerPosition, starts[token + count] * SecondsPerPosition, probability));
            token += count;
        }
        return words;
    }

    /// <summary>
    /// The heads' mean attention of each token (the positions predicting the text tokens and the end of text)
    /// over the first <paramref name="positions"/> audio positions, and each text token's probability.
    /// </summary>
    (double[,] Matrix, double[] Probabilities) AttentionMatrix(CrossAttentionCache audio, int positions, IReadOnlyList<int> prompt, List<int> text)
    {
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        var tokens = prompt.Concat(text).Append(tokenizer.Special.EndOfText).Select(t => (long)t).ToArray();
        var (logits, scores) = model.Decoder.ForwardWithCrossScores(torch.tensor(tokens, [1, tokens.Length]), audio);
        int first = prompt.Count - 1, rows = text.Count + 1;
        var heads = torch.stack(model.AlignmentHeads.Select(h => scores[h.Layer][0, h.Head]))
            .narrow(2, 0, positions).to_type(ScalarType.Float32).softmax(-1);
        var (std, mean) = torch.std_mean(heads, dimensions: [-2], unbiased: false, keepdim: true);
        var standardised = ((heads - mean) / std.AtLeast(1e-10)).narrow(1, first, rows).contiguous();
        var matrix = MedianFilter(standardised.cpu().data<float>().ToArray(), model.AlignmentHeads.Count * rows, positions, MedianFilterWidth);
        var mean2d = new double[rows, positions];
        for (int h = 0; h < model.AlignmentHeads.Count; h++)
            for (int r = 0; r < rows; r++)
                for (int p = 0; p < positions; p++)
                    mean2d[r, p] += matrix[(h * rows + r) * positions + p] / model.AlignmentHeads.Count;

        var textLogits = logits[0].narrow(0, first, text.Count).narrow(1, 0, tokenizer.Special.EndOfText).to_type(ScalarType.Float32);
        var chosen = textLogits.log_softmax(-1).gather(1, torch.tensor(text.Select(t => (long)t).ToArray(), [text.Count, 1])).exp();
        var probabilities = chosen.cpu().data<float>().Select(p => (double)p).ToArray();
        return (mean2d, probabilities);
    }

    /// <summary>
    /// The audio position where the cheapest monotonic path through -<paramref name="matrix"/> [tokens, positions]
    /// first reaches each token's row (one entry per row).
    /// </summary>
    internal static int[] TokenStarts(double[,] matrix)
    {
        var (rows, columns) = (matrix.GetLength(0), matrix.GetLength(1));
        var (textIndices, timeIndices) = WarpingPath(matrix, rows, columns);
        var starts = new int[rows];
        for (int k = 0; k < textIndices.Count; k++)
        {
            if (k == 0 || textIndices[k] != textIndices[k - 1])
                starts[textIndices[k]] = timeIndices[k];
        }
        return starts;
    }

    /// <summary>Dynamic time warping of the cost -matrix: the path's (row, column) pairs from (0, 0) to the last cell.</summary>
    static (List<int> Rows, List<int> Columns) WarpingPath(double[,] matrix, int rows, int columns)
    {
        var cost = new double[rows + 1, columns + 1];
        var trace = new byte[rows + 1, columns + 1];
        for (int i = 0; i <= rows; i++)
            for (int j = 0; j <= columns; j++)
                cost[i, j] = double.PositiveInfinity;
        cost[0, 0] = 0;
        for (int j = 1; j <= columns; j++)
        {
            for (int i = 1; i <= rows; i++)
            {
                double diagonal = cost[i - 1, j - 1], up = cost[i - 1, j], left = cost[i, j - 1];
                // Exact ties (rare with real attention) prefer the diagonal, then a step down.
                (double best, byte step) = diagonal <= up && diagonal <= left ? (diagonal, (byte)0) : up <= left ? (up, (byte)1) : (left, (byte)2);
                cost[i, j] = -matrix[i - 1, j - 1] + best;
                trace[i, j] = step;
            }
        }
        var (pathRows, pathColumns) = (new List<int>(), new List<int>());
        for (int i = rows, j = columns; i > 0 || j > 0;)
        {
            pathRows.Add(i - 1);
            pathColumns.Add(j - 1);
            byte step = i == 0 ? (byte)2 : j == 0 ? (byte)1 : trace[i, j];
            if (step != 2)
                i--;
            if (step != 1)
                j--;
        }
        pathRows.Reverse();
        pathColumns.Reverse();
        // The walk ends on the virtual row or column 0 only at its start; drop such steps.
        var keep = Enumerable.Range(0, pathRows.Count).Where(k => pathRows[k] >= 0 && pathColumns[k] >= 0).ToList();
        return ([.. keep.Select(k => pathRows[k])], [.. keep.Select(k => pathColumns[k])]);
    }

    /// <summary>A median filter of odd <paramref name="width"/> along each of <paramref name="rows"/> rows, the rows' ends reflected.</summary>
    internal static float[] MedianFilter(float[] values, int rows, int columns, int width)
    {
        int half = width / 2;
        if (columns <= half)
            return values;
        var result = new float[values.Length];
        var window = new float[width];
        for (int r = 0; r < rows; r++)
        {
            int row = r * columns;
            for (int c = 0; c < columns; c++)
            {
                for (int k = -half; k <= half; k++)
                {
                    int index = c + k;
                    index = index < 0 ? -index : index >= columns ? 2 * (columns - 1) - index : index;
                    window[k + half] = values[row + index];
                }
                Array.Sort(window);
                result[row + c] = window[half];
            }
        }
        return result;
    }

    /// <summary>The <paramref name="text"/> tokens grouped into words: text, token count and mean token probability.</summary>
    internal static List<(string Text, int Tokens, double Probability)> Group(WhisperTokenizer tokenizer, List<int> text, double[] probabilities, bool unspaced)
    {
        var words = new List<(string Text, int Tokens, double Probability)>();
        int start = 0;
        for (int end = 1; end <= text.Count; end++)
        {
            string piece = tokenizer.Decode(text.GetRange(start, end - start));
            if (piece.Contains('\uFFFD') && end < text.Count)
                continue; // a character split across tokens: wait for its last byte
            bool newWord = unspaced || words.Count == 0 || piece.StartsWith(' ') || IsAsciiPunctuation(piece.Trim());
            if (newWord)
            {
                words.Add((piece, end - start, 0));
            }
            else
            {
                var last = words[^1];
                words[^1] = (last.Text + piece, last.Tokens + end - start, 0);
            }
            start = end;
        }
        int first = 0;
        for (int i = 0; i < words.Count; i++)
        {
            double sum = 0;
            foreach (double p in probabilities.AsSpan(first, words[i].Tokens))
                sum += p;
            words[i] = words[i] with { Probability = sum / words[i].Tokens };
            first += words[i].Tokens;
        }
        return words;
    }

    /// <summary>Whether <paramref name="text"/> is a run of ASCII punctuation, as the reference tests it (a substring of its list).</summary>
    static bool IsAsciiPunctuation(string text) => AsciiPunctuation.Contains(text, StringComparison.Ordinal);
}
