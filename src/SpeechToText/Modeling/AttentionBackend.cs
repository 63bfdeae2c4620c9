using Microsoft.Extensions.Logging;
using TorchSharp;

namespace SpeechToText.Modeling;

/// <summary>What computes the model's attentions (the hot loop of decoding).</summary>
public enum AttentionBackend
{
    /// <summary>
    /// A GPU when there is one: TorchSharp's if the model is on a CUDA device, else ILGPU's kernels on a CUDA GPU;
    /// without a usable GPU, TorchSharp on the CPU (said in one log line).
    /// </summary>
    Auto,

    /// <summary>TorchSharp's scaled dot-product attention, on the model's device.</summary>
    Torch,

    /// <summary>This project's ILGPU kernels: on a CUDA GPU if one works, else on ILGPU's CPU accelerator (slow; said in one log line).</summary>
    Ilgpu,
}

/// <summary>Makes the kernels of an <see cref="AttentionBackend"/>.</summary>
internal static class AttentionBackends
{
    /// <summary>
    /// The kernels for <paramref name="backend"/> with a model on <paramref name="modelDevice"/>. Never fails for
    /// want of a GPU or driver: it falls back and logs why. The caller disposes the result if it is disposable.
    /// </summary>
    public static ModelKernels Create(AttentionBackend backend, torch.Device modelDevice, ILogger? logger)
    {
        switch (backend)
        {
            case AttentionBackend.Torch:
                return ModelKernels.Torch;
            case AttentionBackend.Ilgpu:
                var attention = IlgpuAttention.Open(IlgpuDevice.Auto, out string? reason);
                if (reason != null)
                    logger?.LogWarning("attention: {Reason}", reason);
                return new IlgpuKernels(attention);
            case AttentionBackend.Auto:
                if (modelDevice.type == DeviceType.CUDA)
                    return ModelKernels.Torch;
                try
                {
                    return new IlgpuKernels(IlgpuAttention.Open(IlgpuDevice.Cuda, out _));
                }
                catch (InvalidOperationException error)
                {
                    logger?.LogInformation("attention: {Reason}; TorchSharp computes it on the CPU", error.Message);
                    return ModelKernels.Torch;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown attention backend");
        }
    }
}
