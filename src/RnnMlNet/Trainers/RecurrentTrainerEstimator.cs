using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// Trains an LSTM, GRU or SimpleRNN on a sequence column and returns a model made only of ML.NET's built-in
/// transformers, so it saves to a .zip and loads in any process with no registration.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator characteristics
/// | | |
/// | -- | -- |
/// | Machine learning task | Binary classification, multiclass classification, regression or sequence tagging |
/// | Is normalization required? | No: float steps and a regression label are standardised for training and folded back into the weights, so the model reads and answers in their own units (`StepStandardisation`, `LabelStandardisation`); side features are read as given, near unit scale as FeaturizeText's are |
/// | Is caching required? | No, but it helps: the rows are streamed from the input once per epoch (AppendCacheCheckpoint avoids re-running upstream transforms) |
/// | Required NuGet in addition to Microsoft.ML | RnnMlNet (brings Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime) |
/// | Exportable to ONNX | Yes: `RecurrentModelFile.ExportOnnx` |
/// ]]></format>
/// <para>Input and output columns: the feature column is a vector of keys (from BuildVocabulary or MapValueToKey; key
/// 0, the unknown token, is a token of its own), a one-hot sequence (from OneHotSequence; all-zero rows are padding and
/// skipped), or a float vector of steps with <see cref="RecurrentTrainerOptions.FeaturesPerStep"/> values per step.
/// With <see cref="RecurrentTrainerOptions.SideFeatureColumnName"/>, a float vector of known size (such as
/// FeaturizeText's n-grams) is read beside the sequence by a linear wide part joined to the head (wide and deep). The
/// label is Boolean (binary), a key (multiclass), Single (regression) or a key vector, one per step (tagging). The
/// outputs are the columns ML.NET's own trainers produce for the task, so Evaluate, CrossValidate and PredictionEngine
/// work unchanged.</para>
/// <para>What Fit returns: A <see cref="TransformerChain{TLastTransformer}"/> of an OnnxTransformer holding the trained
/// network as a standard ONNX graph (LSTM/GRU/RNN operators), stateless CustomMapping glue to scalar columns, and
/// ValueToKey/DropColumns. Dispose it: the OnnxTransformer keeps a temporary copy of the graph until then. With
/// <see cref="RecurrentTrainerOptions.EnsembleSize"/> above 1 (automatic on 1,000 rows or more: up to 5 networks within
/// the step budget, 2 at least), the graph holds every network of the ensemble and averages their logits.</para>
/// </remarks>
public sealed class RecurrentTrainerEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly RecurrentTask _task;
    private readonly CellKind _cell;
    private readonly RecurrentTrainerOptions _options;
    private readonly MLContext _context;

    internal RecurrentTrainerEstimator(RecurrentTask task, CellKind cell, RecurrentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.CheckedCopy<RecurrentTrainerOptions>();
        Core.OptionChecks.Require(options.EarlyStoppingMetric != EarlyStoppingMetric.ErrorRate || task != RecurrentTask.Regression, nameof(options.EarlyStoppingMetric),
            options.EarlyStoppingMetric, "Loss or null for a regressor, which makes no right or wrong predictions");
        Core.OptionChecks.Require(options.ClassWeights is null || task != RecurrentTask.Regression, nameof(options.ClassWeights), options.ClassWeights,
            "null for regression: class weights are for the classifiers and the tagger");
        _task = task;
        _cell = cell;
        _options = options;
        _context = new MLContext(options.Seed);
    }

    /// <summary>Layers, shapes, parameter counts and training history of the last <see cref="Fit(IDataView)"/>.</summary>
    public RecurrentModelSummary? LastSummary { get; private set; }

    /// <summary>Every epoch's report of the last <see cref="Fit(IDataView)"/> (with learning rates, and gradient flow when
    /// recorded), and the epoch kept; null when it trained no epoch. For an ensemble, its first member's; the summary
    /// (<see cref="LastSummary"/>) has every member's.</summary>
    public TrainingHistory? LastHistory { get; private set; }

    /// <summary>The networks of the last <see cref="Fit(IDataView)"/> (one, unless <see cref="RecurrentTrainerOptions.EnsembleSize"/>
    /// made more), for parity checks against the ONNX graph.</summary>
    internal RecurrentEnsemble<float>? LastEnsemble { get; private set; }

    /// <summary>The first network of the last <see cref="Fit(IDataView)"/>.</summary>
    internal RecurrentNetwork<float>? LastNetwork => LastEnsemble?.Members[0];

    /// <inheritdoc />
    public TransformerChain<ITransformer> Fit(IDataView input) => Fit(input, null);

    /// <summary>
    /// Trains on <paramref name="trainData"/> and measures the loss on <paramref name="validationData"/> after each epoch,
    /// ML.NET's convention for a validation set (as LightGBM's and FastTree's <c>Fit(train, validation)</c>): transform both
    /// with the same upstream model first. Training stops after <see cref="RecurrentOptions.EarlyStoppingPatience"/> epochs
    /// without a better validation result (3 when null; the error rate for a classifier, the loss otherwise, see
    /// <see cref="RecurrentOptions.EarlyStoppingMetric"/>) and keeps the best weights (or the mean of the best epochs', see
    /// <see cref="RecurrentOptions.AveragedEpochs"/>); <see cref="RecurrentOptions.ValidationFraction"/>
    /// is not used, since nothing is held out of <paramref name="trainData"/>.
    /// </summary>
    public TransformerChain<ITransformer> Fit(IDataView trainData, IDataView? validationData) =>
        Core.Distributed.DataParallelFailure.Run(_options.DataParallel, () => FitOnThisRank(trainData, validationData));

    private TransformerChain<ITransformer> FitOnThisRank(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var sequenceInput = SequenceColumn.Describe(trainData.Schema, _options.FeatureColumnName, _options.FeaturesPerStep, _options.MaximumLength, _options.SideFeatureColumnName);
        var task = TaskAdapter.For(_task).Bind(trainData.Schema, _options);
        // A one-hot sequence's all-zero rows (unknown words, and padding alike) are no steps, so its tags would shift.
        if (task.PerStep && sequenceInput.Kind == SequenceInputKind.OneHotSteps)
            throw new ArgumentOutOfRangeException(nameof(trainData), $"Column '{_options.FeatureColumnName}' is a one-hot sequence, whose unknown words and padding " +
                "are all-zero rows that are no steps, so the tags would not line up with the words; expected the token keys (BuildVocabulary's or MapValueToKey's output) or float steps.");
        var samplingKey = _options.SamplingKeyColumnName is { } key ? SamplingKey.Find(trainData.Schema, key) : (DataViewSchema.Column?)null;
        if (validationData is not null)
        {
            CheckValidationSchema(validationData, trainData.Schema, sequenceInput, task);
            samplingKey = null;
            // Read once before training: a bad row would otherwise surface only when the first epoch ends. (Held-out training
            // rows are not: that would be a pass over the whole training data.)
            if (_options.Epochs != 0)
                foreach (var _ in new DataViewSequenceSource(validationData, sequenceInput, task, new ValidationSplit(0, _options.Seed), false,
                    _options.CancellationToken, dataName: ValidationDataName).Read()) { }
        }
        bool tokens = sequenceInput.Kind != SequenceInputKind.Features;
        // A schedule other than constant needs the first epoch's batch count too (a warm-up would stay at its start).
        bool countRows = _options.Epochs != 0 && ((_options.ValidationFraction is null && tokens) || _options.EnsembleSize is null || _options.HoldOutLastRows
            || _options.Schedule != LearningRateSchedule.Constant);
        long rows = countRows ? CountRows(trainData) : 0;
        if (samplingKey is { } groups && _options.Epochs != 0 && !HoldOutOf(_options, external: false, tokens, rows).Split.HoldsOut)
            throw new ArgumentOutOfRangeException(nameof(trainData), $"SamplingKeyColumnName '{groups.Name}' groups the held-out rows, but nothing is held out: " +
                (tokens ? FormattableString.Invariant($"the automatic hold-out needs {RecurrentDefaults.AutomaticValidationRows:N0} rows of token sequences or more, and this data has {rows:N0}.")
                    : "float steps hold nothing out unless asked.") + " Set ValidationFraction (or EarlyStoppingPatience, which holds out 10 %), or leave SamplingKeyColumnName null.");
        bool ensembleAutomatic = _options.EnsembleSize is null && EnsembleCanBeAutomatic(rows);
        bool shapeAutomatic = tokens && !task.PerStep && _options.InitialWeights is null && (_options.Pooling is null || AutomaticWidth);
        var stepCount = ensembleAutomatic || shapeAutomatic ? CountSteps(trainData, sequenceInput, task) : null;
        int members = _options.EnsembleSize ?? (ensembleAutomatic ? stepCount!.EnsembleSize : 1);
        // Each member holds out rows or groups by its own seed: all are checked before any trains, so a member's empty draw, or
        // a binary label left with one class, does not surface after the others have trained.
        if (_options.Epochs != 0)
            for (int k = 0; k < members; k++)
            {
                var split = HoldOutOf(_options.WithSeed(_options.Seed + k), external: validationData is not null, tokens, rows).Split;
                string? member = members == 1 ? null : $"network {k + 1} of the ensemble's {members}, whose seed is Seed + {k}";
                if (samplingKey is { } sampling) SamplingKey.CheckSplit(trainData, sampling, split, _options.Seed + k, member);
                if (_task == RecurrentTask.BinaryClassification) BinaryTask.CheckBothClasses(trainData, task.LabelColumnName, split, samplingKey, member, _options.CancellationToken);
            }
        // A regressor's label, and float steps, standardised by the means and deviations of the rows the (first) network trains
        // on, not those it holds out (LabelStandardisation, StepStandardisation): one pass before training.
        StepStandardisation? steps = null;
        if (_options.Epochs != 0 && (task.StandardisesLabel || !tokens))
        {
            var trained = new DataViewSequenceSource(trainData, sequenceInput, task, HoldOutOf(_options, external: validationData is not null, tokens, rows).Split,
                false, _options.CancellationToken, samplingKey, rows);
            (var label, steps) = TrainingStandardisation.Of(trained, task.StandardisesLabel, tokens ? null : sequenceInput.Width);
            if (label is not null) task = task.WithStandardisation(label);
        }
        var networks = new RecurrentNetwork<float>[members];
        var histories = new TrainingHistory?[members];
        // One lock for every member's reports, so that Report is never called by two members at once (Progress<T> then runs its
        // handler on the thread pool, where two can overlap: the options' doc says so).
        var reporting = new object();
        SideBySideMembers.Train(members, _options.Threads, _options.CancellationToken, (k, threads, cancellation) =>
        {
            // Member k is these options with seed Seed + k: other initial weights, shuffle, dropout and hold-out.
            var options = members == 1 ? _options : _options.WithSeed(_options.Seed + k);
            if (members > 1)
            {
                options.CancellationToken = cancellation;
                if (_options.Progress is { } progress) options.Progress = new MemberProgress<EpochReport>(progress, r => r with { Member = k + 1 }, reporting);
                if (_options.BatchProgress is { } batches) options.BatchProgress = new MemberProgress<BatchReport>(batches, r => r with { Member = k + 1 }, reporting);
            }
            var network = new RecurrentNetwork<float>(NetworkOptions(sequenceInput, task, stepCount), options.Seed);
            // The network reads its thread count at each step, so threads handed over mid-training take effect at once.
            threads.Follow(count => network.Options.Threads = count);
            if (_options.InitialWeights is { } initial)
            {
                ImportInitialWeights(network, initial);
                // A trained model's weights read steps and answer in their own units; training goes on in the standardised ones.
                task.Standardisation?.FromLabelUnits(network);
                steps?.FromStepUnits(network);
            }
            networks[k] = network;
            histories[k] = _options.Epochs != 0 ? Train(network, options, trainData, validationData, samplingKey, sequenceInput, task, rows, steps) : null;
            task.Standardisation?.ToLabelUnits(network);
            steps?.ToStepUnits(network);
        });
        LastEnsemble = new RecurrentEnsemble<float>(networks);
        LastHistory = histories[0];
        LastSummary = RecurrentModelSummary.Create(_task, networks, histories, _options.Seed, SummaryWindow(tokens, task.PerStep, stepCount), task.Standardisation, steps);
        return BuildModel(_context, networks, sequenceInput, task, LastSummary, trainData, _options.PooledStateColumnName);
    }

    /// <summary>Starts <paramref name="network"/> from the given weights; weights of another shape are refused naming the
    /// option and the sizes the options and the data gave the network, beside the weight that differs.</summary>
    private static void ImportInitialWeights(RecurrentNetwork<float> network, IReadOnlyList<NamedTensor<float>> initial)
    {
        try
        {
            network.Import(initial);
        }
        catch (ArgumentException e)
        {
            var o = network.Options;
            string input = o.Input == InputKind.Features ? $"{o.FeaturesPerStep} features per step" : $"{o.VocabularySize} token ids";
            string sizes = $"HiddenSize {o.HiddenSize}, EmbeddingSize {o.EmbeddingSize}, Layers {o.Layers}, {(o.Bidirectional ? "both directions" : "one direction")}, {input}, {o.Outputs} output(s)";
            throw new ArgumentException($"InitialWeights do not fit the network these options and the data make ({sizes}): " +
                $"{e.Message.Replace($" (Parameter '{e.ParamName}')", "")} Set the options as the weights were trained (ToTrainerOptions of an import does).",
                nameof(RecurrentTrainerOptions.InitialWeights), e);
        }
    }

    /// <summary>Trains one network (an ensemble's member) with its options' seed; rows stream from the data view each epoch,
    /// only the shuffle buffer and one bucketing window are in memory. A <paramref name="samplingKey"/> groups the held-out rows.</summary>
    private TrainingHistory Train(RecurrentNetwork<float> network, RecurrentTrainerOptions options, IDataView trainData, IDataView? validationData,
        DataViewSchema.Column? samplingKey, SequenceInput sequenceInput, TaskAdapter task, long rows, StepStandardisation? steps)
    {
        bool tokens = sequenceInput.Kind != SequenceInputKind.Features;
        var holdOut = HoldOutOf(options, external: validationData is not null, tokens, rows);
        DataViewSequenceSource Part(IDataView data, bool validation, long dataRows = 0, string? dataName = null) =>
            new(data, sequenceInput, task, holdOut.Split, validation, options.CancellationToken, samplingKey, dataRows, dataName, steps);
        var training = options.ToTrainingOptions(holdOut, tokens,
            _task is RecurrentTask.BinaryClassification or RecurrentTask.MulticlassClassification ? EarlyStoppingMetric.ErrorRate : EarlyStoppingMetric.Loss);
        training.TrainingWindow = options.TrainingWindowFor(tokens, task.PerStep);
        training.HoldOutDescription = validationData is not null ? ValidationDataName : holdOut.Split.Describe(samplingKey?.Name);
        string?[] scaling = [task.Standardisation?.Describe(), steps?.Describe()];
        training.DataScaling = scaling.Any(d => d is not null) ? string.Join("; ", scaling.OfType<string>()) : null;
        training.CallerSettings = options.CheckpointSettings();
        if (validationData is not null)
        {
            training.EarlyStoppingPatience = holdOut.Patience;
            training.AveragedEpochs = options.AveragedEpochsWith(holdOut.Patience);
        }
        try
        {
            return new RecurrentTrainer<float>(network, task.Loss, training).Fit(Part(trainData, validation: false, rows), validationData is not null
                ? Part(validationData, validation: false, dataName: ValidationDataName) : holdOut.Split.HoldsOut ? Part(trainData, validation: true, rows) : null);
        }
        catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException) && e.ParamName is "training" or "validation")
        {
            // The engine names its own parameters; Fit's are trainData and validationData (held-out rows are trainData's).
            string name = e.ParamName == "validation" && validationData is not null ? nameof(validationData) : nameof(trainData);
            throw new ArgumentException(e.Message.Replace($" (Parameter '{e.ParamName}')", ""), name, e);
        }
    }

    private const string ValidationDataName = "the validation data given";

    /// <summary>The rows held out of the training data for early stopping, by the options and the data (none when
    /// <paramref name="external"/> validation data is given, which then drives early stopping).</summary>
    private static RecurrentOptions.HoldOut HoldOutOf(RecurrentTrainerOptions options, bool external, bool tokens, long rows) => external
        ? new RecurrentOptions.HoldOut(new ValidationSplit(0, options.Seed), options.EarlyStoppingPatience ?? RecurrentDefaults.AutomaticPatience)
        : options.HoldOutFor((options.ValidationFraction is null && tokens) || options.HoldOutLastRows ? rows : 0, tokens);

    /// <summary>Whether the data decides the ensemble's size: for 1,000 rows or more, and not for the settings that describe
    /// one network.</summary>
    private bool EnsembleCanBeAutomatic(long rows) =>
        rows >= RecurrentDefaults.AutomaticValidationRows && _options.Epochs != 0 && _options.InitialWeights is null
        && _options.PooledStateColumnName is null && _options.CheckpointDirectory is null && _options.DataParallel is null;

    /// <summary>Whether the data decides the hidden size: not with a pooled-state column, whose width the schema states before
    /// any data is seen.</summary>
    private bool AutomaticWidth => _options.HiddenSize is null && _options.PooledStateColumnName is null;

    /// <summary>The width of the starting weights' network (its recurrent weights R [D, G·H, H]); null without them.</summary>
    private int? WeightsWidth => _options.InitialWeights?.FirstOrDefault(w => w.Name == "layer0.R")?.Shape[^1];

    /// <summary>The hidden size before any data is seen: as set, or the starting weights', or the family's default.</summary>
    private int SchemaWidth => _options.HiddenSize ?? WeightsWidth ?? _options.HiddenSizeOrDefault;

    /// <summary>The training rows' steps (tokens, or float steps), and the steps an epoch trains on (each row's tokens up to
    /// the training window), summed, read up to half the ensemble's budget of trained steps: large data is not read to the end.</summary>
    private StepCount CountSteps(IDataView trainData, SequenceInput input, TaskAdapter task)
    {
        int window = _options.TrainingWindowFor(tokens: input.Kind != SequenceInputKind.Features, task.PerStep);
        long steps = 0, trained = 0, rows = 0;
        foreach (var example in new DataViewSequenceSource(trainData, input, task, new ValidationSplit(0, _options.Seed), false, _options.CancellationToken).Read())
        {
            steps += example.Input.Length;
            trained += window > 0 ? Math.Min(example.Input.Length, window) : example.Input.Length;
            rows++;
            if (trained > RecurrentDefaults.EnsembleStepBudget / 2) return new StepCount(steps, trained, rows, Complete: false);
        }
        return new StepCount(steps, trained, rows, Complete: true);
    }

    /// <summary>The training window the summary names, and whether every row's length was counted: none without training,
    /// nor where the count read every row and found none longer than the window (nothing was cut); without a count it
    /// cannot tell, and names it as not counted.</summary>
    private (int Window, bool Counted) SummaryWindow(bool tokens, bool perStep, StepCount? count)
    {
        bool counted = count is { Complete: true };
        return (_options.Epochs == 0 || counted && count!.TrainedSteps == count.Steps ? 0 : _options.TrainingWindowFor(tokens, perStep), counted);
    }

    /// <summary>Steps (tokens or float steps), and steps trained per epoch (up to the training window), and whether every row was read.</summary>
    private sealed record StepCount(long Steps, long TrainedSteps, long Rows, bool Complete)
    {
        /// <summary>The automatic <see cref="RecurrentTrainerOptions.EnsembleSize"/>: as many members, up to 5, as make at most the
        /// budget's trained steps per epoch together, and two at least (past half the budget, where counting stops, two).</summary>
        public int EnsembleSize => Complete
            ? (int)Math.Clamp(RecurrentDefaults.EnsembleStepBudget / Math.Max(1, TrainedSteps), RecurrentDefaults.AutomaticMinimumEnsembleSize, RecurrentDefaults.AutomaticEnsembleSize)
            : RecurrentDefaults.AutomaticMinimumEnsembleSize;

        /// <summary>Short sequences (names, words, codes) rather than sentences or documents, by the mean of the rows read.</summary>
        public bool Short => Rows > 0 && Steps <= RecurrentDefaults.ShortSequenceSteps * Rows;
    }

    /// <summary>Passes on a member's reports marked with its number, one at a time among the members that share <paramref name="gate"/>.</summary>
    private sealed class MemberProgress<TReport>(IProgress<TReport> progress, Func<TReport, TReport> mark, object gate) : IProgress<TReport>
    {
        public void Report(TReport value)
        {
            lock (gate) progress.Report(mark(value));
        }
    }

    /// <summary>The validation set must hold the training set's columns with the same types, and key columns the same
    /// key values where both have them (a vocabulary or label map fitted on the validation data alone has as many keys,
    /// in another order).</summary>
    private void CheckValidationSchema(IDataView validationData, DataViewSchema trainSchema, SequenceInput training, TaskAdapter task)
    {
        foreach (string name in training.ColumnNames.Append(task.LabelColumnName))
            if (validationData.Schema.GetColumnOrNull(name) is null)
                throw new ArgumentOutOfRangeException(nameof(validationData), $"Column '{name}' not found in {ValidationDataName}; it must hold the training data's columns " +
                    "(transform both with the same fitted upstream model).");
        string OtherType(string name) => $"Column '{name}' of {ValidationDataName} is {validationData.Schema[name].Type}, the training data's {trainSchema[name].Type}; " +
            "it must have the training data's type (transform both with the same fitted upstream model).";
        SequenceInput? other;
        try
        {
            other = SequenceColumn.Describe(validationData.Schema, _options.FeatureColumnName, _options.FeaturesPerStep, _options.MaximumLength, _options.SideFeatureColumnName);
        }
        catch (ArgumentOutOfRangeException)
        {
            other = null;
        }
        if (other is null || other.Kind != training.Kind || other.Width != training.Width || other.KeyType != training.KeyType || other.Side?.Size != training.Side?.Size)
        {
            // The feature column, unless it has the training data's very type and the side-feature column is the one that differs.
            bool sameFeatures = validationData.Schema[training.ColumnName].Type.Equals(trainSchema[training.ColumnName].Type);
            throw new ArgumentOutOfRangeException(nameof(validationData), OtherType(sameFeatures && training.Side is { } side ? side.ColumnName : training.ColumnName));
        }
        TaskAdapter validationTask;
        try
        {
            validationTask = TaskAdapter.For(_task).Bind(validationData.Schema, _options);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new ArgumentOutOfRangeException(nameof(validationData), OtherType(task.LabelColumnName));
        }
        if (validationTask.Outputs != task.Outputs)
            throw new ArgumentOutOfRangeException(nameof(validationData), $"Column '{task.LabelColumnName}' of {ValidationDataName} has {validationTask.Outputs} classes, the training data's {task.Outputs}; " +
                "transform both with the same fitted upstream model.");
        foreach (string name in new[] { training.ColumnName, task.LabelColumnName })
        {
            if (LabelKeyValues.FirstDifferentKey(trainSchema[name], validationData.Schema[name]) is { } differs)
                throw new ArgumentOutOfRangeException(nameof(validationData), $"Column '{name}' of {ValidationDataName} maps key {differs.Key} to '{differs.Theirs}', " +
                    $"the training data's to '{differs.Ours}'; transform both with the same fitted upstream model (a vocabulary or MapValueToKey fitted on each orders the keys differently).");
        }
    }

    /// <summary>The data's rows: known to many views, counted with a cursor that reads no column otherwise.</summary>
    private static long CountRows(IDataView data)
    {
        if (data.GetRowCount() is long known) return known;
        long rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) rows++;
        return rows;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SequenceColumn.Check(inputSchema, _options.FeatureColumnName);
        if (_options.SideFeatureColumnName is { } side) SequenceColumn.CheckSide(inputSchema, side);
        if (_options.SamplingKeyColumnName is { } key) SamplingKey.Check(inputSchema, key);
        var task = TaskAdapter.For(_task);
        var outputs = task.AddOutputs(inputSchema, task.CheckLabel(inputSchema, _options.LabelColumnName));
        return _options.PooledStateColumnName is { } pooled
            ? SchemaChecks.AddColumns<PooledStateColumn>(outputs, definition =>
            {
                var column = definition[nameof(PooledStateColumn.Value)];
                column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, (_options.Bidirectional ? 2 : 1) * SchemaWidth);
                column.ColumnName = pooled;
            })
            : outputs;
    }

    /// <summary>Shape of the pooled-state column, for schema propagation.</summary>
    internal sealed class PooledStateColumn
    {
        /// <summary>The pooled sequence state.</summary>
        public float[] Value { get; set; } = [];
    }

    /// <summary>The trained network as an ONNX graph behind ML.NET's built-in transformers.</summary>
    internal static TransformerChain<ITransformer> BuildModel(MLContext context, IReadOnlyList<RecurrentNetwork<float>> networks, SequenceInput input,
        TaskAdapter task, RecurrentModelSummary summary, IDataView data, string? pooledStateColumn)
    {
        // The pooled state is one network's; the options refuse it with an ensemble.
        if (pooledStateColumn is not null && networks.Count > 1) throw new ArgumentException("A pooled-state column needs a single network.", nameof(pooledStateColumn));
        var graph = new OnnxGraphBuilder("RnnMlNet");
        var network = networks[0];
        // A tagger tags every step of a row: MaximumLength bounds what training reads, not how many words get a tag.
        if (task.PerStep) input = input with { MaximumLength = 0 };
        var values = EnsembleGraph.AverageLogits(graph, networks.Count, (g, k) =>
        {
            var (logits, features, refused) = RecurrentGraph.AddNetwork(g, networks[k], input);
            return [logits, features, refused];
        });
        string[] outputs = task.AddOnnxOutputs(graph, values[0]);
        string features = values[1], refused = values[2];
        // Under a name of the library's own (a user's name could be one of the graph's), copied to the user's name below.
        const string pooled = "RnnMlNet.PooledState";
        if (pooledStateColumn is not null)
        {
            // One row per call: a vector of the state's width, as GetOutputSchema promises (an [N, H] output would be a
            // Vector<Single, 1, H> column).
            graph.Node("Squeeze", [RecurrentGraph.NaNWhereRefused(graph, refused, features), graph.Longs("pooled.row_axis", 0)], pooled);
            graph.Output(pooled, global::Onnx.TensorProto.Types.DataType.Float, network.Head.InputSize);
            outputs = [.. outputs, pooled];
        }
        graph.Metadata(RecurrentModelSummary.MetadataKey, summary.ToJson());
        // What ExportOnnx needs to rebuild the network from the weights, for a graph that takes padded batches.
        graph.Metadata(ExportGraph.NetworkKey, ExportGraph.Describe(network.Options, input, summary.Task, networks.Count));
        graph.Metadata(Onnx.RecurrentModelFile.ModelKindKey, summary.Task.ToString());
        var onnx = OwnedOnnxTransformer.Fit(context, outputs, input.ColumnNames, graph.ToBytes(), data);
        var tail = task.Tail(context, onnx.Transform(data)).ToList();
        if (pooledStateColumn is not null)
        {
            var scored = tail.Aggregate(onnx.Transform(data), (view, transformer) => transformer.Transform(view));
            var copy = context.Transforms.CopyColumns(pooledStateColumn, pooled).Fit(scored);
            tail.Add(copy);
            tail.Add(context.Transforms.DropColumns(pooled).Fit(copy.Transform(scored)));
        }
        return new TransformerChain<ITransformer>([onnx, .. tail]);
    }

    /// <summary>The options' sizes, with the input the feature column holds and the outputs the task needs; where the pooling
    /// and the hidden size are automatic, short token sequences (by <paramref name="count"/>) choose max pooling over a wider
    /// state, longer ones attention. Starting weights were trained by a network of their own, which the automatic choices
    /// follow instead of the data: its width, and, for tokens, attention when the weights hold its query (the tensor names
    /// are <see cref="NetworkWeights"/>'), max pooling otherwise.</summary>
    private NetworkOptions NetworkOptions(SequenceInput input, TaskAdapter task, StepCount? count)
    {
        var options = _options.ToNetworkOptions(_cell);
        var weights = _options.InitialWeights;
        bool shortTokens = !task.PerStep && input.Kind != SequenceInputKind.Features
            && (weights is null ? count is { Short: true } : !weights.Any(w => w.Name == "pooling.query"));
        // Starting weights set a null hidden size to theirs, also with a pooled-state column (the schema knows it too).
        if (_options.HiddenSize is null && WeightsWidth is { } width) options.HiddenSize = width;
        else if (AutomaticWidth && shortTokens) options.HiddenSize = RecurrentDefaults.ShortSequenceHiddenSize;
        options.Input = input.Kind switch
        {
            SequenceInputKind.Features => InputKind.Features,
            SequenceInputKind.Keys when _options.EmbeddingSize > 0 => InputKind.EmbeddedTokens,
            _ => InputKind.OneHotTokens,
        };
        options.VocabularySize = input.Kind == SequenceInputKind.Features ? 0 : SequenceColumn.VocabularySize(input);
        options.FeaturesPerStep = input.Kind == SequenceInputKind.Features ? input.Width : 1;
        if (input.Kind == SequenceInputKind.Features && options.WordDropout > 0)
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{input.ColumnName}' holds float steps; WordDropout ({options.WordDropout}) drops token ids, so it needs a key or one-hot column.");
        if (options.Input == InputKind.OneHotTokens && options.InputDropout > 0)
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{input.ColumnName}' is read one-hot (EmbeddingSize 0, or a OneHotSequence column); " +
                $"InputDropout ({options.InputDropout}) masks embedded features, so it needs an embedding or float steps (WordDropout drops tokens).");
        options.Head = task.PerStep ? HeadKind.EveryStep : HeadKind.LastHidden;
        options.Pooling = task.PerStep ? Pooling.Last
            : _options.Pooling ?? (input.Kind == SequenceInputKind.Features ? RecurrentDefaults.StepPooling
                : shortTokens ? RecurrentDefaults.ShortTokenPooling : RecurrentDefaults.TokenPooling);
        options.Outputs = task.Outputs;
        options.SideFeatures = input.Side?.Size ?? 0;
        return options;
    }
}
