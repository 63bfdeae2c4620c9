using SpeechToText.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Checkpoints;

/// <summary>Loads a Whisper model and its tokenizer from a Hugging Face directory or a whisper.cpp ggml file.</summary>
public static class CheckpointReader
{
    /// <summary>Loads the checkpoint at <paramref name="path"/>: a directory with config.json, or a ggml file.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is missing, of an unknown format, or corrupt.</exception>
    public static (WhisperModel Model, WhisperTokenizer Tokenizer) Load(string path)
    {
        if (Directory.Exists(path))
        {
            if (!HuggingFaceCheckpoint.IsCheckpoint(path))
                throw new InvalidDataException($"{path}: a directory without config.json is not a Hugging Face checkpoint");
            using var checkpoint = HuggingFaceCheckpoint.Read(path);
            var model = Build(checkpoint.Dimensions, checkpoint.Tensors, path);
            model.Settings = checkpoint.Settings;
            return (model, checkpoint.Tokenizer);
        }
        if (!File.Exists(path))
            throw new InvalidDataException($"{path}: no such file or directory");
        using (var ggml = GgmlCheckpoint.Read(path))
        {
            var tokenizer = WhisperTokenizer.FromRanks(ggml.Vocabulary, SpecialTokens.ForVocabularySize(ggml.Dimensions.VocabularySize, path));
            return (Build(ggml.Dimensions, ggml.Tensors, path), tokenizer);
        }
    }

    static WhisperModel Build(ModelDimensions dimensions, IReadOnlyDictionary<string, TorchSharp.torch.Tensor> tensors, string path)
    {
        long held = tensors.Values.Sum(t => t.numel());
        if (held < dimensions.MinimumWeights)
            throw new InvalidDataException($"{path}: its dimensions need at least {dimensions.MinimumWeights} weights but its tensors hold {held}: the header does not describe these weights");
        var model = new WhisperModel(dimensions);
        try
        {
            model.LoadWeights(tensors, path);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
