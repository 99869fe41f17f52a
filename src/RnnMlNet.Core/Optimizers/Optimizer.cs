using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>Updates the flat weight buffer from the flat gradient buffer, keeping its own per-weight state.</summary>
internal abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Per-weight state arrays (Adam's two moments, SGD's velocity, RMSprop's mean square), made at the first update.
    private readonly T[]?[] _state;

    private protected Optimizer(int stateArrays) => _state = new T[]?[stateArrays];

    /// <summary>Number of updates applied so far.</summary>
    public long Steps { get; private set; }

    /// <summary>The optimizer's state, for a checkpoint: the step count and each per-weight array (null before the first update).</summary>
    public (long Steps, T[]?[] State) Export() => (Steps, _state.Select(s => (T[]?)s?.Clone()).ToArray());

    /// <summary>Restores the state <see cref="Export"/> gave.</summary>
    public void Import(long steps, T[]?[] state)
    {
        if (state.Length != _state.Length) throw new ArgumentException($"The optimizer keeps {_state.Length} state arrays; {state.Length} were given.", nameof(state));
        Steps = steps;
        for (int i = 0; i < state.Length; i++) _state[i] = (T[]?)state[i]?.Clone();
    }

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

    /// <summary>State array <paramref name="slot"/>, of one value per weight.</summary>
    private protected T[] State(int slot, int length) => _state[slot] ??= new T[length];
}
