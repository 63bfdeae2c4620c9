using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Training;

/// <summary>
/// AdamW (Adam with decoupled weight decay): the update of torch.optim.AdamW without AMSGrad.
/// </summary>
/// <remarks>
/// The training loop's own optimiser rather than TorchSharp's, whose step hands libtorch each coefficient as a
/// temporary Scalar that the garbage collector may free mid-call (see <c>TensorArithmetic</c>); a run stopped
/// so at step 26,750. Here every Scalar lives until the step has ended.
/// </remarks>
internal sealed class AdamWOptimizer : IDisposable
{
    readonly IReadOnlyList<Parameter> parameters;
    readonly double beta1, beta2, epsilon, weightDecay;

    /// <summary>Creates the optimiser with zero moments.</summary>
    public AdamWOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
    {
        this.parameters = parameters;
        (LearningRate, this.beta1, this.beta2, this.epsilon, this.weightDecay) = (learningRate, beta1, beta2, epsilon, weightDecay);
        Moments = [.. parameters.Select(p => (torch.zeros_like(p).DetachFromDisposeScope(), torch.zeros_like(p).DetachFromDisposeScope()))];
    }

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Updates made so far (the bias corrections depend on it).</summary>
    public long StepCount { get; set; }

    /// <summary>The running mean of each parameter's gradient and of its square, in the order of the parameters.</summary>
    public IReadOnlyList<(Tensor Mean, Tensor SquareMean)> Moments { get; }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        double correction1 = 1 - Math.Pow(beta1, StepCount), correction2 = 1 - Math.Pow(beta2, StepCount);
        using var decay = (1 - LearningRate * weightDecay).ToScalar();
        using var keep1 = beta1.ToScalar();
        using var add1 = (1 - beta1).ToScalar();
        using var keep2 = beta2.ToScalar();
        using var add2 = (1 - beta2).ToScalar();
        using var root2 = Math.Sqrt(correction2).ToScalar();
        using var eps = epsilon.ToScalar();
        using var stepSize = (-LearningRate / correction1).ToScalar();
        using var noGrad = torch.no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            var gradient = parameters[i].grad;
            if (gradient is null)
                continue;
            var (mean, squareMean) = Moments[i];
            parameters[i].mul_(decay);
            mean.mul_(keep1).add_(gradient, add1);
            squareMean.mul_(keep2).addcmul_(gradient, gradient, add2);
            var denominator = squareMean.sqrt().div_(root2).add_(eps);
            parameters[i].addcdiv_(mean, denominator, stepSize);
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in parameters)
        {
            using var gradient = parameter.grad;
            gradient?.zero_();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (mean, squareMean) in Moments)
        {
            mean.Dispose();
            squareMean.Dispose();
        }
    }
}
