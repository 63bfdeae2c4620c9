using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;

namespace SpeechToText.Decoding;

/// <summary>Detects the spoken language: the most likely language token right after &lt;|startoftranscript|&gt;.</summary>
public static class LanguageDetector
{
    /// <summary>The language token the model finds most likely for <paramref name="audio"/>, and its probability among languages.</summary>
    public static (int Token, double Probability) Detect(WhisperModel model, SpecialTokens special, CrossAttentionCache audio)
    {
        using var inference = torch.inference_mode();
        using var cache = new DecoderCache(model.Decoder.Layers);
        using var tokens = torch.tensor(new long[] { special.StartOfTranscript }, [1, 1]);
        using var logits = model.Decoder.Forward(tokens, audio, cache);
        var languages = logits[0, 0].data<float>().ToArray().AsSpan(special.FirstLanguage, special.LanguageCount).ToArray();
        double logTotal = LogitMath.LogSumExp(languages);
        int best = LogitMath.ArgMax(languages);
        return (special.FirstLanguage + best, Math.Exp(languages[best] - logTotal));
    }
}
