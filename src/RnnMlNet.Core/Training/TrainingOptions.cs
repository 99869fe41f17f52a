using RnnMlNet.Core.Optimizers;

namespace RnnMlNet.Core.Training;

/// <summary>How to train. Every default is stated on its property.</summary>
public sealed class TrainingOptions
{
    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; set; } = Defaults.Epochs;

    /// <summary>Fewest gradient steps: when <see cref="Epochs"/> passes over the data make fewer, training runs as many more
    /// epochs as it takes (known from the source's count, or after the first epoch), so small data is not under-trained.
    /// Default 0 (exactly <see cref="Epochs"/> epochs).</summary>
    public int MinimumSteps { get; set; }

    /// <summary>Sequences per gradient step. Default 32.</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Base learning rate. Default 1e-3.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>Optimizer and hyper-parameters. Default Adam with PyTorch's defaults.</summary>
    public OptimizerSettings Optimizer { get; set; } = new();

    /// <summary>Learning-rate schedule. Default constant.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Rescales the gradient when its global L2 norm exceeds this. Default 5; null turns it off.</summary>
    public double? ClipNorm { get; set; } = Defaults.ClipNorm;

    /// <summary>Stops training that blows up while staying finite: when the mean loss of the last 20 batches exceeds this
    /// factor times the first batch's loss (at least 0.1, so that fine-tuning, which starts near a loss of 0.001, is not
    /// taken for a blow-up), the network gets back the weights of the last finished epoch (or its starting
    /// weights) and <see cref="TrainingDivergedException"/> is thrown; a run of fewer than 20 batches is checked on the
    /// mean of all of them when it ends. Default 10; null turns the check off (NaN and infinite losses always stop
    /// training).</summary>
    public double? DivergenceFactor { get; set; } = Defaults.DivergenceFactor;

    /// <summary>Clamps each gradient into [−v, v]. Default null (off).</summary>
    public double? ClipValue { get; set; }

    /// <summary>Seed of shuffling and dropout. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Shuffle the examples every epoch. Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Examples held for shuffling a streamed epoch: a full shuffle when the data fits. Default 10,000.</summary>
    public int ShuffleBufferSize { get; set; } = Defaults.ShuffleBufferSize;

    /// <summary>Group sequences of similar length into the same batch, so ragged batches waste little work. Default true.</summary>
    public bool BucketByLength { get; set; } = true;

    /// <summary>Read each training sequence longer than this many steps as a window of this many consecutive steps, at a start
    /// drawn anew each epoch (from a seeded stream of its own, which leaves the shuffling unchanged); validation, and the
    /// network afterwards, read whole sequences. A long document then costs at most this many steps an epoch, and the
    /// network learns from every part of it rather than from one reading of all of it. For targets that describe the whole
    /// sequence (a network whose head reads the pooled or final state), which no window changes; refused for a head on
    /// every step and for encoder–decoders. Default 0 (whole sequences).</summary>
    public int TrainingWindow { get; set; }

    /// <summary>Stop when the validation loss (or, with <see cref="EarlyStoppingMetric"/>, the error rate) has not improved
    /// for this many epochs, and restore the best weights (or the mean of the best epochs', <see cref="AveragedEpochs"/>).
    /// Default null (off).</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>What early stopping watches on the validation examples. Default <see cref="RnnMlNet.EarlyStoppingMetric.Loss"/>.</summary>
    public EarlyStoppingMetric EarlyStoppingMetric { get; set; } = EarlyStoppingMetric.Loss;

    /// <summary>With early stopping, the network ends with the mean of the weights of this many best epochs by
    /// <see cref="EarlyStoppingMetric"/> (fewer if fewer were validated) rather than the best epoch's alone: weight
    /// averaging over epochs, as in stochastic weight averaging (Izmailov et al. 2018). Default 1 (the best epoch's weights);
    /// above 1 needs <see cref="EarlyStoppingPatience"/>.</summary>
    public int AveragedEpochs { get; set; } = 1;

    /// <summary>How the caller chose the validation rows, unless they are none or a seeded tenth of the rows by their
    /// positions (the hold-outs fingerprinted before this setting existed, which the checkpoint tells apart itself): for
    /// example "0.2 of the rows", "groups of Address" (the ML.NET trainers' sampling key) or "the validation data given".
    /// Part of a checkpoint's fingerprint, so that a resume, or a data-parallel process, that would train or validate on
    /// other rows is refused. Default null.</summary>
    public string? HoldOutDescription { get; set; }

    /// <summary>How the caller scaled the labels or inputs the sources give, if it did: for example the ML.NET trainers'
    /// standardisation of a regressor's label, "label (x - 9631.5) / 1142.3". Part of a checkpoint's fingerprint, so that a
    /// resume whose data were scaled otherwise (weights trained on other inputs, towards other targets) is refused.
    /// Default null: the data as given.</summary>
    public string? DataScaling { get; set; }

    /// <summary>The caller's own settings that change what training reads or starts from, each a name and a value: for
    /// example the ML.NET trainers' ("MaximumLength", "the first 200 steps of each sequence") and a digest of the weights
    /// training starts from. Part of a checkpoint's fingerprint, after every setting above, so that a resume under another
    /// value is refused naming the setting. Default none.</summary>
    public IReadOnlyList<(string Setting, string Value)> CallerSettings { get; set; } = [];

    /// <summary>
    /// A file where training saves its state after every epoch (weights, optimizer state, history, the best epochs' weights so far),
    /// written to a temporary file and renamed. When the file exists as training starts, and was written by training with
    /// the same options and network, training resumes after its last epoch and ends with the weights an uninterrupted run
    /// would have, given the same data in the same order. The file is deleted when training finishes. Default null (none).
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Also write the checkpoint every this many batches within an epoch, for long epochs: a resumed run goes on
    /// from the last of them. Default null (at the end of each epoch only).</summary>
    public int? CheckpointEveryBatches { get; set; }

    /// <summary>Train across processes (and machines): each global batch of <see cref="BatchSize"/> is split into shards
    /// whose gradients the processes compute and sum in a fixed order, so every process applies the same update. Every
    /// process must train with the same options and data. Default null (this process alone).</summary>
    public DataParallelOptions? DataParallel { get; set; }

    /// <summary>Record the gradient reaching each time step (‖∂L/∂h_t‖ per layer and direction) after every batch, averaged
    /// into <see cref="EpochReport.GradientFlow"/>: how far back through time the network learns, epoch by epoch. Costs one
    /// pass over the stored step gradients per batch. Networks only (not encoder–decoders); data-parallel, this rank's last
    /// shard. Default false.</summary>
    public bool RecordGradientFlow { get; set; }

    /// <summary>Called after every batch.</summary>
    public Action<BatchReport>? OnBatch { get; set; }

    /// <summary>Called after every epoch.</summary>
    public Action<EpochReport>? OnEpoch { get; set; }

    /// <summary>Stops training between batches; <see cref="OperationCanceledException"/> is thrown and the weights of the last finished batch are kept.</summary>
    public CancellationToken CancellationToken { get; set; }

    internal void Validate()
    {
        OptionChecks.Require(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        OptionChecks.Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        OptionChecks.Require(MinimumSteps >= 0, nameof(MinimumSteps), MinimumSteps, "0 or more");
        OptionChecks.Require(TrainingWindow >= 0, nameof(TrainingWindow), TrainingWindow, "0 (whole sequences) or more");
        OptionChecks.Require(ShuffleBufferSize >= 1, nameof(ShuffleBufferSize), ShuffleBufferSize, "at least 1");
        OptionChecks.Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a positive finite rate");
        OptionChecks.Require(ClipNorm is null || ClipNorm > 0, nameof(ClipNorm), ClipNorm, "a positive norm or null");
        OptionChecks.Require(ClipValue is null || ClipValue > 0, nameof(ClipValue), ClipValue, "a positive value or null");
        OptionChecks.Require(DivergenceFactor is null || (DivergenceFactor > 1 && double.IsFinite(DivergenceFactor.Value)), nameof(DivergenceFactor), DivergenceFactor, "a finite factor above 1, or null");
        OptionChecks.Require(CheckpointEveryBatches is null || CheckpointEveryBatches >= 1, nameof(CheckpointEveryBatches), CheckpointEveryBatches, "at least 1, or null");
        OptionChecks.Require(Enum.IsDefined(EarlyStoppingMetric), nameof(EarlyStoppingMetric), EarlyStoppingMetric, "Loss or ErrorRate");
        OptionChecks.Require(EarlyStoppingPatience is null || EarlyStoppingPatience >= 1, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "at least 1 or null");
        OptionChecks.Require(AveragedEpochs >= 1 && (AveragedEpochs == 1 || EarlyStoppingPatience is not null), nameof(AveragedEpochs), AveragedEpochs,
            "at least 1, and 1 without early stopping (EarlyStoppingPatience), which ranks the epochs");
        ArgumentNullException.ThrowIfNull(CallerSettings, nameof(CallerSettings));
        OptionChecks.Require(CallerSettings.All(s => s.Setting.Length > 0 && s.Value.Length > 0 && !s.Value.Contains('|')), nameof(CallerSettings),
            string.Join(", ", CallerSettings.Select(s => $"{s.Setting}: {s.Value}")), "a name and a value without '|' for each setting");
        ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        Optimizer.Validate();
        DataParallel?.Validate(BatchSize);
    }
}
