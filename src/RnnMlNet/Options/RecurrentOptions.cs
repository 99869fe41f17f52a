using System.Globalization;
using RnnMlNet.Core;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet;

/// <summary>
/// The architecture and training settings every RnnMlNet estimator shares: the classifiers and regressors
/// (<see cref="Trainers.RecurrentTrainerOptions"/>), the tagger, the generator and the sequence-to-sequence model.
/// This is the one place where they are mapped onto the engine's <see cref="NetworkOptions"/>,
/// <see cref="EncoderDecoderOptions"/> and <see cref="TrainingOptions"/>, and checked.
/// </summary>
public abstract class RecurrentOptions
{
    private protected RecurrentOptions(RecurrentDefaults.Family family)
    {
        EmbeddingSize = family.EmbeddingSize;
        HiddenSize = family.HiddenSize;
        _unchosenHiddenSize = family.HiddenSize ?? RecurrentDefaults.HiddenSize;
        LearningRate = family.LearningRate;
    }

    private readonly int _unchosenHiddenSize;

    /// <summary>Token embedding width. Default 64 for the classifiers and the tagger (where 0 feeds one-hot tokens
    /// straight into the cell), 32 for the generator and the sequence-to-sequence model.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>Hidden units per direction. Default 64 for the tagger, 128 for the text models (null means these too); for the
    /// classifiers and the regressor null, automatic: 128 for short token sequences and 64 otherwise (see
    /// <see cref="Trainers.RecurrentTrainerOptions.Pooling"/>).</summary>
    public int? HiddenSize { get; set; }

    /// <summary>The hidden units of these options where the data chooses nothing: a null size is the family's default then
    /// (64 for the classifiers and the tagger, 128 for the text models).</summary>
    internal int HiddenSizeOrDefault => HiddenSize ?? _unchosenHiddenSize;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int Layers { get; set; } = RecurrentDefaults.Layers;

    /// <summary>Dropout between recurrent layers, in [0, 1): variational, one mask per sequence shared by all its steps.
    /// Default 0.</summary>
    public double Dropout { get; set; } = RecurrentDefaults.Dropout;

    /// <summary>Initial bias of the LSTM forget gate (other cells have none and ignore it). Default 1, f = σ(1) ≈ 0.73,
    /// so a new cell starts by remembering; raise it (3 gives f ≈ 0.95) when the signal lies a hundred steps or more
    /// back. Must be finite.</summary>
    public double ForgetGateBias { get; set; } = RecurrentDefaults.ForgetGateBias;

    /// <summary>Optimizer and its hyper-parameters. Default Adam with PyTorch's defaults (see <see cref="OptimizerSettings"/>).</summary>
    public OptimizerSettings Optimizer { get; set; } = new();

    /// <summary>Base learning rate. Default 2e-3 for the classifiers and the tagger, 3e-3 for the text models.</summary>
    public double LearningRate { get; set; }

    /// <summary>How the learning rate changes over training. Default constant.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Passes over the data. Default null: automatic, 10 passes, or as many more as it takes to make 1,000 gradient
    /// steps for token sequences (8,000 for float steps, which hold nothing out for early stopping), so a few hundred rows
    /// are trained as well as many thousands (ten rows in one batch train 1,000 epochs; 5,000 rows of tokens, about 141 batches
    /// once the automatic hold-out has taken its tenth, train 10). A number trains exactly that many.</summary>
    public int? Epochs { get; set; }

    /// <summary>Sequences per gradient step. Default 32.</summary>
    public int BatchSize { get; set; } = RecurrentDefaults.BatchSize;

    /// <summary>Gradient clipping by global norm. Default 5; null turns it off.</summary>
    public double? ClipNorm { get; set; } = RecurrentDefaults.ClipNorm;

    /// <summary>Gradient clipping by value. Default null (off).</summary>
    public double? ClipValue { get; set; }

    /// <summary>Stops training that blows up while staying finite: when the mean loss of the last 20 batches exceeds this
    /// factor times the first batch's loss (at least 0.1, so that fine-tuning a trained model is not taken for a blow-up),
    /// Fit throws an exception that suggests clipping or a lower rate; a run of fewer than 20 batches is checked on the mean
    /// of all of them when it ends. Default 10; null turns the check off (NaN and infinite losses always stop training).</summary>
    public double? DivergenceFactor { get; set; } = RecurrentDefaults.DivergenceFactor;

