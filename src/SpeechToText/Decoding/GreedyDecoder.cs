using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Decoding;

/// <summary>A sampled token and its probability after the logit filters.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Probability">Softmax of the filtered logits at the token.</param>
/// <param name="LogProbability">Log of <paramref name="Probability"/>.</param>
public sealed record DecodedToken(int Id, float Probability, float LogProbability);

/// <summary>
/// Greedy decoding at temperature 0: after the prompt, repeatedly takes the most likely token under the
/// logit filters, with the decoder's self-attention cache so each step computes one position.
/// </summary>
public sealed class GreedyDecoder(WhisperModel model, IReadOnlyList<ILogitFilter> filters, int endOfText)
{
    /// <summary>Decodes at most <paramref name="maxTokens"/> tokens after <paramref name="prompt"/>, stopping after &lt;|endoftext|&gt;.</summary>
    public IReadOnlyList<DecodedToken> Decode(CrossAttentionCache audio, IReadOnlyList<int> prompt, int maxTokens, CancellationToken cancellation = default)
    {
        var decoder = model.Decoder;
        maxTokens = (int)Math.Min(maxTokens, decoder.Context - prompt.Count);
        var sampled = new List<int>();
        var result = new List<DecodedToken>();
        using var cache = new DecoderCache(decoder.Layers);
        using var inference = torch.inference_mode();
        long[] next = prompt.Select(t => (long)t).ToArray();
        for (int step = 0; step < maxTokens; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            float[] logits;
            using (NewDisposeScope())
            {
                using var tokens = torch.tensor(next, [1, next.Length]);
                using var all = decoder.Forward(tokens, audio, cache);
                logits = all[0, -1].data<float>().ToArray();
            }
            foreach (var filter in filters)
                filter.Apply(logits, sampled);
            int token = ArgMax(logits);
            double logProbability = logits[token] - TimestampRules.LogSumExp(logits);
            result.Add(new DecodedToken(token, (float)Math.Exp(logProbability), (float)logProbability));
            sampled.Add(token);
            if (token == endOfText)
                break;
            next = [token];
        }
        return result;
    }

    /// <summary>The index of the largest value; the lowest index wins ties.</summary>
    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
