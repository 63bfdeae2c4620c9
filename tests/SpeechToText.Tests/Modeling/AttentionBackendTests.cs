using ILGPU.Runtime.Cuda;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechToText.Modeling;
using TorchSharp;

namespace SpeechToText.Tests.Modeling;

public class AttentionBackendTests
{
    /// <summary>How starting a GPU fails for users: no driver library, a driver too old for the runtime.</summary>
    public static TheoryData<Exception> GpuFailures =>
    [
        new DllNotFoundException("Unable to load shared library 'libcuda.so.1'"),
        new TypeInitializationException("ILGPU.Runtime.Cuda.CudaAPI", new EntryPointNotFoundException("cuDriverGetVersion")),
        new CudaException("CUDA_ERROR_NOT_INITIALIZED"), // a driver older than the runtime, or broken
        new CudaException("CUDA_ERROR_NO_DEVICE\n   at ILGPU.Runtime.Cuda.CudaAccelerator..ctor"),
    ];

    [Theory]
    [MemberData(nameof(GpuFailures))]
    public void Auto_falls_back_to_the_cpu_accelerator_and_says_why(Exception failure)
    {
        using var attention = IlgpuAttention.Open(IlgpuDevice.Auto, () => throw failure, out string? reason);

        Assert.False(attention.OnGpu);
        Assert.NotNull(reason);
        Assert.StartsWith("no usable CUDA GPU (", reason);
        Assert.Contains(failure.GetType().Name, reason);
        Assert.EndsWith("attention kernels run on ILGPU's CPU accelerator", reason);
        Assert.DoesNotContain('\n', reason);
    }

    [Theory]
    [MemberData(nameof(GpuFailures))]
    public void Asking_for_cuda_without_a_usable_gpu_is_an_error_that_says_why(Exception failure)
    {
        var error = Assert.Throws<InvalidOperationException>(() => IlgpuAttention.Open(IlgpuDevice.Cuda, () => throw failure, out _));

        Assert.StartsWith("no usable CUDA GPU (", error.Message);
        Assert.Same(failure, error.InnerException);
    }

    [Fact]
    public void The_cpu_accelerator_does_not_look_for_a_gpu()
    {
        using var attention = IlgpuAttention.Open(IlgpuDevice.Cpu, () => throw new InvalidOperationException("looked"), out string? reason);

        Assert.Null(reason);
        Assert.False(attention.OnGpu);
    }

    [Fact]
    public void Auto_on_a_cpu_model_uses_a_gpu_or_says_in_one_line_that_there_is_none()
    {
        var logger = new RecordingLogger();
        var kernels = AttentionBackends.Create(AttentionBackend.Auto, torch.CPU, logger);
        try
        {
            if (kernels is IlgpuKernels { OnGpu: true })
                Assert.Empty(logger.Entries);
            else
            {
                Assert.Same(ModelKernels.Torch, kernels);
                Assert.Equal("attention: no usable CUDA GPU", Assert.Single(logger.Entries).Message[..29]);
            }
        }
        finally
        {
            (kernels as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Torch_is_always_torch()
    {
        Assert.Same(ModelKernels.Torch, AttentionBackends.Create(AttentionBackend.Torch, torch.CPU, NullLogger.Instance));
    }
}
