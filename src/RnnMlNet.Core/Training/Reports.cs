namespace RnnMlNet;

/// <summary>One gradient step: its mean loss, the gradient's global norm before clipping, the learning rate used, the time
/// since training began, and the sequences trained and the time spent in this epoch so far. BatchesInEpoch is 0 while the
/// first epoch of a source of unknown size runs.</summary>
public sealed record BatchReport(int Epoch, int Batch, int BatchesInEpoch, double Loss, double GradientNorm, double LearningRate, TimeSpan Elapsed,
    int RowsInEpoch, TimeSpan EpochElapsed)
{
    /// <summary>Sequences trained per second in this epoch so far.</summary>
    public double RowsPerSecond => EpochElapsed > TimeSpan.Zero ? RowsInEpoch / EpochElapsed.TotalSeconds : 0;

    /// <summary>The time this epoch still needs at its pace so far; null while the number of batches is unknown.</summary>
    public TimeSpan? EpochRemaining => BatchesInEpoch > 0 ? EpochElapsed / Batch * Math.Max(0, BatchesInEpoch - Batch) : null;

    /// <summary>Which network of an ensemble is training, from 1 (set by the ML.NET estimators' <c>EnsembleSize</c>); 1 for a
    /// single network.</summary>
    public int Member { get; init; } = 1;
}

/// <summary>One epoch: mean training loss over its batches, validation loss when validation data was given, and the time
/// since training began (not the epoch's own duration).</summary>
public sealed record EpochReport(int Epoch, double TrainingLoss, double? ValidationLoss, double MeanGradientNorm, TimeSpan Elapsed)
{
    /// <summary>The share of wrong predictions on the validation examples (each counted with its class's weight when the loss
    /// has class weights), for a classifier given validation data; null otherwise.</summary>
    public double? ValidationErrorRate { get; init; }

    /// <summary>Which network of an ensemble trained the epoch, from 1 (set by the ML.NET estimators'
    /// <c>EnsembleSize</c>); 1 for a single network.</summary>
    public int Member { get; init; } = 1;

    /// <summary>The learning rate of the epoch's last batch; for an epoch resumed from a checkpoint, of its last batch since
    /// the resume. Null in reports read back from a checkpoint, and when no batch ran.</summary>
    public double? LearningRate { get; init; }

    /// <summary>With <c>RecordGradientFlow</c>: the gradient reaching each time step, ‖∂L/∂h_t‖ by [layer][direction][step]
    /// (as <c>RecurrentNetwork.GradientReachingEachStep</c> gives it after each batch), averaged over the epoch's batches
    /// that have the step (for an epoch resumed from a checkpoint, the batches since the resume). Null otherwise, for
    /// encoder–decoders, in reports read back from a checkpoint, and in a saved model's summary.</summary>
    public double[][][]? GradientFlow { get; init; }
}

/// <summary>Everything training reported, plus which epoch's weights the network ended with.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochReport> epochs, int keptEpoch, bool stoppedEarly, IReadOnlyList<int> averagedEpochs)
    {
        Epochs = epochs;
        KeptEpoch = keptEpoch;
        StoppedEarly = stoppedEarly;
        AveragedEpochs = averagedEpochs;
    }

    /// <summary>One report per epoch run.</summary>
    public IReadOnlyList<EpochReport> Epochs { get; }

    /// <summary>The epoch (from 1) whose weights the network holds: the last, or with early stopping the best by the validation
    /// result (the first of <see cref="AveragedEpochs"/> when it holds their mean).</summary>
    public int KeptEpoch { get; }

    /// <summary>The epochs whose weights the network holds the mean of, best first (<see cref="RnnMlNet.Core.Training.TrainingOptions.AveragedEpochs"/>);
    /// <see cref="KeptEpoch"/> alone when one epoch's weights are kept.</summary>
    public IReadOnlyList<int> AveragedEpochs { get; }

    /// <summary>Whether early stopping ended training before the last epoch.</summary>
    public bool StoppedEarly { get; }
}
