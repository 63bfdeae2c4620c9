using SpeechToText.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
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
    public static void Save(AdamW optimizer, string path)
    {
        var states = States(optimizer);
        using var step = torch.tensor(new float[] { states.Count == 0 ? 0 : states[0].step });
        var tensors = new Dictionary<string, Tensor> { [StepName] = step };
        for (int i = 0; i < states.Count; i++)
        {
            tensors[$"{i}.exp_avg"] = states[i].exp_avg;
            tensors[$"{i}.exp_avg_sq"] = states[i].exp_avg_sq;
        }
        string partial = path + ".partial";
        SafeTensorsFile.Write(partial, tensors);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>
    /// Gives <paramref name="optimizer"/> the moments saved in <paramref name="path"/>; returns null when it did,
    /// else why not (no file, or moments of other parameters), leaving the optimiser as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static string? TryRestore(AdamW optimizer, string path)
    {
        if (!File.Exists(path))
            return "no saved moments";
        var saved = SafeTensorsFile.Read(path);
        try
        {
            var states = States(optimizer);
            if (saved.Count != 2 * states.Count + 1 || !saved.TryGetValue(StepName, out var step) || step.numel() != 1)
                return $"{path} holds {saved.Count} tensors, not the moments of these {states.Count} parameters";
            for (int i = 0; i < states.Count; i++)
            {
                foreach (var (name, moment) in new[] { ($"{i}.exp_avg", states[i].exp_avg), ($"{i}.exp_avg_sq", states[i].exp_avg_sq) })
                {
                    if (!saved.TryGetValue(name, out var value) || !value.shape.SequenceEqual(moment.shape))
                        return $"{path}: {name} is missing or of another shape than its parameter";
                }
            }
            using var noGrad = torch.no_grad();
            long steps = (long)step.item<float>();
            for (int i = 0; i < states.Count; i++)
            {
                states[i].exp_avg.copy_(saved[$"{i}.exp_avg"]);
                states[i].exp_avg_sq.copy_(saved[$"{i}.exp_avg_sq"]);
                states[i].step = steps;
            }
            return null;
        }
        finally
        {
            foreach (var tensor in saved.Values)
                tensor.Dispose();
        }
    }

    /// <summary>The optimiser's per-parameter states, in the order of its parameters.</summary>
    static List<AdamW.State> States(AdamW optimizer) => [.. optimizer.state_dict().State.Cast<AdamW.State>()];
}
