namespace RnnMlNet;

/// <summary>How the learning rate changes over training, as a function of progress measured in epochs.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>Multiplies the rate by <paramref name="factor"/> every <paramref name="everyEpochs"/> epochs.</summary>
    public static LearningRateSchedule Step(int everyEpochs, double factor)
    {
        if (everyEpochs < 1) throw new ArgumentOutOfRangeException(nameof(everyEpochs), everyEpochs, "Expected at least 1 epoch.");
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a factor in (0, 1].");
        return new StepSchedule(everyEpochs, factor);
    }

    /// <summary>Cosine annealing from the base rate down to <paramref name="minimumRate"/> at the end of training.</summary>
    public static LearningRateSchedule Cosine(double minimumRate = 0)
    {
        if (!(minimumRate >= 0 && double.IsFinite(minimumRate))) throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "Expected a non-negative finite rate.");
        return new CosineSchedule(minimumRate);
    }

    /// <summary>
    /// A linear warm-up from near 0 to the base rate over the first <paramref name="warmupEpochs"/> epochs (fractional
    /// within an epoch), then <paramref name="after"/> over the remaining epochs as if training started there. Warm-up keeps
    /// Adam's first, poorly estimated steps small.
    /// </summary>
    public static LearningRateSchedule WarmUp(double warmupEpochs, LearningRateSchedule after)
    {
        if (!(warmupEpochs > 0 && double.IsFinite(warmupEpochs))) throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "Expected a positive number of epochs.");
        ArgumentNullException.ThrowIfNull(after);
        return new WarmUpSchedule(warmupEpochs, after);
    }

    /// <summary>
    /// Multiplies the rate by <paramref name="factor"/> whenever the validation loss has not improved for
    /// <paramref name="patience"/> epochs (the epochs without validation leave the rate alone). Needs validation
    /// examples to act. Each Fit, and each network of an ensemble, follows its own validation loss from a fresh start.
    /// </summary>
    public static LearningRateSchedule ReduceOnPlateau(double factor = 0.5, int patience = 1)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a factor in (0, 1).");
        if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), patience, "Expected at least 1 epoch.");
        return new PlateauSchedule(factor, patience);
    }

    /// <summary>The schedule one Fit follows: this one, or for a schedule that learns from validation a fresh copy, so that
    /// no two trainings (each Fit, an ensemble's networks trained side by side) share what it learned.</summary>
    internal virtual LearningRateSchedule Fresh() => this;

    /// <summary>Called by the trainer after each epoch with its validation loss (null without validation examples).</summary>
    internal virtual void EndEpoch(double? validationLoss)
    {
    }

    /// <summary>The rate after <paramref name="epochsDone"/> epochs (fractional within an epoch) of <paramref name="totalEpochs"/>.</summary>
    public abstract double Rate(double baseRate, double epochsDone, int totalEpochs);

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override double Rate(double baseRate, double epochsDone, int totalEpochs) => baseRate;

        public override string ToString() => "Constant";
    }

    private sealed class StepSchedule(int everyEpochs, double factor) : LearningRateSchedule
    {
        public override double Rate(double baseRate, double epochsDone, int totalEpochs) =>
            baseRate * Math.Pow(factor, Math.Floor(epochsDone / everyEpochs));

        public override string ToString() => FormattableString.Invariant($"Step({everyEpochs}, {factor:R})");
    }

    private sealed class WarmUpSchedule(double warmupEpochs, LearningRateSchedule after) : LearningRateSchedule
    {
        public override double Rate(double baseRate, double epochsDone, int totalEpochs) => epochsDone < warmupEpochs
            ? baseRate * Math.Max(epochsDone, 1e-3 * warmupEpochs) / warmupEpochs
            : after.Rate(baseRate, epochsDone - warmupEpochs, Math.Max(1, (int)Math.Ceiling(totalEpochs - warmupEpochs)));

        public override string ToString() => FormattableString.Invariant($"WarmUp({warmupEpochs:R}, {after})");

        // The schedule after the warm-up hears of every epoch, so reduce-on-plateau after a warm-up acts.
        internal override LearningRateSchedule Fresh() => new WarmUpSchedule(warmupEpochs, after.Fresh());

        internal override void EndEpoch(double? validationLoss) => after.EndEpoch(validationLoss);
    }

    private sealed class PlateauSchedule(double factor, int patience) : LearningRateSchedule
    {
        private double _scale = 1, _best = double.PositiveInfinity;
        private int _epochsWithoutImprovement;

        public override double Rate(double baseRate, double epochsDone, int totalEpochs) => baseRate * _scale;

        public override string ToString() => FormattableString.Invariant($"ReduceOnPlateau({factor:R}, {patience})");

        internal override LearningRateSchedule Fresh() => new PlateauSchedule(factor, patience);

        internal override void EndEpoch(double? validationLoss)
        {
            if (validationLoss is not double loss) return;
            if (loss < _best)
            {
                (_best, _epochsWithoutImprovement) = (loss, 0);
                return;
            }
            if (++_epochsWithoutImprovement < patience) return;
            _scale *= factor;
            _epochsWithoutImprovement = 0;
        }
    }

    private sealed class CosineSchedule(double minimumRate) : LearningRateSchedule
    {
        public override double Rate(double baseRate, double epochsDone, int totalEpochs) =>
            minimumRate + (baseRate - minimumRate) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, epochsDone / totalEpochs)));

        public override string ToString() => FormattableString.Invariant($"Cosine({minimumRate:R})");
    }
}
