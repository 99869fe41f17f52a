using Microsoft.ML.Data;
using Microsoft.ML;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>One options model: every estimator takes the same settings, checks them when it is created, and hands them to the engine.</summary>
public class OptionsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static IEnumerable<object[]> Kinds() => new[] { "Binary", "Tagger", "Generator", "SequenceToSequence" }.Select(k => new object[] { k });

    private static RecurrentOptions Small(string kind) => kind switch
    {
        "Binary" => new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, EmbeddingSize = 3, Epochs = 2 },
        "Tagger" => new SequenceTaggerOptions { FeatureColumnName = "Tokens", LabelColumnName = "TagKeys", HiddenSize = 4, EmbeddingSize = 3, Epochs = 2 },
        "Generator" => new SequenceGeneratorOptions { HiddenSize = 4, EmbeddingSize = 3, Epochs = 2, MaximumLength = 3 },
        _ => new SequenceToSequenceOptions { HiddenSize = 4, EmbeddingSize = 3, Epochs = 2, MaximumLength = 3 },
    };

    private static IEstimator<ITransformer> Estimator(MLContext ml, string kind, RecurrentOptions options) => kind switch
    {
        "Binary" => ml.BinaryClassification.Trainers.Lstm((RecurrentTrainerOptions)options),
        "Tagger" => ml.Transforms.Conversion.MapValueToKey("TagKeys", "Tags").Append(ml.MulticlassClassification.Trainers.SequenceTagger((SequenceTaggerOptions)options)),
        "Generator" => ml.Transforms.Text.SequenceGenerator((SequenceGeneratorOptions)options),
        _ => ml.Transforms.Text.SequenceToSequence((SequenceToSequenceOptions)options),
    };

    private static IDataView Data(MLContext ml, string kind) => kind switch
    {
        "Binary" => SyntheticData.Load(ml, SyntheticData.TokenRows(20, 1)),
        "Tagger" => ml.Data.LoadFromEnumerable(SequenceTaggerTests.Rows(20, 1)),
        "Generator" => ml.Data.LoadFromEnumerable(new[] { "abc", "abd", "bcd", "cab" }.Select(t => new TextRow { Text = t })),
        _ => ml.Data.LoadFromEnumerable(new[] { ("12", "one two"), ("3", "three"), ("21", "two one") }.Select(p => new TextRow { Input = p.Item1, Target = p.Item2 })),
    };

    public sealed class TextRow
    {
        public string Text { get; set; } = "";
        public string Prompt { get; set; } = "";
        public string Input { get; set; } = "";
        public string Target { get; set; } = "";
    }

    /// <summary>Settings the engine checks, set out of range on each estimator's options: creating the estimator fails, naming the setting.</summary>
    public static IEnumerable<object[]> BadSettings() =>
        from kind in Kinds().Select(k => (string)k[0])
        from setting in new[] { "BatchSize", "LearningRate", "ClipNorm", "ClipValue", "ShuffleBufferSize", "HiddenSize", "Layers", "Dropout", "Threads", "Beta2", "Shards", "EarlyStoppingPatience" }
        select new object[] { kind, setting };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void EveryEstimatorRejectsABadSettingWhenCreated(string kind, string setting)
    {
        var options = Small(kind);
        switch (setting)
        {
            case "BatchSize": options.BatchSize = 0; break;
            case "LearningRate": options.LearningRate = double.NaN; break;
            case "ClipNorm": options.ClipNorm = -1; break;
            case "ClipValue": options.ClipValue = 0; break;
            case "ShuffleBufferSize": options.ShuffleBufferSize = 0; break;
            case "HiddenSize": options.HiddenSize = 0; break;
            case "Layers": options.Layers = 0; break;
            case "Dropout": options.Dropout = 1; break;
            case "Threads": options.Threads = 0; break;
            case "Beta2": options.Optimizer = new OptimizerSettings { Beta2 = 1 }; break;
            case "Shards": options.DataParallel = new DataParallelOptions { Communicator = SingleProcess.Instance, Shards = options.BatchSize + 1 }; break;
            default: options.ValidationFraction = 0.2; options.EarlyStoppingPatience = 0; break;
        }
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(_temp.Context(), kind, options));
        Assert.Contains(setting, error.Message);
    }

    /// <summary>Values no check caught (the seventh exploratory pass): an undefined optimizer kind (refused only at Fit, as
    /// "Unknown optimizer"), an undefined early-stopping metric (trained as if it were one), and a hidden size whose gates
    /// overflow an int (refused at Fit as a weight of negative width): each refused when the estimator is made, by name.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void UndefinedKindsAndAnOverflowingWidthAreRefusedWhenCreated(string kind)
    {
        foreach (var (set, expected) in new (Action<RecurrentOptions>, string)[]
        {
            (o => o.Optimizer = new OptimizerSettings { Kind = (OptimizerKind)42 }, "Kind is 42; expected Sgd, Adam, AdamW or RmsProp."),
            (o => (o.ValidationFraction, o.EarlyStoppingPatience, o.EarlyStoppingMetric) = (0.2, 2, (EarlyStoppingMetric)9), "EarlyStoppingMetric is 9; expected Loss or ErrorRate."),
            (o => o.HiddenSize = int.MaxValue, "HiddenSize is 2147483647; expected from 1 to 16,777,216."),
        })
        {
            var options = Small(kind);
            set(options);
            Assert.StartsWith(expected, Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(_temp.Context(), kind, options)).Message);
        }
    }

    /// <summary>Every column name of every estimator's options, set blank: creating the estimator fails, naming it (the text
    /// models' output names used to fail only after training, in the scoring chain).</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryColumnNameIsCheckedWhenCreated(string kind)
    {
        var names = Small(kind).GetType().GetProperties().Where(p => p.Name.EndsWith("ColumnName", StringComparison.Ordinal) && p.PropertyType == typeof(string)).ToList();
        Assert.True(names.Count >= 3, $"{kind}: {names.Count} column names");
        foreach (var name in names)
        {
            var options = Small(kind);
            name.SetValue(options, "");
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(_temp.Context(), kind, options));
            Assert.Contains(name.Name, error.Message);
        }
    }

    [Fact]
    public void TheTaggerRefusesPoolingWhenCreated()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _temp.Context().MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { Pooling = Pooling.Max }));
        Assert.Contains("Pooling", error.Message);
    }

    /// <summary>A schedule that records that the trainer asked it for a rate.</summary>
    private sealed class RecordingSchedule : LearningRateSchedule
    {
        public int Calls;

        public override double Rate(double baseRate, double epochsDone, int totalEpochs)
        {
            Interlocked.Increment(ref Calls);
            return baseRate * 0.5;
        }
    }

    /// <summary>
    /// Every estimator trains with the options' schedule and reports progress through them: each builds its engine options
    /// through the one mapping (whose completeness <see cref="EverySharedSettingIsMappedOntoTheEngine"/> checks).
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryEstimatorHandsItsSettingsToTheEngine(string kind)
    {
        var ml = _temp.Context();
        var options = Small(kind);
        var schedule = new RecordingSchedule();
        var epochs = new List<EpochReport>();
        options.Schedule = schedule;
        options.Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 0.5 };
        options.ClipValue = 0.1;
        options.Epochs = 3;
        options.Progress = new ImmediateProgress<EpochReport>(epochs.Add);
        using var model = (IDisposable)Estimator(ml, kind, options).Fit(Data(ml, kind));
        Assert.True(schedule.Calls > 0, $"{kind}: the schedule was never asked for a rate.");
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
    }

    /// <summary>
    /// Each estimator keeps the settings it checked when it was created: a sweep that reuses one options object, changing it
    /// after each estimator is built, trains each estimator with its own settings, and a bad value set afterwards (here in the
    /// nested optimizer settings too) reaches no estimator already built.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryEstimatorKeepsTheSettingsItWasCreatedWith(string kind)
    {
        var ml = _temp.Context();
        var options = Small(kind);
        var epochs = new List<EpochReport>();
        options.Progress = new ImmediateProgress<EpochReport>(epochs.Add);
        double[] weights = [1, 1];
        if (kind == "Binary") ((RecurrentTrainerOptions)options).ClassWeights = weights;
        var estimator = Estimator(ml, kind, options);
        options.Epochs = 4;
        options.HiddenSize = 0;
        options.Optimizer.Beta2 = 2;
        weights[1] = double.NaN;
        using var model = (IDisposable)estimator.Fit(Data(ml, kind));
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
    }

    /// <summary>The mapping onto the engine's training options copies every setting the two have in common.</summary>
    [Fact]
    public void EverySharedSettingIsMappedOntoTheEngine()
    {
        var options = new SequenceTaggerOptions
        {
            Epochs = 7, BatchSize = 5, LearningRate = 0.25, Optimizer = new OptimizerSettings { Kind = OptimizerKind.RmsProp }, Schedule = LearningRateSchedule.Cosine(0.1),
            ClipNorm = 3, ClipValue = 2, DivergenceFactor = 7, CheckpointEveryBatches = 9, Seed = 11, ShuffleBufferSize = 17, EarlyStoppingPatience = 4, ValidationFraction = 0.3,
            EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate, AveragedEpochs = 2, DataParallel = new DataParallelOptions { Communicator = SingleProcess.Instance }, RecordGradientFlow = true,
        };
        var training = options.ToTrainingOptions(options.HoldOutFor(rows: 100));
        var shared = typeof(TrainingOptions).GetProperties().Where(p => typeof(RecurrentOptions).GetProperty(p.Name) is not null).ToList();
        Assert.Equal(17, shared.Count);
        foreach (var property in shared)
            Assert.Equal(typeof(RecurrentOptions).GetProperty(property.Name)!.GetValue(options), property.GetValue(training));
        Assert.Equal(0, training.MinimumSteps);
        options.Epochs = null;
        var automatic = options.ToTrainingOptions(options.HoldOutFor(rows: 100));
        Assert.Equal((10, 1_000), (automatic.Epochs, automatic.MinimumSteps));
        var steps = options.ToTrainingOptions(options.HoldOutFor(rows: 100, tokens: false), tokens: false);
        Assert.Equal((10, 8_000), (steps.Epochs, steps.MinimumSteps));
        // Left automatic, the metric is the estimator's: the loss unless it says otherwise.
        options.EarlyStoppingMetric = null;
        Assert.Equal(EarlyStoppingMetric.Loss, options.ToTrainingOptions(options.HoldOutFor(rows: 100)).EarlyStoppingMetric);
        Assert.Equal(EarlyStoppingMetric.ErrorRate, options.ToTrainingOptions(options.HoldOutFor(rows: 100), automaticMetric: EarlyStoppingMetric.ErrorRate).EarlyStoppingMetric);
        var network = options.ToNetworkOptions(options.Cell);
        Assert.Equal((options.HiddenSize, options.EmbeddingSize, options.Layers, options.Dropout, true), (network.HiddenSize, network.EmbeddingSize, network.Layers, network.Dropout, network.Bidirectional));
    }

    /// <summary>What a user fills in (every estimator's options and the types their properties take, followed down) and the
    /// exceptions training throws live in <c>RnnMlNet</c> or its ML.NET children, never in an engine namespace.</summary>
    [Fact]
    public void WhatAUserSetsOrCatchesNeedsNoEngineNamespace()
    {
        var reached = new HashSet<Type>();
        void Visit(Type type)
        {
            if (type.IsArray) type = type.GetElementType()!;
            foreach (var argument in type.GetGenericArguments()) Visit(argument);
            if (type.Assembly != typeof(RecurrentOptions).Assembly && type.Assembly != typeof(OptimizerSettings).Assembly || !reached.Add(type)) return;
            foreach (var property in type.GetProperties().Where(p => p.SetMethod?.IsPublic == true))
                Visit(property.PropertyType);
        }
        foreach (var options in typeof(RecurrentOptions).Assembly.GetExportedTypes().Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal)))
            Visit(options);
        var exceptions = typeof(OptimizerSettings).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Exception))).ToList();
        Assert.Contains(typeof(DataParallelOptions), reached);
        Assert.NotEmpty(exceptions);
        Assert.Empty(reached.Concat(exceptions).Where(t => t.Namespace!.StartsWith("RnnMlNet.Core", StringComparison.Ordinal)).Select(t => t.FullName));
    }

    /// <summary>With rows held out (the count of a streamed part is unknown until an epoch ends), a warm-up still ramps
    /// through the first epoch, by the rows the split keeps, up to the base rate (it stayed at its start, a thousandth of
    /// the rate, for the whole epoch).</summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public void AWarmUpRampsThroughTheFirstEpochWithAHoldOut(bool lastRows, bool streamed, bool grouped)
    {
        var ml = _temp.Context();
        var batches = new List<BatchReport>();
        var options = new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", HiddenSize = 4, EmbeddingSize = 3, Epochs = 2, BatchSize = 10, LearningRate = 0.01, EnsembleSize = 1,
            ValidationFraction = 0.2, HoldOutLastRows = lastRows, Schedule = LearningRateSchedule.WarmUp(1, LearningRateSchedule.Constant),
            BatchProgress = new ImmediateProgress<BatchReport>(batches.Add), SamplingKeyColumnName = grouped ? "Value" : null,
        };
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(200, 3));
        // A filter that keeps every row, whose count ML.NET no longer knows, as for a streamed file.
        if (streamed) data = ml.Data.FilterRowsByMissingValues(data, "Value");
        Assert.Equal(streamed, data.GetRowCount() is null);
        using (ml.BinaryClassification.Trainers.Lstm(options).Fit(data)) { }
        var first = batches.Where(b => b.Epoch == 1).ToList();
        Assert.All(first, b => Assert.Equal(first.Count, b.BatchesInEpoch));
        Assert.Equal(first.Select(b => b.LearningRate).Order(), first.Select(b => b.LearningRate));
        // Each batch's rate is set by the batches before it: the last of n runs at (n − 1) / n of the base rate.
        Assert.Equal(0.01 * (first.Count - 1) / first.Count, first[^1].LearningRate, 12);
        Assert.All(batches.Where(b => b.Epoch == 2), b => Assert.Equal(0.01, b.LearningRate, 12));
    }

    /// <summary>A batch size of int.MaxValue, the whole data as one batch: one batch per epoch (the bucketing window and the
    /// batch count wrapped negative, and the batch count's 0 made the schedules' rates NaN).</summary>
    [Fact]
    public void TheLargestBatchSizeTrainsTheWholeDataAsOneBatch()
    {
        var ml = _temp.Context();
        var batches = new List<BatchReport>();
        var options = new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", HiddenSize = 4, EmbeddingSize = 3, Epochs = 2, BatchSize = int.MaxValue, EnsembleSize = 1,
            ValidationFraction = 0, Schedule = LearningRateSchedule.WarmUp(1, LearningRateSchedule.Cosine()), BatchProgress = new ImmediateProgress<BatchReport>(batches.Add),
        };
        using (ml.BinaryClassification.Trainers.Lstm(options).Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(50, 3)))) { }
        Assert.Equal([(1, 1), (2, 1)], batches.Select(b => (b.Epoch, b.BatchesInEpoch)));
        Assert.All(batches, b => Assert.True(double.IsFinite(b.Loss) && b.LearningRate > 0, $"epoch {b.Epoch}: loss {b.Loss}, rate {b.LearningRate}"));
    }

    /// <summary>Left automatic, token sequences of 1,000 rows or more hold about a tenth out and stop early with patience 3,
    /// keeping the best epoch; 999 rows hold nothing out and train every epoch.</summary>
    [Fact]
    public void TheAutomaticHoldOutStartsAtAThousandRows()
    {
        var ml = _temp.Context();
        TrainingHistory Train(int rows)
        {
            var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = "Tokens", HiddenSize = 4, EmbeddingSize = 3, EnsembleSize = 1, Epochs = 40, LearningRate = 0.05,
            });
            using (trainer.Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(rows, 5)))) { }
            return trainer.LastHistory!;
        }
        var held = Train(1_000);
        Assert.All(held.Epochs, e => Assert.NotNull(e.ValidationErrorRate));
        Assert.True(held.Epochs.Count < 40, $"trained all {held.Epochs.Count} epochs");
        // Stopped by patience 3: three epochs after the kept one, none better.
        Assert.Equal(held.Epochs.Count - 3, held.KeptEpoch);
        var none = Train(999);
        Assert.Equal(40, none.Epochs.Count);
        Assert.All(none.Epochs, e => Assert.Null(e.ValidationLoss));
    }

    /// <summary>For a time series: the last rows in the data's order are held out, never rows between training rows.</summary>
    [Fact]
    public void HoldingOutTheLastRowsHoldsOutTheEndOfTheData()
    {
        var options = new RecurrentTrainerOptions { ValidationFraction = 0.2, HoldOutLastRows = true };
        var split = options.HoldOutFor(rows: 100, tokens: false).Split;
        Assert.Equal(Enumerable.Range(80, 20), Enumerable.Range(0, 100).Where(i => split.IsValidation(i)));
        Assert.False(ValidationSplit.Last(0.9, 1).IsValidation(0));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentTrainerOptions { HoldOutLastRows = true }.Validate());
        Assert.Contains("HoldOutLastRows", error.Message);
    }

    /// <summary>The validation split is one rule: the same rows are held out however the estimator reads them.</summary>
    [Fact]
    public void TheValidationSplitHoldsOutAboutTheFractionAskedForTheSameWayEachTime()
    {
        var split = new ValidationSplit(0.25, seed: 3);
        var held = Enumerable.Range(0, 4000).Where(i => split.IsValidation(i)).ToList();
        Assert.InRange(held.Count, 900, 1100);
        var (training, validation) = split.Split(Enumerable.Range(0, 4000).ToList());
        Assert.Equal(held, validation);
        Assert.Equal(4000 - held.Count, training.Count);
        Assert.NotEqual(held, Enumerable.Range(0, 4000).Where(i => new ValidationSplit(0.25, seed: 4).IsValidation(i)).ToList());
    }

    /// <summary>Left automatic, 10% is held out with early stopping once there are 1,000 rows; a fraction set by hand keeps
    /// early stopping off unless asked for; patience alone holds 10% out.</summary>
    [Fact]
    public void TheHoldOutIsAutomaticOnceThereAreEnoughRows()
    {
        var options = new RecurrentTrainerOptions();
        Assert.Equal((false, null), (options.HoldOutFor(999).Split.HoldsOut, options.HoldOutFor(999).Patience));
        Assert.Equal((true, 3), (options.HoldOutFor(1_000).Split.HoldsOut, options.HoldOutFor(1_000).Patience));
        Assert.Null(options.ToTrainingOptions(options.HoldOutFor(999)).EarlyStoppingPatience);
        Assert.Equal(3, options.ToTrainingOptions(options.HoldOutFor(5_000)).EarlyStoppingPatience);
        Assert.False(options.HoldOutFor(5_000, tokens: false).Split.HoldsOut);
        options.ValidationFraction = 0.2;
        Assert.Equal((true, null), (options.HoldOutFor(5_000).Split.HoldsOut, options.HoldOutFor(5_000).Patience));
        options.ValidationFraction = null;
        options.EarlyStoppingPatience = 5;
        Assert.Equal((true, 5), (options.HoldOutFor(10).Split.HoldsOut, options.HoldOutFor(10).Patience));
        // Patience with nothing held out is refused, saying how to stop early on validation data of one's own.
        options.ValidationFraction = 0;
        var refused = Assert.ThrowsAny<ArgumentException>(() => options.CheckedCopy<RecurrentTrainerOptions>());
        Assert.Contains("EarlyStoppingPatience", refused.Message);
        Assert.Contains("Fit(train, validation)", refused.Message);
    }

    /// <summary>The summary says which epoch was kept, and warns when the validation result was still improving at the end.</summary>
    [Fact]
    public void TheSummarySaysWhetherMoreEpochsMayHelp()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(300, 3));
        RecurrentModelSummary Train(int epochs, int? patience = 2)
        {
            var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = "Tokens", HiddenSize = 8, EmbeddingSize = 4, Epochs = epochs, LearningRate = 0.01, ValidationFraction = 0.3, EarlyStoppingPatience = patience, Seed = 3,
            });
            using var model = trainer.Fit(data);
            return trainer.LastSummary!;
        }
        var short_ = Train(2);
        Assert.True(short_.StillImproving, short_.ToString());
        Assert.Contains("still falling", short_.ToString());
        var long_ = Train(60);
        Assert.True(long_.History.Count < 60 && long_.KeptEpoch < long_.History.Count, long_.ToString());
        Assert.False(long_.StillImproving);
        Assert.Contains($"kept the weights of epoch {long_.KeptEpoch}", long_.ToString());
        // Without early stopping the last epoch is kept, and no warning is given when its validation was no best.
        var all = Train(long_.History.Count + 10, patience: null);
        Assert.Equal(all.History.Count, all.KeptEpoch);
        Assert.True(all.History.SkipLast(1).Any(e => e.ValidationLoss <= all.History[^1].ValidationLoss)
            && all.History.SkipLast(1).Any(e => e.ValidationErrorRate <= all.History[^1].ValidationErrorRate), all.ToString());
        Assert.False(all.StillImproving, all.ToString());
    }

    /// <summary>Left automatic, a classifier stops on the validation error rate and keeps its best epoch (ties to the lower
    /// loss); a regressor stops on the loss and refuses the error rate, as the encoder–decoder and the generator do.</summary>
    [Fact]
    public void ClassifiersStopOnTheErrorRateAndRegressorsOnTheLoss()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(300, 3));
        RecurrentTrainerOptions Options(string label, int seed = 3) => new()
        {
            FeatureColumnName = "Tokens", LabelColumnName = label, HiddenSize = 8, EmbeddingSize = 4, Epochs = 12, LearningRate = 0.02, ValidationFraction = 0.3,
            EarlyStoppingPatience = 3, Seed = seed,
        };
        // The rule holds at every seed; at some, the lowest validation loss comes at another epoch (seeds 4 and 5 on this project's machine), so
        // the test tells the default from the loss without hanging on the last bits of one run.
        bool toldApart = false;
        foreach (int seed in new[] { 3, 4, 5, 6 })
        {
            var binary = ml.BinaryClassification.Trainers.Lstm(Options("Label", seed));
            using (binary.Fit(data)) { }
            var classified = binary.LastHistory!;
            Assert.All(classified.Epochs, e => Assert.InRange(e.ValidationErrorRate!.Value, 0, 1));
            Assert.Equal(classified.Epochs.OrderBy(e => e.ValidationErrorRate).ThenBy(e => e.ValidationLoss).First().Epoch, classified.KeptEpoch);
            toldApart |= classified.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch != classified.KeptEpoch;
            Assert.Contains("validation error rate", binary.LastSummary!.ToString());
        }
        Assert.True(toldApart, "At every seed the lowest loss came at the kept epoch: the test could not tell the metrics apart.");

        var regression = ml.Regression.Trainers.Gru(Options("Value"));
        using (regression.Fit(data)) { }
        Assert.All(regression.LastHistory!.Epochs, e => Assert.Null(e.ValidationErrorRate));
        Assert.Equal(regression.LastHistory.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch, regression.LastHistory.KeptEpoch);
        Assert.Contains("EarlyStoppingMetric", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Regression.Trainers.Gru(new RecurrentTrainerOptions { EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate })).Message);
        Assert.Contains("EarlyStoppingMetric", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceToSequence(new RnnMlNet.Generation.SequenceToSequenceOptions { EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate })).Message);
        Assert.Contains("EarlyStoppingMetric", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceGenerator(new RnnMlNet.Generation.SequenceGeneratorOptions { EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate })).Message);
    }

    /// <summary>Class weights tilt a classifier towards the class they weigh up; a wrong count fails naming the label column.</summary>
    [Fact]
    public void ClassWeightsTiltTheClassifierAndAreChecked()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(200, 4));
        double MeanProbability(double[]? weights)
        {
            var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = "Tokens", HiddenSize = 6, EmbeddingSize = 4, Epochs = 3, LearningRate = 0.01, Seed = 2, ClassWeights = weights,
            });
            using var model = trainer.Fit(data);
            return model.Transform(data).GetColumn<float>("Probability").Average();
        }
        double plain = MeanProbability(null), towardsTrue = MeanProbability([1, 10]), towardsFalse = MeanProbability([10, 1]);
        Assert.True(towardsFalse < plain && plain < towardsTrue, $"Mean P(true): weighted to false {towardsFalse}, plain {plain}, weighted to true {towardsTrue}.");

        var wrongCount = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Gru(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", LabelColumnName = "Class", Epochs = 1, ClassWeights = [1, 2],
        }).Fit(data));
        Assert.Contains("'Class' has 3 classes", wrongCount.Message);
        // The weights are shown, not their type's name.
        Assert.Contains("ClassWeights is [1, 2]", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions { ClassWeights = [1, 2] })).Message);
        Assert.Contains("ClassWeights", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { ClassWeights = [1, -2] })).Message);
    }

    /// <summary>Word dropout trains on token columns and is refused, naming the column, on float steps.</summary>
    [Fact]
    public void WordDropoutTrainsOnTokensAndIsRefusedOnSteps()
    {
        var ml = _temp.Context();
        var tokens = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 2, WordDropout = 0.3 });
        using (tokens.Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(40, 5)))) Assert.Equal(2, tokens.LastSummary!.History.Count);
        var steps = ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", LabelColumnName = "Value", FeaturesPerStep = 2, Epochs = 1, WordDropout = 0.3 });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => steps.Fit(SyntheticData.Load(ml, SyntheticData.StepRows(20, 5))));
        Assert.Contains("'Steps'", error.Message);
        Assert.Contains("WordDropout", error.Message);
    }

    /// <summary>A handful of rows that the hash would hold out entirely still train; a seed of −1 still mixes into the hash.</summary>
    [Fact]
    public void TheValidationSplitLeavesSomethingToTrainOn()
    {
        int seed = Enumerable.Range(0, 1000).First(s => new ValidationSplit(0.1, s).IsValidation(0));
        var (training, validation) = new ValidationSplit(0.1, seed).Split(["only row"]);
        Assert.Equal(["only row"], training);
        Assert.Empty(validation);
        Assert.NotEqual(Enumerable.Range(0, 200).Select(i => new ValidationSplit(0.5, -1).IsValidation(i)),
            Enumerable.Range(0, 200).Select(i => new ValidationSplit(0.5, 0).IsValidation(i)));
    }

    /// <summary>Under a culture of comma decimals (de-DE), an option's refusal and the summary's table write their numbers
    /// invariantly, as the rest of their text (they wrote "Dropout is 1,5; expected a rate in [0, 1)", "from 1 to 16.777.216"
    /// and losses of "0,7055": the eleventh exploratory pass), and the thread keeps its culture.</summary>
    [Fact]
    public void MessagesAndTheSummaryWriteNumbersInvariantlyInEveryCulture()
    {
        var ml = _temp.Context();
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, Epochs = 2, ValidationFraction = 0.3 });
        using (trainer.Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(40, 5)))) { }
        string invariant = trainer.LastSummary!.ToString();
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Contains("Dropout is 1.5; expected", Assert.Throws<ArgumentOutOfRangeException>(() =>
                ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", Dropout = 1.5 })).Message);
            Assert.Contains("HiddenSize is 20000000; expected from 1 to 16,777,216", Assert.Throws<ArgumentOutOfRangeException>(() =>
                ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 20_000_000 })).Message);
            var tooLarge = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 1_000_000, Epochs = 1 });
            Assert.Contains("more than one array holds (2,147,483,591)", Assert.ThrowsAny<Exception>(() => tooLarge.Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(40, 5)))).Message);
            Assert.Equal(invariant, trainer.LastSummary.ToString());
            Assert.Equal("de-DE", System.Globalization.CultureInfo.CurrentCulture.Name);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
        Assert.Matches(@"loss \d\.\d{4}", invariant);
    }
}
