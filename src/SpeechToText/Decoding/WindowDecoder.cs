using System.IO.Compression;
using System.Text;
using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Decoding;

/// <summary>A sampled token and its probability after the logit filters.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Probability">Softmax of the filtered logits at the token (at temperature 1).</param>
/// <param name="LogProbability">Log of <paramref name="Probability"/>.</param>
public sealed record DecodedToken(int Id, float Probability, float LogProbability);

/// <summary>What decoding one window gave.</summary>
/// <param name="Tokens">The sampled tokens, without the final &lt;|endoftext|&gt;.</param>
/// <param name="Text">Their text.</param>
/// <param name="AverageLogProbability">Sum of the sampled tokens' log-probabilities (the end included) / (tokens + 1).</param>
/// <param name="NoSpeechProbability">Probability of &lt;|nospeech|&gt; after &lt;|startoftranscript|&gt;, before any filter.</param>
/// <param name="Temperature">The sampling temperature.</param>
/// <param name="CompressionRatio">UTF-8 length of the text over its compressed length: high for repetitive text.</param>
public sealed record WindowResult(
    IReadOnlyList<DecodedToken> Tokens, string Text, double AverageLogProbability, double NoSpeechProbability,
    double Temperature, double CompressionRatio);

/// <summary>
/// Decodes one audio window: after the prompt, repeatedly chooses a token under the logit filters (the
/// most likely at temperature 0, else sampled from the softmax at that temperature), with the decoder's
/// self-attention cache so each step computes one position.
/// </summary>
public sealed class WindowDecoder(WhisperModel model, WhisperTokenizer tokenizer, IReadOnlyList<ILogitFilter> filters)
{
    /// <summary>
    /// Decodes at most <paramref name="maxTokens"/> tokens after <paramref name="prompt"/>.
    /// <paramref name="startOfTranscriptIndex"/> is where &lt;|startoftranscript|&gt; stands in the prompt.
    /// </summary>
    public WindowResult Decode(CrossAttentionCache audio, IReadOnlyList<int> prompt, int startOfTranscriptIndex, int maxTokens,
        double temperature = 0, Random? random = null, CancellationToken cancellation = default)
    {
        var special = tokenizer.Special;
        var decoder = model.Decoder;
        // One position is left for the end of text, which a transcript that runs out of room lacks and word
        // alignment appends.
        maxTokens = (int)Math.Min(maxTokens, decoder.Context - prompt.Count - 1);
        random ??= new Random(0);
        var sampled = new List<int>();
        var tokens = new List<DecodedToken>();
        double noSpeech = 0, sumLogProbability = 0;
        using var cache = new DecoderCache(decoder.Layers);
        using var inference = torch.inference_mode();
        long[] next = prompt.Select(t => (long)t).ToArray();
        for (int step = 0; step < maxTokens; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            float[] logits;
            using (NewDisposeScope())
            {
                using var input = torch.tensor(next, [1, next.Length]);
                using var all = decoder.Forward(input, audio, cache);
                if (step == 0)
                    noSpeech = NoSpeechProbability(all, startOfTranscriptIndex, special);
                logits = all[0, -1].data<float>().ToArray();
            }
            foreach (var filter in filters)
                filter.Apply(logits, sampled);
            double logTotal = LogitMath.LogSumExp(logits);
            int token = temperature <= 0 ? LogitMath.ArgMax(logits) : Sample(logits, temperature, random);
            double logProbability = logits[token] - logTotal;
            sumLogProbability += logProbability;
            if (token == special.EndOfText)
                break;
            tokens.Add(new DecodedToken(token, (float)Math.Exp(logProbability), (float)logProbability));
            sampled.Add(token);
            next = [token];
        }
        return Result(tokenizer, tokens, sumLogProbability, noSpeech, temperature);
    }

    /// <summary>
    /// The probability of &lt;|nospeech|&gt; at &lt;|startoftranscript|&gt; (position <paramref name="index"/>
    /// of the prompt's logits [1, tokens, vocabulary]), before any filter; 0 for a model without that token.
    /// </summary>
    internal static double NoSpeechProbability(Tensor promptLogits, int index, SpecialTokens special)
    {
        if (special.NoSpeech == SpecialTokens.Absent)
            return 0;
        using var row = promptLogits[0, index];
        var logits = row.data<float>().ToArray();
        return Math.Exp(logits[special.NoSpeech] - LogitMath.LogSumExp(logits));
    }

    /// <summary>A window's result from its sampled <paramref name="tokens"/> (the end excluded) and their log-probability (the end included).</summary>
    internal static WindowResult Result(WhisperTokenizer tokenizer, IReadOnlyList<DecodedToken> tokens, double sumLogProbability,
        double noSpeech, double temperature)
    {
        var text = tokenizer.Decode(tokens.Select(t => t.Id));
        return new WindowResult(tokens, text, sumLogProbability / (tokens.Count + 1), noSpeech, temperature, CompressionRatio(text.Trim()));
    }

    static int Sample(float[] logits, double temperature, Random random)
    {
        double max = LogitMath.Max(logits);
        var weights = new double[logits.Length];
        double total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            weights[i] = float.IsNegativeInfinity(logits[i]) ? 0 : Math.Exp((logits[i] - max) / temperature);
            total += weights[i];
        }
        double target = random.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0 && weights[i] > 0)
                return i;
        }
        return LogitMath.ArgMax(logits);
    }

    /// <summary>UTF-8 length over zlib-compressed length: repetitive text compresses well and scores high.</summary>
    internal static double CompressionRatio(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length == 0)
            return 0;
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(bytes);
        return (double)bytes.Length / compressed.Length;
    }
}
