using SpeechToText.Modeling;
using TorchSharp;

namespace SpeechToText.Tests.Modeling;

public class TorchRuntimeTests
{
    [Fact]
    public void Libtorch_loads_from_the_build_output_and_computes()
    {
        TorchRuntime.EnsureAvailable();
        using var sum = torch.arange(1, 5, dtype: torch.float32).sum();
        Assert.Equal(10f, sum.item<float>());
        Assert.StartsWith("2.", TorchRuntime.Version);
    }

    [Fact]
    public void Libtorch_logs_only_its_errors_when_TORCH_CPP_LOG_LEVEL_names_no_level()
    {
        Assert.Null(Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL"));

        TorchRuntime.EnsureAvailable();

        Assert.Equal(2, TorchRuntime.LogLevel);
    }
}
