using System.Text.RegularExpressions;

namespace SpeechToText.Checkpoints;

/// <summary>
/// Translates tensor names between Hugging Face's WhisperForConditionalGeneration and openai/whisper
/// (the names the model and ggml files use).
/// </summary>
public static partial class WhisperTensorNames
{
    static readonly (string HuggingFace, string OpenAi)[] Parts =
    [
        ("self_attn.q_proj", "attn.query"),
        ("self_attn.k_proj", "attn.key"),
        ("self_attn.v_proj", "attn.value"),
        ("self_attn.out_proj", "attn.out"),
        ("encoder_attn.q_proj", "cross_attn.query"),
        ("encoder_attn.k_proj", "cross_attn.key"),
        ("encoder_attn.v_proj", "cross_attn.value"),
        ("encoder_attn.out_proj", "cross_attn.out"),
        ("self_attn_layer_norm", "attn_ln"),
        ("encoder_attn_layer_norm", "cross_attn_ln"),
        ("final_layer_norm", "mlp_ln"),
        ("fc1", "mlp.0"),
        ("fc2", "mlp.2"),
    ];

    /// <summary>The openai/whisper name of a Hugging Face tensor, or null for tensors the model does not keep (the tied proj_out).</summary>
    public static string? FromHuggingFace(string name)
    {
        if (name.StartsWith("model.", StringComparison.Ordinal))
            name = name["model.".Length..];
        switch (name)
        {
            case "proj_out.weight":
                return null;
            case "encoder.embed_positions.weight":
                return "encoder.positional_embedding";
            case "decoder.embed_positions.weight":
                return "decoder.positional_embedding";
            case "decoder.embed_tokens.weight":
                return "decoder.token_embedding.weight";
        }
        if (name.StartsWith("encoder.layer_norm.", StringComparison.Ordinal))
            return "encoder.ln_post." + name["encoder.layer_norm.".Length..];
        if (name.StartsWith("decoder.layer_norm.", StringComparison.Ordinal))
            return "decoder.ln." + name["decoder.layer_norm.".Length..];
        var layer = LayerPattern().Match(name);
        if (!layer.Success)
            return name;
        string rest = layer.Groups[3].Value;
        foreach (var (huggingFace, openAi) in Parts)
        {
            if (rest.StartsWith(huggingFace + ".", StringComparison.Ordinal))
                return $"{layer.Groups[1].Value}.blocks.{layer.Groups[2].Value}.{openAi}{rest[huggingFace.Length..]}";
        }
        return name;
    }

    /// <summary>The Hugging Face name (with the "model." prefix) of an openai/whisper tensor.</summary>
    public static string ToHuggingFace(string name)
    {
        switch (name)
        {
            case "encoder.positional_embedding":
                return "model.encoder.embed_positions.weight";
            case "decoder.positional_embedding":
                return "model.decoder.embed_positions.weight";
            case "decoder.token_embedding.weight":
                return "model.decoder.embed_tokens.weight";
        }
        if (name.StartsWith("encoder.ln_post.", StringComparison.Ordinal))
            return "model.encoder.layer_norm." + name["encoder.ln_post.".Length..];
        if (name.StartsWith("decoder.ln.", StringComparison.Ordinal))
            return "model.decoder.layer_norm." + name["decoder.ln.".Length..];
        var block = BlockPattern().Match(name);
        if (block.Success)
        {
            string rest = block.Groups[3].Value;
            foreach (var (huggingFace, openAi) in Parts)
            {
                if (rest.StartsWith(openAi + ".", StringComparison.Ordinal))
                    return $"model.{block.Groups[1].Value}.layers.{block.Groups[2].Value}.{huggingFace}{rest[openAi.Length..]}";
            }
        }
        return "model." + name;
    }

    [GeneratedRegex(@"^(encoder|decoder)\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerPattern();

    [GeneratedRegex(@"^(encoder|decoder)\.blocks\.(\d+)\.(.+)$")]
    private static partial Regex BlockPattern();
}
