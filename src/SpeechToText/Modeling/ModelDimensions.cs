namespace SpeechToText.Modeling;

/// <summary>
/// The shape of a Whisper model (openai/whisper's ModelDimensions). Head size is state / heads.
/// </summary>
/// <param name="MelBins">Mel bins of the input (80, or 128 for large-v3).</param>
/// <param name="AudioContext">Encoder positions (1500 = 30 s).</param>
/// <param name="AudioState">Encoder width.</param>
/// <param name="AudioHeads">Encoder attention heads.</param>
/// <param name="AudioLayers">Encoder blocks.</param>
/// <param name="VocabularySize">Tokens, text and special.</param>
/// <param name="TextContext">Decoder positions (448).</param>
/// <param name="TextState">Decoder width.</param>
/// <param name="TextHeads">Decoder attention heads.</param>
/// <param name="TextLayers">Decoder blocks.</param>
public sealed record ModelDimensions(
    int MelBins, int AudioContext, int AudioState, int AudioHeads, int AudioLayers,
    int VocabularySize, int TextContext, int TextState, int TextHeads, int TextLayers)
{
    // Bounds that no real or plausible model exceeds; they keep a corrupt header from asking for absurd memory.
    const int MaxMelBins = 512, MaxContext = 1 << 16, MaxState = 1 << 14, MaxHeads = 1 << 10, MaxLayers = 1 << 10, MaxVocabulary = 1 << 21;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first value that is out of range.</summary>
    public void Validate(string source)
    {
        Check(source, nameof(MelBins), MelBins, MaxMelBins);
        Check(source, nameof(AudioContext), AudioContext, MaxContext);
        Check(source, nameof(AudioState), AudioState, MaxState);
        Check(source, nameof(AudioHeads), AudioHeads, MaxHeads);
        Check(source, nameof(AudioLayers), AudioLayers, MaxLayers);
        Check(source, nameof(VocabularySize), VocabularySize, MaxVocabulary);
        Check(source, nameof(TextContext), TextContext, MaxContext);
        Check(source, nameof(TextState), TextState, MaxState);
        Check(source, nameof(TextHeads), TextHeads, MaxHeads);
        Check(source, nameof(TextLayers), TextLayers, MaxLayers);
        if (AudioState % AudioHeads != 0)
            throw new InvalidDataException($"{source}: audio state {AudioState} is not divisible by {AudioHeads} heads");
        if (TextState % TextHeads != 0)
            throw new InvalidDataException($"{source}: text state {TextState} is not divisible by {TextHeads} heads");
        if (AudioState != TextState)
            throw new InvalidDataException($"{source}: audio state {AudioState} differs from text state {TextState}; cross-attention needs them equal");
    }

    /// <summary>
    /// The fewest weights a checkpoint of these dimensions holds: its convolutions, token embedding and the blocks'
    /// matrices (12 d² an encoder block, 16 d² a decoder block), not counting biases, norms or position tables.
    /// Tensors holding fewer cannot be this model's: a header that says otherwise is refused before a model of
    /// its size is allocated.
    /// </summary>
    public long MinimumWeights =>
        (long)AudioState * MelBins * 3 + (long)AudioState * AudioState * 3 + (long)VocabularySize * TextState
        + 12L * AudioLayers * AudioState * AudioState + 16L * TextLayers * TextState * TextState;

    static void Check(string source, string name, int value, int max)
    {
        if (value < 1 || value > max)
            throw new InvalidDataException($"{source}: {name} = {value} is out of range (1 to {max})");
    }
}
