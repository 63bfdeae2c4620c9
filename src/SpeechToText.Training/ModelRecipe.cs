using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Training;

/// <summary>
/// The bundled model's design: a character vocabulary (the letters, space and apostrophe that
/// <see cref="EnglishTextNormalizer"/> writes) with only &lt;|endoftext|&gt; and
/// &lt;|startoftranscript|&gt; as special tokens (no timestamps), and a small Whisper architecture trained on
/// unpadded audio of up to 20 s.
/// </summary>
public static class ModelRecipe
{
    /// <summary>The text characters, in token order.</summary>
    public const string Characters = " abcdefghijklmnopqrstuvwxyz'";

    /// <summary>The character tokenizer.</summary>
    public static WhisperTokenizer Tokenizer()
    {
        var ranks = Characters.Select(c => new[] { (byte)c }).ToArray();
        var ids = new Dictionary<string, int> { ["<|endoftext|>"] = ranks.Length, ["<|startoftranscript|>"] = ranks.Length + 1 };
        return WhisperTokenizer.FromRanks(ranks, SpecialTokens.FromNames(ids, multilingual: false, vocabularySize: ranks.Length + 2)!);
    }

    /// <summary>Dimensions: width 256, 4 heads, 4 encoder and 2 decoder blocks, 1000 audio positions (20 s), 448 text positions.</summary>
    public static ModelDimensions Dimensions(int width = 256, int heads = 4, int encoderLayers = 4, int decoderLayers = 2) =>
        new(MelBins: 80, AudioContext: 1000, AudioState: width, AudioHeads: heads, AudioLayers: encoderLayers,
            VocabularySize: Characters.Length + 2, TextContext: 448, TextState: width, TextHeads: heads, TextLayers: decoderLayers);
}
