namespace RnnMlNet.Core.Training;

/// <summary>An epoch's result on the validation examples: the mean loss, and for a classifier the error rate.</summary>
internal readonly record struct Validation(double Loss, double? ErrorRate)
{
    /// <summary>Worse than any result: what the first validated epoch is compared with.</summary>
    public static Validation None => new(double.PositiveInfinity, double.PositiveInfinity);

    /// <summary>An epoch's validation as its report holds it.</summary>
    public static Validation Of(EpochReport report) => new(report.ValidationLoss ?? double.PositiveInfinity, report.ValidationErrorRate ?? double.PositiveInfinity);

    /// <summary>Whether this is better than <paramref name="best"/> by <paramref name="metric"/>: a lower loss, or fewer
    /// errors with a lower loss breaking ties. A NaN loss is never better: its predictions are not to be trusted.</summary>
    public bool IsBetterThan(Validation best, EarlyStoppingMetric metric) => metric == EarlyStoppingMetric.Loss
        ? Loss < best.Loss
        : !double.IsNaN(Loss) && (ErrorRate < best.ErrorRate || (ErrorRate == best.ErrorRate && Loss < best.Loss));
}

/// <summary>Sums over validation batches (and, data-parallel, over shards), in a fixed order.</summary>
internal struct ValidationSums
{
    public double LossSum, Weight, Errors, Predictions;

    public void Add((double Loss, double Weight, double Errors, double Predictions) batch)
    {
        LossSum += batch.Loss * batch.Weight;
        Weight += batch.Weight;
        Errors += batch.Errors;
        Predictions += batch.Predictions;
    }

    /// <summary>The mean loss and error rate; null when no example was seen, as there is then nothing to compare.</summary>
    public readonly Validation? Result => Weight > 0 ? new(LossSum / Weight, Predictions > 0 ? Errors / Predictions : null) : null;
}
