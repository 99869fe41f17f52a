using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>
/// Adam, and AdamW when weight decay λ &gt; 0:
/// <code>
/// w        −= lr·λ·w                                 (AdamW only: decoupled decay)
/// m         = β₁·m + (1 − β₁)·g
/// v         = β₂·v + (1 − β₂)·g²
/// w        −= lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// </code>
/// </summary>
internal sealed class AdamOptimizer<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _beta1, _beta2, _epsilon, _weightDecay;

    /// <summary>Creates the optimizer.</summary>
    public AdamOptimizer(double beta1, double beta2, double epsilon, double weightDecay) : base(stateArrays: 2)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    protected override void Apply(Span<T> weights, ReadOnlySpan<T> gradients, double learningRate, long step)
    {
        T[] m = State(0, weights.Length), v = State(1, weights.Length);
        T beta1 = T.CreateChecked(_beta1), beta2 = T.CreateChecked(_beta2);
        T oneMinusBeta1 = T.One - beta1, oneMinusBeta2 = T.One - beta2;
        T stepSize = T.CreateChecked(learningRate / (1 - Math.Pow(_beta1, step)));
        T secondCorrection = T.CreateChecked(1 / (1 - Math.Pow(_beta2, step)));
        T epsilon = T.CreateChecked(_epsilon), decay = T.One - T.CreateChecked(learningRate * _weightDecay);
        // Vector lanes round exactly like the scalar tail (no fused operations), so the split does not change results.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vBeta1 = new Vector<T>(beta1); var vBeta2 = new Vector<T>(beta2);
            var vOneMinusBeta1 = new Vector<T>(oneMinusBeta1); var vOneMinusBeta2 = new Vector<T>(oneMinusBeta2);
            var vStep = new Vector<T>(stepSize); var vCorrection = new Vector<T>(secondCorrection);
            var vEpsilon = new Vector<T>(epsilon); var vDecay = new Vector<T>(decay);
            for (; i <= weights.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(gradients.Slice(i));
                var mi = vBeta1 * new Vector<T>(m, i) + vOneMinusBeta1 * g;
                var vi = vBeta2 * new Vector<T>(v, i) + vOneMinusBeta2 * g * g;
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                (new Vector<T>(weights.Slice(i)) * vDecay - vStep * mi / (Vector.SquareRoot(vi * vCorrection) + vEpsilon)).CopyTo(weights.Slice(i));
            }
        }
        for (; i < weights.Length; i++)
        {
            T g = gradients[i];
            m[i] = beta1 * m[i] + oneMinusBeta1 * g;
            v[i] = beta2 * v[i] + oneMinusBeta2 * g * g;
            weights[i] = weights[i] * decay - stepSize * m[i] / (T.Sqrt(v[i] * secondCorrection) + epsilon);
        }
    }
}
