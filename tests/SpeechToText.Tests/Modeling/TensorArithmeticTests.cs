using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Modeling;

/// <summary>Runs alone: these tests force garbage collections on a thread of their own.</summary>
[Collection(nameof(RunsAlone))]
public class TensorArithmeticTests
{
    static bool Same(Tensor actual, Tensor expected) =>
        actual.shape.SequenceEqual(expected.shape) && actual.eq(expected).all().item<bool>();

    [Fact]
    public void Computes_what_the_torch_operators_compute()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var a = torch.randn(4, 5);
        var b = torch.randn(1, 5);

        Assert.True(Same(a.Plus(b), a + b));
        Assert.True(Same(a.Times(0.125), a * 0.125));
        Assert.True(Same(a.AtLeast(0.25), a.clamp_min(0.25)));
        Assert.Equal(ScalarType.BFloat16, a.to(ScalarType.BFloat16).Times(0.5).dtype);
    }

    public static TheoryData<string> Operations => ["sum", "product", "clamp"];

    /// <summary>
    /// The helpers' results while another thread collects garbage without pause. TorchSharp's own <c>a + b</c>,
    /// <c>a * 0.5</c> and <c>a.clamp_min(0.1)</c> fail this ("Expected false to be true" from a freed
    /// <c>c10::Scalar</c>) once the runtime has optimized TorchSharp's methods, as in any long-running process;
    /// a short test process may still run them unoptimized, so <c>DOTNET_TieredCompilation=0</c> shows it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Operations))]
    public void Scalar_operands_survive_garbage_collections_on_another_thread(string operation)
    {
        const int Calls = 30_000, CallsPerCheck = 100;
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var a = torch.randn(64, 64);
        var b = torch.randn(64, 64);
        Func<Tensor> compute = operation switch
        {
            "sum" => () => a.Plus(b),
            "product" => () => a.Times(0.5),
            _ => () => a.AtLeast(0.1),
        };
        var expected = compute();
        bool done = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            for (int call = 0; call < Calls; call += CallsPerCheck)
            {
                using var checkScope = NewDisposeScope();
                var result = compute();
                for (int i = 1; i < CallsPerCheck; i++)
                    result = compute();
                Assert.True(Same(result, expected), $"call {call + CallsPerCheck}");
            }
        }
        finally
        {
            Volatile.Write(ref done, true);
            collector.Join();
        }
    }
}
