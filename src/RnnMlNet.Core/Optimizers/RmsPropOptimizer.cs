using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>
/// RMSprop, PyTorch's form:
/// <code>
/// s  = ρ·s + (1 − ρ)·g²
/// w −= lr · g / (√s + ε)
/// </code>
/// </summary>
internal sealed class RmsPropOptimizer<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _decay, _epsilon;

    /// <summary>Creates the optimizer.</summary>
    public RmsPropOptimizer(double decay, double epsilon) : base(stateArrays: 1)
    {
        _decay = T.CreateChecked(decay);
        _epsilon = T.CreateChecked(epsilon);
    }

    /// <inheritdoc />
    protected override void Apply(Span<T> weights, ReadOnlySpan<T> gradients, double learningRate, long step)
    {
        T[] s = State(0, weights.Length);
        T lr = T.CreateChecked(learningRate);
        for (int i = 0; i < weights.Length; i++)
        {
            T g = gradients[i];
            s[i] = _decay * s[i] + (T.One - _decay) * g * g;
            weights[i] -= lr * g / (T.Sqrt(s[i]) + _epsilon);
        }
    }
}
