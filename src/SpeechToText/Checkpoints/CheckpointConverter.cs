using SpeechToText.Text;
using static TorchSharp.torch;

namespace SpeechToText.Checkpoints;

/// <summary>
/// Converts between Hugging Face Whisper directories and whisper.cpp ggml files without changing any
/// tensor value: types are kept where the target format has them, widened to F32 where it does not
/// (ggml has no BF16; whisper.cpp keeps vectors in F32).
/// </summary>
public static class CheckpointConverter
{
    /// <summary>
    /// Converts <paramref name="input"/> (a Hugging Face directory or a ggml file) to
    /// <paramref name="output"/>: a ggml file when it ends in .bin, else a Hugging Face directory. A directory
    /// written from a directory keeps its language models (<see cref="CharacterLanguageModel.FileName"/> and
    /// <see cref="WordLanguageModel.FileName"/>) and its CTC head (<see cref="Modeling.CtcHead.FileName"/>), copied as
    /// they are (those an existing output directory held are removed: they belonged to another model); a ggml file has
    /// no place for them. The alignment heads and the CTC weight a directory names are kept.
    /// </summary>
    /// <param name="input">The checkpoint to read.</param>
    /// <param name="output">Where to write: not the input itself.</param>
    /// <param name="float16">Store matrices as F16 (true), F32 (false), or as the input stores them (null).</param>
    /// <returns>What the input has that the output has no place for, one phrase each (a ggml file written from a
    /// directory: its language models, its CTC head and weight, its default beam size, alignment heads other than whisper.cpp assumes); empty
    /// when nothing is left out.</returns>
    /// <exception cref="IOException">The output is the input.</exception>
    public static IReadOnlyList<string> Convert(string input, string output, bool? float16 = null)
    {
        if (Path.GetFullPath(input).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar))
            throw new IOException($"{output}: the output is the input; converting a checkpoint onto itself would destroy it");
        if (Directory.Exists(input))
        {
            using var checkpoint = HuggingFaceCheckpoint.Read(input);
            if (checkpoint.Settings.VariableLengthAudio && IsGgmlPath(output))
                throw new InvalidDataException($"{input}: a model trained on unpadded audio cannot be expressed as a whisper.cpp ggml file (whisper.cpp always pads to 30 s)");
            Write(output, checkpoint.Dimensions, checkpoint.Tensors, checkpoint.Tokenizer, float16, checkpoint.Settings);
            if (IsGgmlPath(output))
                return LeftOutOfGgml(input, checkpoint.Dimensions, checkpoint.Settings);
            CopyCompanions(input, output);
        }
        else if (File.Exists(input))
        {
            using var checkpoint = GgmlCheckpoint.Read(input);
            var tokenizer = WhisperTokenizer.FromRanks(checkpoint.Vocabulary, SpecialTokens.ForVocabularySize(checkpoint.Dimensions.VocabularySize, input));
            Write(output, checkpoint.Dimensions, checkpoint.Tensors, tokenizer, float16);
        }
        else
        {
            throw new InvalidDataException($"{input}: no such file or directory");
        }
        return [];
    }

    /// <summary>What a ggml file written from the directory <paramref name="input"/> cannot hold.</summary>
    static List<string> LeftOutOfGgml(string input, Modeling.ModelDimensions dims, Modeling.ModelSettings settings)
    {
        var leftOut = LanguageModels.FileNames
            .Where(file => File.Exists(Path.Combine(input, file))).Select(file => $"the language model {file}").ToList();
        if (File.Exists(Path.Combine(input, Modeling.CtcHead.FileName)))
            leftOut.Add($"the CTC head {Modeling.CtcHead.FileName}");
        if (settings.CtcWeight is { } weight)
            leftOut.Add(FormattableString.Invariant($"the CTC weight (ctc_weight {weight})"));
        if (settings.BeamSize is { } beams)
            leftOut.Add($"the default beam size (num_beams {beams})");
        if (settings.AlignmentHeads is { } heads && !heads.SequenceEqual(Modeling.AlignmentHeads.For(dims)))
            leftOut.Add("the alignment heads (word timing will use those assumed for the model's size)");
        return leftOut;
    }

    /// <summary>
    /// Gives the <paramref name="output"/> directory the files beside the input directory's weights that decoding reads
    /// (its language models and CTC head), and none it lacks.
    /// </summary>
    static void CopyCompanions(string input, string output)
    {
        foreach (string file in LanguageModels.FileNames.Append(Modeling.CtcHead.FileName))
        {
            string from = Path.Combine(input, file), to = Path.Combine(output, file);
            if (File.Exists(from))
                File.Copy(from, to, overwrite: true);
            else
                File.Delete(to);
        }
    }

    /// <summary>Whether <paramref name="output"/> names a ggml file (it ends in .bin) rather than a Hugging Face directory.</summary>
    static bool IsGgmlPath(string output) => output.EndsWith(".bin", StringComparison.OrdinalIgnoreCase);

    static void Write(string output, Modeling.ModelDimensions dims, IReadOnlyDictionary<string, Tensor> tensors, WhisperTokenizer tokenizer,
        bool? float16, Modeling.ModelSettings? settings = null)
    {
        if (IsGgmlPath(output))
        {
            bool halves = float16 ?? (tensors.Values.Any(t => t.dtype == ScalarType.Float16) && tensors.Values.All(t => t.dtype != ScalarType.BFloat16));
            var vocabulary = Enumerable.Range(0, tokenizer.TextTokenCount).Select(r => tokenizer.BytesOf(r).ToArray()).ToList();
            GgmlCheckpoint.Write(output, dims, vocabulary, tensors, halves);
        }
        else
        {
            HuggingFaceCheckpoint.Write(output, dims, tensors, tokenizer,
                float16 switch { true => ScalarType.Float16, false => ScalarType.Float32, null => null }, settings);
        }
    }
}
