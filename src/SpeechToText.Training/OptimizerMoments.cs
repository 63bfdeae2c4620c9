using SpeechToText.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Training;

/// <summary>
/// AdamW's running moments, kept beside a run's checkpoint so that a resumed run continues with them instead
/// of starting them from zero (which needs a new warm-up). A safetensors file: <c>{i}.exp_avg</c> and
/// <c>{i}.exp_avg_sq</c> for the optimiser's i-th parameter, and <c>step</c>, its update count.
/// </summary>
internal static class OptimizerMoments
{
    const string StepName = "step";

    /// <summary>Writes the moments of <paramref name="optimizer"/> to <paramref name="path"/> (through a temporary file, so a crash leaves the old one).</summary>
    public static void Save(AdamWOptimizer optimizer, string path)
    {
        var moments = optimizer.Moments;
        using var step = torch.tensor(new float[] { optimizer.StepCount });
        var tensors = new Dictionary<string, Tensor> { [StepName] = step };
        for (int i = 0; i < moments.Count; i++)
        {
            tensors[$"{i}.exp_avg"] = moments[i].Mean;
            tensors[$"{i}.exp_avg_sq"] = moments[i].SquareMean;
        }
        string partial = path + ".partial";
        SafeTensorsFile.Write(partial, tensors);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>
    /// Gives <paramref name="optimizer"/> the moments saved in <paramref name="path"/>; returns null when it did,
    /// else why not (no file, moments of other parameters, or of no step yet), leaving the optimiser as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static string? TryRestore(AdamWOptimizer optimizer, string path)
    {
        if (!File.Exists(path))
            return "no saved moments";
        var saved = SafeTensorsFile.Read(path);
        try
        {
            var moments = optimizer.Moments;
            if (saved.Count != 2 * moments.Count + 1 || !saved.TryGetValue(StepName, out var step) || step.numel() != 1)
                return $"{path} holds {saved.Count} tensors, not the moments of these {moments.Count} parameters";
            if (!(step.item<float>() >= 1))
                return $"{path} holds the moments of no optimiser step"; // saved by a run that only validated (or a widening)
            for (int i = 0; i < moments.Count; i++)
            {
                foreach (var (name, moment) in new[] { ($"{i}.exp_avg", moments[i].Mean), ($"{i}.exp_avg_sq", moments[i].SquareMean) })
                {
                    if (!saved.TryGetValue(name, out var value) || !value.shape.SequenceEqual(moment.shape))
                        return $"{path}: {name} is missing or of another shape than its parameter";
                }
            }
            using var noGrad = torch.no_grad();
            for (int i = 0; i < moments.Count; i++)
            {
                moments[i].Mean.copy_(saved[$"{i}.exp_avg"]);
                moments[i].SquareMean.copy_(saved[$"{i}.exp_avg_sq"]);
            }
            optimizer.StepCount = (long)step.item<float>();
            return null;
        }
        finally
        {
            foreach (var tensor in saved.Values)
                tensor.Dispose();
        }
    }
}