    /// <summary>Fraction of rows held out to measure validation loss each epoch, in [0, 1), chosen by a seeded hash of the
    /// row position (of the row's group, for the trainers' <c>SamplingKeyColumnName</c>), the same way in every estimator,
    /// epoch and process. Default null: automatic, for token sequences 10% with
    /// early stopping (patience 3, best weights kept) once there are 1,000 rows or more, nothing below that; nothing for
    /// float steps, which are often a time series where a random hold-out validates on days between training days
    /// (0.1 for the generator). The trainers' <c>Fit(train, validation)</c> holds nothing out, whatever this is: the
    /// validation data given drives early stopping.</summary>
    public double? ValidationFraction { get; set; }

    /// <summary>Hold out the last <see cref="ValidationFraction"/> of the rows, in the data's order, instead of a seeded random
    /// sample: for a time series in time order, where a random hold-out validates on days between training days and so
    /// leaks the future. Needs a <see cref="ValidationFraction"/> above 0. Default false.</summary>
    public bool HoldOutLastRows { get; set; }

    /// <summary>Stop after this many epochs without a better validation result (see <see cref="EarlyStoppingMetric"/>) and
    /// keep the best weights (or the mean of the best epochs', see <see cref="AveragedEpochs"/>); needs a
    /// <see cref="ValidationFraction"/> that is not 0 (with null, 10% is held out). Default null: 3 when the validation
    /// split is automatic and holds rows out, or when <c>Fit(train, validation)</c> is given validation data; otherwise off.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>What early stopping watches on the validation rows, and so which epoch's weights are kept. Default null: the
    /// error rate for the binary and multiclass classifiers (their validation loss often rises from growing confidence
    /// while they still get more rows right, so it would stop them early), the loss otherwise (the tagger included).</summary>
    public EarlyStoppingMetric? EarlyStoppingMetric { get; set; }

    /// <summary>With early stopping, the model keeps the mean of the weights of this many best epochs by the validation result
    /// (see <see cref="EarlyStoppingMetric"/>; fewer if fewer were validated) rather than the best epoch's alone: weight
    /// averaging over epochs, as in stochastic weight averaging (Izmailov et al. 2018). Above 1 it needs early stopping to
    /// rank the epochs: a <see cref="ValidationFraction"/> left null, one set by hand with <see cref="EarlyStoppingPatience"/>,
    /// or validation data given to <c>Fit(train, validation)</c>;
    /// when no early stopping runs (fewer than 1,000 rows with the automatic
    /// hold-out), the last epoch's weights are kept. A checkpoint written with another setting is refused on resume (set 1
    /// to resume a wide-and-deep run checkpointed before averaging existed). Default null: 3 for wide and deep (a
    /// <see cref="Trainers.RecurrentTrainerOptions.SideFeatureColumnName"/>), whose accuracy it raised on names and spam,
    /// 1 otherwise, since it did not raise the LSTM's alone (README, "Wide and deep").</summary>
    public int? AveragedEpochs { get; set; }

    /// <summary>Examples held for shuffling while rows stream in: a full shuffle when the data fits. Default 10,000.</summary>
    public int ShuffleBufferSize { get; set; } = RecurrentDefaults.ShuffleBufferSize;

    /// <summary>Seed of initialisation, shuffling, dropout, the validation split and sampling. Default 0.</summary>
    public int Seed { get; set; } = RecurrentDefaults.Seed;

    /// <summary>Threads for training. Default: every core. Results do not depend on it. An ensemble
    /// (<see cref="Trainers.RecurrentTrainerOptions.EnsembleSize"/>) trains as many of its networks at once as there are
    /// threads, each with its share of them; once none is left to start, a network that ends hands its threads to one still
    /// training.</summary>
    public int Threads { get; set; } = Core.Defaults.Threads;

    /// <summary>Receives a report after every epoch, on the training thread (an ensemble's networks, trained side by side,
    /// report from their own threads, one <c>Report</c> call at a time). <see cref="Progress{T}"/> posts each report on
    /// to the thread pool, so console output can arrive late and, in an ensemble, two reports' handlers can run at once;
    /// <see cref="ImmediateProgress{T}"/> runs its handler within <c>Report</c>, at once and one at a time. A regressor's
    /// losses are of its standardised label (<see cref="Trainers.LabelStandardisation"/>).</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Receives a report after every gradient step, on the training thread (an ensemble's: as for <see cref="Progress"/>): loss, sequences per second and the time
    /// the epoch still needs (<see cref="BatchReport.RowsPerSecond"/>, <see cref="BatchReport.EpochRemaining"/>). Default null.</summary>
    public IProgress<BatchReport>? BatchProgress { get; set; }

