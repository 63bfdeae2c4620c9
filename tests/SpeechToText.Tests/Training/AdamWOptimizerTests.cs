using SpeechToText.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Training;

public class AdamWOptimizerTests
{
    [Fact]
    public void Updates_parameters_and_moments_as_torch_AdamW_does_at_every_step_and_rate()
    {
        torch.manual_seed(5);
        using var start = torch.randn(3, 4);
        using var ours = new Parameter(start.clone());
        using var reference = new Parameter(start.clone());
        using var optimizer = new AdamWOptimizer([ours], 0.05, 0.9, 0.98, 1e-8, 0.01);
        using var torchOptimizer = optim.AdamW([reference], 0.05, 0.9, 0.98, 1e-8, 0.01);

        foreach (double rate in new[] { 0.05, 0.05, 0.01, 0.2, 0.03 })
        {
            optimizer.LearningRate = rate;
            foreach (var group in torchOptimizer.ParamGroups)
                group.LearningRate = rate;
            using var target = torch.randn(3, 4);
            foreach (var (parameter, step) in new (Parameter, Action)[] { (ours, optimizer.Step), (reference, () => torchOptimizer.step()) })
            {
                using var loss = (parameter * parameter * target).sum();
                loss.backward();
                step();
            }
            Assert.True(ours.allclose(reference, rtol: 1e-5, atol: 1e-7), $"parameters differ after a step at rate {rate}");
            optimizer.ZeroGrad();
            torchOptimizer.zero_grad();
            using var gradient = ours.grad;
            Assert.Equal(0f, gradient!.abs().sum().item<float>());
        }

        var state = (AdamW.State)torchOptimizer.state_dict().State[0];
        Assert.Equal(5, optimizer.StepCount);
        Assert.True(optimizer.Moments[0].Mean.allclose(state.exp_avg, rtol: 1e-5, atol: 1e-8));
        Assert.True(optimizer.Moments[0].SquareMean.allclose(state.exp_avg_sq, rtol: 1e-5, atol: 1e-10));
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_left_as_it_is()
    {
        using var used = new Parameter(torch.ones(2));
        using var unused = new Parameter(torch.ones(2));
        using var optimizer = new AdamWOptimizer([used, unused], 0.1, 0.9, 0.98, 1e-8, 0.01);
        using var loss = used.sum();
        loss.backward();

        optimizer.Step();

        Assert.True(used.lt(1).all().item<bool>());
        Assert.True(unused.eq(1).all().item<bool>());
    }
}
