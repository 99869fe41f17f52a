using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>Updates the flat weight buffer from the flat gradient buffer, keeping its own per-weight state.</summary>
internal abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of updates applied so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/>.</summary>
    public void Update(Span<T> weights, ReadOnlySpan<T> gradients, double learningRate)
    {
        if (weights.Length != gradients.Length) throw new ArgumentException("Weights and gradients differ in length.");
        Steps++;
        Apply(weights, gradients, learningRate, Steps);
    }

    /// <summary>The update rule; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Apply(Span<T> weights, ReadOnlySpan<T> gradients, double learningRate, long step);

    /// <summary>Creates an optimizer from the trainer's settings.</summary>
    public static Optimizer<T> Create(OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return settings.Kind switch
        {
            OptimizerKind.Sgd => new SgdOptimizer<T>(settings.Momentum),
            OptimizerKind.Adam => new AdamOptimizer<T>(settings.Beta1, settings.Beta2, settings.Epsilon, weightDecay: 0),
            OptimizerKind.AdamW => new AdamOptimizer<T>(settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay),
            OptimizerKind.RmsProp => new RmsPropOptimizer<T>(settings.Decay, settings.Epsilon),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown optimizer."),
        };
    }

    private protected static T[] State(ref T[]? state, int length) => state ??= new T[length];
}
