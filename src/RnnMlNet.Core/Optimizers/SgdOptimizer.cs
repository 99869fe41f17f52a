using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>
/// SGD with momentum, PyTorch's form:
/// <code>
/// velocity = μ·velocity + g
/// w       −= lr·velocity
/// </code>
/// </summary>
internal sealed class SgdOptimizer<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _momentum;

    /// <summary>Creates the optimizer; momentum 0 gives plain SGD.</summary>
    public SgdOptimizer(double momentum) : base(stateArrays: 1) => _momentum = T.CreateChecked(momentum);

    /// <inheritdoc />
    protected override void Apply(Span<T> weights, ReadOnlySpan<T> gradients, double learningRate, long step)
    {
        T[] velocity = State(0, weights.Length);
        T lr = T.CreateChecked(learningRate);
        for (int i = 0; i < weights.Length; i++)
        {
            velocity[i] = _momentum * velocity[i] + gradients[i];
            weights[i] -= lr * velocity[i];
        }
    }
}
