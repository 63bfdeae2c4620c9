using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Modeling;

/// <summary>
/// An independent, straightforward Whisper forward pass over a state dictionary (openai/whisper names):
/// plain tensor operations, attention written out as softmax(q·kᵀ)·v with q and k each scaled by
/// head_size^-0.25 as the reference does, no caches, the whole token sequence at once.
/// </summary>
internal sealed class ReferenceWhisper(IReadOnlyDictionary<string, Tensor> weights, ModelDimensions dims)
{
    Tensor W(string name) => weights[name];

    public Tensor Encode(Tensor mel)
    {
        var x = nn.functional.gelu(nn.functional.conv1d(mel, W("encoder.conv1.weight"), W("encoder.conv1.bias"), padding: 1));
        x = nn.functional.gelu(nn.functional.conv1d(x, W("encoder.conv2.weight"), W("encoder.conv2.bias"), stride: 2, padding: 1));
        x = x.permute(0, 2, 1);
        x = x.Plus(W("encoder.positional_embedding")[..(int)x.shape[1]]);
        for (int layer = 0; layer < dims.AudioLayers; layer++)
        {
            string block = $"encoder.blocks.{layer}.";
            var h = Norm(x, block + "attn_ln");
            x = x.Plus(Attention(h, h, block + "attn.", dims.AudioHeads, causal: false));
            x = x.Plus(Mlp(Norm(x, block + "mlp_ln"), block));
        }
        return Norm(x, "encoder.ln_post");
    }

    public Tensor Logits(Tensor tokens, Tensor audio)
    {
        var x = W("decoder.token_embedding.weight").index_select(0, tokens.flatten()).view(tokens.shape[0], tokens.shape[1], -1)
            .Plus(W("decoder.positional_embedding")[..(int)tokens.shape[1]]);
        for (int layer = 0; layer < dims.TextLayers; layer++)
        {
            string block = $"decoder.blocks.{layer}.";
            var h = Norm(x, block + "attn_ln");
            x = x.Plus(Attention(h, h, block + "attn.", dims.TextHeads, causal: true));
            x = x.Plus(Attention(Norm(x, block + "cross_attn_ln"), audio, block + "cross_attn.", dims.TextHeads, causal: false));
            x = x.Plus(Mlp(Norm(x, block + "mlp_ln"), block));
        }
        return matmul(Norm(x, "decoder.ln"), W("decoder.token_embedding.weight").t());
    }

    Tensor Norm(Tensor x, string name) =>
        nn.functional.layer_norm(x, [x.shape[^1]], W(name + ".weight"), W(name + ".bias"), 1e-5);

    Tensor Mlp(Tensor x, string block) =>
        Linear(nn.functional.gelu(Linear(x, block + "mlp.0")), block + "mlp.2");

    Tensor Linear(Tensor x, string name, bool bias = true)
    {
        var product = matmul(x, W(name + ".weight").t());
        return bias ? product.Plus(W(name + ".bias")) : product;
    }

    Tensor Attention(Tensor x, Tensor source, string name, int heads, bool causal)
    {
        long batch = x.shape[0], queries = x.shape[1], keysCount = source.shape[1], state = x.shape[2];
        long headSize = state / heads;
        double scale = Math.Pow(headSize, -0.25);
        var q = Linear(x, name + "query").Times(scale).view(batch, queries, heads, headSize).permute(0, 2, 1, 3);
        var k = Linear(source, name + "key", bias: false).Times(scale).view(batch, keysCount, heads, headSize).permute(0, 2, 3, 1);
        var v = Linear(source, name + "value").view(batch, keysCount, heads, headSize).permute(0, 2, 1, 3);
        var scores = matmul(q, k);
        if (causal)
            scores = scores.Plus(CausalMask(queries, keysCount));
        var attended = matmul(softmax(scores, -1), v).permute(0, 2, 1, 3).reshape(batch, queries, state);
        return Linear(attended, name + "out");
    }

    /// <summary>−∞ above the diagonal (keys after the query's position), 0 elsewhere.</summary>
    static Tensor CausalMask(long queries, long keys)
    {
        var mask = new float[queries * keys];
        for (long q = 0; q < queries; q++)
            for (long k = q + 1; k < keys; k++)
                mask[q * keys + k] = float.NegativeInfinity;
        return torch.tensor(mask, [queries, keys]);
    }
}