    /// <summary>PyTorch's parameterisation of SimpleRNN and LSTM: two bias vectors per gate (b_ih and b_hh) trained
    /// separately, so fine-tuning from PyTorch's weights takes PyTorch's steps (the same function; each optimizer step moves
    /// their sum twice as far). <see cref="Onnx.ImportedRecurrentModel.ToTrainerOptions"/> sets it for imported PyTorch
    /// models. GRU always keeps both; the sequence-to-sequence model keeps one. Default false.</summary>
    public bool SeparateBiases { get; set; }

    /// <summary>Record the gradient reaching each time step after every batch, averaged per epoch into
    /// <see cref="EpochReport.GradientFlow"/> (seen through <see cref="Progress"/> and the estimator's history): how far back
    /// through time the network learns. Draw it with RnnMlNet.Plots. Classifiers, regressors and taggers; null for the
    /// sequence-to-sequence model. Default false.</summary>
    public bool RecordGradientFlow { get; set; }

    /// <summary>Stops training between batches with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>A folder where training saves its state after every epoch (file <c>rnnmlnet.checkpoint</c>: weights, optimizer
    /// state, history), written atomically. A Fit with the same options and data that finds the file resumes after its last
    /// epoch and ends with the model an uninterrupted run would give; a run killed or cancelled loses only the epoch under way.
    /// One written with other options is refused naming the first setting that differs, held-out rows included (another
    /// <see cref="ValidationFraction"/> or <see cref="HoldOutLastRows"/>, the trainers' sampling key or validation data, or
    /// none against some), and the trainers' MaximumLength and InitialWeights. A folder that cannot be written fails when
    /// Fit starts, not after the first epoch. The file is deleted when training finishes. Use one folder per training run.
    /// Default null (no checkpoints); an empty name is refused.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>With <see cref="CheckpointDirectory"/> (and refused without it): also write the checkpoint every this many
    /// batches within an epoch, for long epochs. Default null (at each epoch's end only).</summary>
    public int? CheckpointEveryBatches { get; set; }

    /// <summary>Train across processes or machines (for example under <c>mpirun</c>, with RnnMlNet.Mpi's
    /// <c>MpiCommunicator</c>): every process runs the same pipeline on the same data with the same options; each trains
    /// on its shards' rows (row index modulo <see cref="DataParallelOptions.Shards"/>), the gradients are combined in a fixed
    /// order, and <c>Fit</c> returns the same model on every process, bit for bit the model one process with the same shards
    /// trains. With <see cref="CheckpointDirectory"/> rank 0 writes the checkpoint and every rank reads it, so the folder must
    /// be shared. Default null (this process alone).</summary>
    public DataParallelOptions? DataParallel { get; set; }

    /// <summary>Fewest epochs these options accept (the trainers accept 0 to package given weights).</summary>
    private protected virtual int MinimumEpochs => 1;

    /// <summary>What <see cref="Epochs"/> may be, for the message refusing it.</summary>
    private protected virtual string EpochsExpected => "null (automatic) or at least 1";

    /// <summary>Fewest embedding units (the trainers accept 0 for one-hot input).</summary>
    private protected virtual int MinimumEmbeddingSize => 1;

    /// <summary>The cell these options choose, where they choose one (the trainers take theirs from the catalog method).</summary>
    private protected virtual CellKind ChosenCell => RecurrentDefaults.Cell;

    /// <summary>What a null <see cref="AveragedEpochs"/> means for these options.</summary>
    private protected virtual int AutomaticAveragedEpochs => 1;

    /// <summary>The epochs whose weights are averaged under early stopping of patience <paramref name="patience"/> (null: none,
    /// so the last epoch's weights alone).</summary>
    internal int AveragedEpochsWith(int? patience) => patience is null ? 1 : AveragedEpochs ?? AutomaticAveragedEpochs;

