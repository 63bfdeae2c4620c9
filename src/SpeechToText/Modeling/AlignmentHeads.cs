namespace SpeechToText.Modeling;

/// <summary>A decoder cross-attention head: <paramref name="Layer"/> and <paramref name="Head"/> count from 0.</summary>
public sealed record AlignmentHead(int Layer, int Head);

/// <summary>
/// The cross-attention heads whose attention follows the speech in time, which word timing aligns: those a
/// checkpoint names (Hugging Face generation_config.json: "alignment_heads"), else those published for the
/// official model of the same shape (every official model but large-v1 and large-v2, which share theirs), else
/// every head of the upper half of the decoder's blocks.
/// </summary>
public static class AlignmentHeads
{
    // The published heads of official models, by (text state, text layers, vocabulary, mel bins).
    static readonly Dictionary<(int, int, int, int), (int Layer, int Head)[]> Published = new()
    {
        [(384, 4, 51864, 80)] = [(1, 0), (2, 0), (2, 5), (3, 0), (3, 1), (3, 2), (3, 3), (3, 4)],                 // tiny.en
        [(384, 4, 51865, 80)] = [(2, 2), (3, 0), (3, 2), (3, 3), (3, 4), (3, 5)],                                 // tiny
        [(512, 6, 51864, 80)] = [(3, 3), (4, 7), (5, 1), (5, 5), (5, 7)],                                         // base.en
        [(512, 6, 51865, 80)] = [(3, 1), (4, 2), (4, 3), (4, 7), (5, 1), (5, 2), (5, 4), (5, 6)],                 // base
        [(768, 12, 51864, 80)] = [(6, 6), (7, 0), (7, 3), (7, 8), (8, 2), (8, 5), (8, 7), (9, 0), (9, 4), (9, 8), (9, 10), (10, 0), (10, 1), (10, 2), (10, 3), (10, 6), (10, 11), (11, 2), (11, 4)], // small.en
        [(768, 12, 51865, 80)] = [(5, 3), (5, 9), (8, 0), (8, 4), (8, 7), (8, 8), (9, 0), (9, 7), (9, 9), (10, 5)], // small
        [(1024, 24, 51864, 80)] = [(11, 4), (14, 1), (14, 12), (14, 14), (15, 4), (16, 0), (16, 4), (16, 9), (17, 12), (17, 14), (18, 7), (18, 10), (18, 15), (20, 0), (20, 3), (20, 9), (20, 14), (21, 12)], // medium.en
        [(1024, 24, 51865, 80)] = [(13, 15), (15, 4), (15, 15), (16, 1), (20, 0), (23, 4)], // medium
        // large-v1 and large-v2 share a shape but not their heads: a file of either (whisper.cpp's does not say which) gets the default.
        [(1280, 32, 51866, 128)] = [(7, 0), (10, 17), (12, 18), (13, 12), (16, 1), (17, 14), (19, 11), (21, 4), (24, 1), (25, 6)], // large-v3
        [(1280, 4, 51866, 128)] = [(2, 4), (2, 11), (3, 3), (3, 6), (3, 11), (3, 14)],                           // large-v3-turbo
    };

    /// <summary>The heads for a model of shape <paramref name="dimensions"/> that names none.</summary>
    public static IReadOnlyList<AlignmentHead> For(ModelDimensions dimensions)
    {
        var key = (dimensions.TextState, dimensions.TextLayers, dimensions.VocabularySize, dimensions.MelBins);
        if (Published.TryGetValue(key, out var heads))
            return [.. heads.Select(h => new AlignmentHead(h.Layer, h.Head))];
        return
        [
            .. from layer in Enumerable.Range(dimensions.TextLayers / 2, dimensions.TextLayers - dimensions.TextLayers / 2)
               from head in Enumerable.Range(0, dimensions.TextHeads)
               select new AlignmentHead(layer, head),
        ];
    }

    /// <summary>
    /// Checks that <paramref name="heads"/> are distinct heads of a model of shape <paramref name="dimensions"/>;
    /// throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the first that is not.
    /// </summary>
    public static IReadOnlyList<AlignmentHead> Validate(IReadOnlyList<AlignmentHead> heads, ModelDimensions dimensions, string source)
    {
        if (heads.Count == 0)
            throw new InvalidDataException($"{source}: the alignment heads list is empty.");
        foreach (var head in heads)
        {
            if (head.Layer < 0 || head.Layer >= dimensions.TextLayers || head.Head < 0 || head.Head >= dimensions.TextHeads)
                throw new InvalidDataException(
                    $"{source}: alignment head (layer {head.Layer}, head {head.Head}) is outside the decoder's {dimensions.TextLayers} layers of {dimensions.TextHeads} heads.");
        }
        if (heads.Distinct().Count() != heads.Count)
            throw new InvalidDataException($"{source}: the alignment heads list names a head twice.");
        return heads;
    }
}