    /// <summary>Which rows are held out for validation, and the early stopping that goes with them, for data of
    /// <paramref name="rows"/> rows of tokens or of float steps (see <see cref="ValidationFraction"/> and <see cref="EarlyStoppingPatience"/>).</summary>
    internal HoldOut HoldOutFor(long rows, bool tokens = true)
    {
        bool automatic = tokens && rows >= RecurrentDefaults.AutomaticValidationRows;
        double fraction = ValidationFraction
            ?? (automatic || EarlyStoppingPatience is not null ? RecurrentDefaults.AutomaticValidationFraction : 0);
        int? patience = EarlyStoppingPatience ?? (ValidationFraction is null && fraction > 0 ? RecurrentDefaults.AutomaticPatience : null);
        return new HoldOut(HoldOutLastRows ? ValidationSplit.Last(fraction, rows) : new ValidationSplit(fraction, Seed), patience);
    }

    /// <summary>The validation rows and the patience of early stopping on their loss (null for none).</summary>
    internal sealed record HoldOut(ValidationSplit Split, int? Patience);

    /// <summary>Splits in-memory examples by <paramref name="holdOut"/>, refusing a hold-out that left none of them for
    /// validation (a handful of <paramref name="what"/>) when early stopping needs some.</summary>
    internal (List<TExample> Training, List<TExample> Validation) SplitExamples<TExample>(HoldOut holdOut, IReadOnlyList<TExample> examples, string what)
    {
        var (training, validation) = holdOut.Split.Split(examples);
        if (holdOut.Patience is not null && validation.Count == 0)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The hold-out ({holdOut.Split.Describe(null) ?? "a tenth of the rows"}, Seed {Seed}) left none of the {examples.Count:N0} {what} for ") +
                "validation, and early stopping needs some: raise ValidationFraction or change Seed, or leave EarlyStoppingPatience unset.");
        return (training, validation);
    }

    /// <summary>The engine's training settings these options imply, with the hold-out chosen for the data, of tokens or
    /// of float steps, and the early stopping metric of the estimator when the options leave it automatic.</summary>
    internal TrainingOptions ToTrainingOptions(HoldOut holdOut, bool tokens = true, EarlyStoppingMetric automaticMetric = RnnMlNet.EarlyStoppingMetric.Loss) => new()
    {
        Epochs = Epochs ?? RecurrentDefaults.Epochs,
        MinimumSteps = Epochs is not null ? 0 : tokens ? RecurrentDefaults.TokenMinimumSteps : RecurrentDefaults.StepMinimumSteps,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Optimizer = Optimizer,
        Schedule = Schedule,
        ClipNorm = ClipNorm,
        ClipValue = ClipValue,
        DivergenceFactor = DivergenceFactor,
        Seed = Seed,
        ShuffleBufferSize = ShuffleBufferSize,
        EarlyStoppingPatience = holdOut.Split.HoldsOut ? holdOut.Patience : null,
        EarlyStoppingMetric = EarlyStoppingMetric ?? automaticMetric,
        AveragedEpochs = AveragedEpochsWith(holdOut.Split.HoldsOut ? holdOut.Patience : null),
        HoldOutDescription = holdOut.Split.Describe(groups: null),
        OnEpoch = Progress is { } progress ? progress.Report : null,
        OnBatch = BatchProgress is { } batchProgress ? batchProgress.Report : null,
        CancellationToken = CancellationToken,
        CheckpointPath = CheckpointDirectory is null ? null : Path.Combine(CheckpointDirectory, RecurrentDefaults.CheckpointFileName),
        CheckpointEveryBatches = CheckpointEveryBatches,
        DataParallel = DataParallel,
        RecordGradientFlow = RecordGradientFlow,
    };

    /// <summary>A network of these sizes; the caller sets its input, head and outputs, which depend on the data.</summary>
    internal virtual NetworkOptions ToNetworkOptions(CellKind cell) => new()
    {
        Cell = cell,
        EmbeddingSize = EmbeddingSize,
        HiddenSize = HiddenSizeOrDefault,
        Layers = Layers,
        Dropout = Dropout,
        SeparateBiases = SeparateBiases,
        ForgetGateBias = ForgetGateBias,
        Threads = Threads,
    };

    /// <summary>An encoder–decoder of these sizes over the given vocabularies.</summary>
    internal EncoderDecoderOptions ToEncoderDecoderOptions(CellKind cell, bool bidirectionalEncoder, Attention attention, int sourceVocabularySize, int targetVocabularySize) => new()
    {
        Cell = cell,
        Attention = attention,
        SourceVocabularySize = sourceVocabularySize,
        TargetVocabularySize = targetVocabularySize,
        EmbeddingSize = EmbeddingSize,
        HiddenSize = HiddenSizeOrDefault,
        Layers = Layers,
        BidirectionalEncoder = bidirectionalEncoder,
        Dropout = Dropout,
        ForgetGateBias = ForgetGateBias,
        Threads = Threads,
    };

    /// <summary>Refuses a blank column name (and null unless <paramref name="optional"/>) when the options are checked, so a
    /// name that scoring would need fails before any training.</summary>
    private protected static void RequireColumnName(string? name, string option, bool optional = false) =>
        OptionChecks.Require((optional && name is null) || !string.IsNullOrWhiteSpace(name), option, name, optional ? "null, or a column name" : "a column name");

    /// <summary>A checked copy for an estimator to keep: a caller's later changes to these options (a sweep that reuses one
    /// object for several estimators) neither reach an estimator already built nor skip the checks.</summary>
    internal TOptions CheckedCopy<TOptions>() where TOptions : RecurrentOptions
    {
        var copy = (TOptions)MemberwiseClone();
        if (Optimizer is not null) copy.Optimizer = Optimizer.Copy();
        copy.CopyCollections();
        copy.Validate();
        return copy;
    }

    /// <summary>Replaces the copy's collections with copies of their own (see <see cref="CheckedCopy{TOptions}"/>).</summary>
    private protected virtual void CopyCollections()
    {
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range. Estimators call it when they
    /// are created, so a bad setting fails before any upstream transform runs. The engine's own checks of its options
    /// are reused, so each rule is written once.
    /// </summary>
    internal virtual void Validate()
    {
        OptionChecks.Require(Epochs is null || Epochs >= MinimumEpochs, nameof(Epochs), Epochs, EpochsExpected);
        OptionChecks.Require(EmbeddingSize >= MinimumEmbeddingSize, nameof(EmbeddingSize), EmbeddingSize, MinimumEmbeddingSize == 0 ? "0 (one-hot) or more" : "at least 1");
        OptionChecks.Require(ValidationFraction is null or (>= 0 and < 1), nameof(ValidationFraction), ValidationFraction, "null (automatic) or a fraction in [0, 1)");
        OptionChecks.Require(!HoldOutLastRows || ValidationFraction > 0, nameof(HoldOutLastRows), HoldOutLastRows, "false unless ValidationFraction is above 0");
        OptionChecks.Require(EarlyStoppingPatience is null || ValidationFraction is not 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience,
            "null when ValidationFraction is 0 (to stop early on validation data of your own, leave ValidationFraction null and give the data to Fit(train, validation))");
        // A share held out by hand without patience validates but does not stop early, so nothing would average either.
        OptionChecks.Require(AveragedEpochs is null || AveragedEpochs == 1 || (AveragedEpochs > 1 && ValidationFraction is null or 0 ? ValidationFraction is null : EarlyStoppingPatience is not null),
            nameof(AveragedEpochs), AveragedEpochs, "null (automatic) or at least 1, and 1 or null when ValidationFraction is 0 (nothing ranks the epochs) or is set " +
            "without EarlyStoppingPatience (no early stopping to rank them)");
        // An empty setting (an unset configuration value, say) would checkpoint into the working folder.
        OptionChecks.Require(CheckpointDirectory is null || !string.IsNullOrWhiteSpace(CheckpointDirectory), nameof(CheckpointDirectory), CheckpointDirectory,
            "null (no checkpoints) or a folder's path");
        OptionChecks.Require(CheckpointEveryBatches is null || CheckpointDirectory is not null, nameof(CheckpointEveryBatches), CheckpointEveryBatches,
            "null without CheckpointDirectory (there is nowhere to write the checkpoint)");
        var training = ToTrainingOptions(HoldOutFor(rows: 0));
        training.Epochs = Math.Max(1, training.Epochs);
        training.Validate();
        // The input's kind is known only at Fit; checked here as token input, the rules that depend on it wait for Fit.
        var architecture = ToNetworkOptions(ChosenCell);
        architecture.Input = EmbeddingSize > 0 ? InputKind.EmbeddedTokens : InputKind.OneHotTokens;
        architecture.VocabularySize = 1;
        architecture.Validate();
    }
}
