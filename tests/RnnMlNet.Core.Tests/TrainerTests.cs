using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>The training loop: determinism, callbacks, cancellation, early stopping, every optimizer learning.</summary>
public class TrainerTests
{
    private static readonly LabeledSequence<float>[] Examples = MemoryTaskTests.FirstBitExamples(256, 12, new Random(5));

    /// <summary>Big enough that the matrix products split across threads.</summary>
    private static float[] TrainedWeights(int threads, int seed)
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { Cell = CellKind.Lstm, FeaturesPerStep = 1, HiddenSize = 64, Layers = 2, Dropout = 0.2, Threads = threads }, seed);
        new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 2, Seed = seed }).Fit(Examples);
        return network.Parameters.Values;
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeightsWhateverTheThreadCount()
    {
        float[] oneThread = TrainedWeights(threads: 1, seed: 7);
        float[] twoThreads = TrainedWeights(threads: 2, seed: 7);
        float[] fourThreads = TrainedWeights(threads: 4, seed: 7);
        Assert.Equal(oneThread, twoThreads);
        Assert.Equal(oneThread, fourThreads);
        Assert.NotEqual(oneThread, TrainedWeights(threads: 2, seed: 8));
    }

    /// <summary>Small ragged batches: a thread's share of a step falls to one or two rows (the one-row kernel) at some
    /// thread counts and not at others, so both kernels must give every element the same bits.</summary>
    [Fact]
    public void SmallRaggedBatchesGiveBitIdenticalWeightsWhateverTheThreadCount()
    {
        var random = new Random(12);
        var examples = Enumerable.Range(0, 24).Select(i => new LabeledSequence<float>(
            Sequence<float>.FromTokens(Enumerable.Range(0, 3 + i % 9).Select(_ => random.Next(30)).ToArray()), [i % 2])).ToArray();
        float[] Trained(int threads)
        {
            var network = new RecurrentNetwork<float>(new NetworkOptions
            {
                Cell = CellKind.Lstm, Input = InputKind.EmbeddedTokens, VocabularySize = 30, EmbeddingSize = 16, HiddenSize = 48, Threads = threads,
            }, seed: 3);
            new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 2, BatchSize = 4, Seed = 3 }).Fit(examples);
            return network.Parameters.Values;
        }
        float[] oneThread = Trained(1);
        Assert.Equal(oneThread, Trained(2));
        Assert.Equal(oneThread, Trained(4));
    }

    [Fact]
    public void CallbacksReportEveryBatchAndEpoch()
    {
        var batches = new List<BatchReport>();
        var epochs = new List<EpochReport>();
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8 });
        var options = new TrainingOptions { Epochs = 3, BatchSize = 64, OnBatch = batches.Add, OnEpoch = epochs.Add };
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(Examples, Examples.Take(32).ToArray());

        Assert.Equal(3 * 4, batches.Count);
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.All(batches, b => Assert.True(double.IsFinite(b.Loss) && b.GradientNorm > 0 && b.LearningRate == 1e-3 && b.BatchesInEpoch == 4));
        Assert.All(epochs, e => Assert.NotNull(e.ValidationLoss));
        Assert.True(batches.Zip(batches.Skip(1), (a, b) => b.Elapsed >= a.Elapsed).All(ok => ok));
        Assert.Equal(epochs, history.Epochs);
        Assert.Equal(3, history.KeptEpoch);
    }

    [Fact]
    public void CancellationStopsBetweenBatches()
    {
        using var cancellation = new CancellationTokenSource();
        int seen = 0;
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8 });
        var options = new TrainingOptions { Epochs = 5, CancellationToken = cancellation.Token, OnBatch = _ => { if (++seen == 3) cancellation.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(Examples));
        Assert.Equal(3, seen);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestEpoch()
    {
        // A learning rate that overshoots after the first epochs makes validation loss rise again.
        var validation = MemoryTaskTests.FirstBitExamples(64, 12, new Random(6));
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8 }, seed: 1);
        var snapshots = new Dictionary<int, float[]>();
        var options = new TrainingOptions
        {
            Epochs = 30, LearningRate = 0.3, ClipNorm = null, EarlyStoppingPatience = 2,
            OnEpoch = e => snapshots[e.Epoch] = (float[])network.Parameters.Values.Clone(),
        };
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(Examples, validation);

        int best = history.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch;
        Assert.Equal(best, history.KeptEpoch);
        Assert.Equal(snapshots[best], network.Parameters.Values);
        Assert.True(history.StoppedEarly, "Training ran all 30 epochs: the test setup no longer overfits.");
        Assert.Equal(best + 2, history.Epochs.Count);
    }

    /// <summary>With <see cref="EarlyStoppingMetric.ErrorRate"/>, each epoch reports the share of validation rows its weights
    /// get wrong, and training keeps the epoch with the fewest (ties to the lower loss).</summary>
    [Fact]
    public void EachEpochReportsTheShareOfValidationRowsItGetsWrong()
    {
        // Labels flipped at random (one in five) keep the error rate above 0, with ties between epochs.
        var noise = new Random(8);
        LabeledSequence<float>[] Noisy(LabeledSequence<float>[] examples) =>
            examples.Select(e => noise.NextDouble() < 0.2 ? e with { Target = [1 - e.Target[0]] } : e).ToArray();
        var training = Noisy(MemoryTaskTests.FirstBitExamples(128, 6, new Random(5)));
        var validation = Noisy(MemoryTaskTests.FirstBitExamples(200, 6, new Random(6)));
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 16 }, seed: 1);
        var snapshots = new Dictionary<int, float[]>();
        var options = new TrainingOptions
        {
            Epochs = 60, LearningRate = 0.02, EarlyStoppingPatience = 10, EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate,
            OnEpoch = e => snapshots[e.Epoch] = (float[])network.Parameters.Values.Clone(),
        };
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(training, validation);
        var kept = (float[])network.Parameters.Values.Clone();

        foreach (var e in history.Epochs)
        {
            snapshots[e.Epoch].CopyTo(network.Parameters.Values, 0);
            Assert.Equal(1 - MemoryTaskTests.Accuracy(network, validation), e.ValidationErrorRate!.Value, 1e-12);
        }
        int best = history.Epochs.OrderBy(e => e.ValidationErrorRate).ThenBy(e => e.ValidationLoss).First().Epoch;
        Assert.Equal(best, history.KeptEpoch);
        Assert.Equal(snapshots[best], kept);
        Assert.True(history.StoppedEarly, "Training ran all 60 epochs: the error rate never stopped falling.");
    }

    /// <summary>
    /// Early stopping watches the metric it is given. An objective with scripted validation results (its one weight counts
    /// the epochs trained) has its lowest loss at epoch 2 and its fewest errors at epochs 3 and 4, the lower loss at 3:
    /// the loss keeps epoch 2 and stops after 4; the error rate keeps epoch 3 and stops after 5.
    /// </summary>
    [Theory]
    [InlineData(EarlyStoppingMetric.Loss, 2, 4)]
    [InlineData(EarlyStoppingMetric.ErrorRate, 3, 5)]
    public void EarlyStoppingKeepsTheBestEpochOfItsMetric(EarlyStoppingMetric metric, int kept, int trained)
    {
        var objective = new ScriptedObjective([(0.50, 4), (0.40, 3), (0.45, 2), (0.60, 2), (0.55, 3), (0.70, 3), (0.80, 4)]);
        var options = new TrainingOptions
        {
            Epochs = 7, BatchSize = 8, LearningRate = 1, ClipNorm = null, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 0 },
            EarlyStoppingPatience = 2, EarlyStoppingMetric = metric,
        };
        var history = new RecurrentTrainer<float>(objective, options).Fit(Examples.Take(8).ToArray(), Examples.Take(1).ToArray());
        Assert.Equal((kept, trained), (history.KeptEpoch, history.Epochs.Count));
        Assert.Equal(kept, objective.Parameters.Values[0]);
        Assert.Equal(new[] { 0.4, 0.3, 0.2, 0.2, 0.3 }.Take(trained), history.Epochs.Select(e => e.ValidationErrorRate!.Value));
    }

    /// <summary>
    /// With <see cref="TrainingOptions.AveragedEpochs"/>, the network ends with the mean of the weights of the best epochs by
    /// the metric (the scripted objective's one weight is the epoch's number, so the mean is the mean of the epochs' numbers):
    /// on the loss (0.50, 0.40, 0.45, 0.60) epochs 2 and 3, and all three validated ones; on the error rate (0.4, 0.3, 0.2,
    /// 0.2, 0.3) epochs 3 and 4 (tied, the lower loss first), and with 3 epoch 2 as well, which ties epoch 5 with a lower loss.
    /// Averaging changes neither the epochs trained nor the epoch counted as best.
    /// </summary>
    [Theory]
    [InlineData(EarlyStoppingMetric.Loss, 2, new[] { 2, 3 }, 4)]
    [InlineData(EarlyStoppingMetric.Loss, 5, new[] { 2, 3, 1, 4 }, 4)]
    [InlineData(EarlyStoppingMetric.ErrorRate, 2, new[] { 3, 4 }, 5)]
    [InlineData(EarlyStoppingMetric.ErrorRate, 3, new[] { 3, 4, 2 }, 5)]
    public void AveragingKeepsTheMeanOfTheBestEpochsWeights(EarlyStoppingMetric metric, int averaged, int[] epochs, int trained)
    {
        var objective = new ScriptedObjective([(0.50, 4), (0.40, 3), (0.45, 2), (0.60, 2), (0.55, 3), (0.70, 3), (0.80, 4)]);
        var options = new TrainingOptions
        {
            Epochs = 7, BatchSize = 8, LearningRate = 1, ClipNorm = null, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 0 },
            EarlyStoppingPatience = 2, EarlyStoppingMetric = metric, AveragedEpochs = averaged,
        };
        var history = new RecurrentTrainer<float>(objective, options).Fit(Examples.Take(8).ToArray(), Examples.Take(1).ToArray());
        Assert.Equal(epochs, history.AveragedEpochs);
        Assert.Equal((epochs[0], trained), (history.KeptEpoch, history.Epochs.Count));
        Assert.Equal((float)epochs.Average(), objective.Parameters.Values[0], 6);
    }

    /// <summary>Fewer errors win whatever the loss, equal errors go to the lower loss, and a NaN loss never wins.</summary>
    [Fact]
    public void TheErrorRateComparesErrorsThenLossesAndNeverTrustsANaNLoss()
    {
        var fewerErrors = new Validation(0.5, 0.1);
        var lowerLoss = new Validation(0.4, 0.2);
        Assert.True(fewerErrors.IsBetterThan(lowerLoss, EarlyStoppingMetric.ErrorRate));
        Assert.False(fewerErrors.IsBetterThan(lowerLoss, EarlyStoppingMetric.Loss));
        Assert.True(new Validation(0.3, 0.2).IsBetterThan(lowerLoss, EarlyStoppingMetric.ErrorRate));
        Assert.False(new Validation(0.4, 0.2).IsBetterThan(lowerLoss, EarlyStoppingMetric.ErrorRate));
        Assert.False(new Validation(double.NaN, 0).IsBetterThan(Validation.None, EarlyStoppingMetric.ErrorRate));
        Assert.True(new Validation(0.9, 0.9).IsBetterThan(Validation.None, EarlyStoppingMetric.ErrorRate));
    }

    /// <summary>One weight that each step raises by 1 (a gradient of −1 at learning rate 1), and per epoch a scripted
    /// validation loss and errors out of 10, read off that weight.</summary>
    private sealed class ScriptedObjective((double Loss, int Errors)[] script) : ITrainingObjective<float>
    {
        private readonly ParameterSet<float> _parameters = NewParameters();

        private static ParameterSet<float> NewParameters()
        {
            var parameters = new ParameterSet<float>();
            parameters.Register("epochs", 1);
            return parameters;
        }

        public ParameterSet<float> Parameters => _parameters;

        public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<float>> batch, Random dropout)
        {
            _parameters.Gradients[0] = -1;
            return (1, batch.Count);
        }

        public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<float>> batch) => (Script.Loss, 1);

        (double Loss, double Weight, double Errors, double Predictions) ITrainingObjective<float>.EvaluateWithErrors(IReadOnlyList<LabeledSequence<float>> batch) =>
            (Script.Loss, 1, Script.Errors, 10);

        private (double Loss, int Errors) Script => script[(int)_parameters.Values[0] - 1];
    }

    /// <summary>The error rate needs a loss that classifies.</summary>
    [Fact]
    public void EarlyStoppingOnTheErrorRateOfARegressorIsRefused()
    {
        var examples = MemoryTaskTests.FirstBitExamples(32, 4, new Random(3));
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4 }, seed: 1);
        var options = new TrainingOptions { Epochs = 2, EarlyStoppingPatience = 1, EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate };
        var error = Assert.Throws<InvalidOperationException>(() => new RecurrentTrainer<float>(network, new MeanSquaredError<float>(), options).Fit(examples, examples));
        Assert.Contains("ErrorRate", error.Message);
    }

    /// <summary>Errors are counted per prediction on the rows that count, each with its label's class weight: a binary output
    /// is right when its logit's sign matches the label, a softmax row when its largest logit is the label's.</summary>
    [Fact]
    public void LossesCountWrongPredictions()
    {
        float[] binaryLogits = [2f, -1f, 0.5f, -3f];
        float[] binaryTargets = [1f, 1f, 0f, 0f];
        Assert.Equal((2.0, 4.0), new BinaryCrossEntropy<float>().Errors(binaryLogits, binaryTargets, [], rows: 4, outputs: 1));
        // Rows 1 (a true, weight 1) and 2 (a false, weight 5) are wrong, of weights 1 + 1 + 5 + 5.
        Assert.Equal((6.0, 12.0), new BinaryCrossEntropy<float>(5, 1).Errors(binaryLogits, binaryTargets, [], rows: 4, outputs: 1));
        Assert.Equal((1.0, 2.0), new BinaryCrossEntropy<float>().Errors(binaryLogits, binaryTargets, [1, 0, 1, 0], rows: 4, outputs: 1));
        float[] softmaxLogits = [0f, 3f, 1f, /**/ 2f, 2f, 0f, /**/ -1f, -2f, 5f];
        Assert.Equal((1.0, 3.0), new SoftmaxCrossEntropy<float>().Errors(softmaxLogits, [1f, 1f, 2f], [], rows: 3, outputs: 3));
        // Row 1 (class 1, weight 2; the tie goes to class 0) is wrong, of weights 2 + 2 + 3.
        Assert.Equal((2.0, 7.0), new SoftmaxCrossEntropy<float>([1, 2, 3]).Errors(softmaxLogits, [1f, 1f, 2f], [], rows: 3, outputs: 3));
        Assert.Equal((0.0, 0.0), new MeanSquaredError<float>().Errors([1f], [2f], [], rows: 1, outputs: 1));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.1, 80)]
    [InlineData(OptimizerKind.Adam, 0.01, 25)]
    [InlineData(OptimizerKind.AdamW, 0.01, 25)]
    [InlineData(OptimizerKind.RmsProp, 0.01, 25)]
    public void EveryOptimizerLearnsTheFirstBit(OptimizerKind kind, double learningRate, int epochs)
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { Cell = CellKind.Gru, HiddenSize = 8, Threads = 1 }, seed: 1);
        var options = new TrainingOptions { Epochs = epochs, LearningRate = learningRate, Optimizer = new OptimizerSettings { Kind = kind }, Schedule = LearningRateSchedule.Cosine() };
        new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(Examples);
        double accuracy = MemoryTaskTests.Accuracy(network, MemoryTaskTests.FirstBitExamples(200, 12, new Random(9)));
        Assert.True(accuracy >= 0.95, $"{kind}: accuracy {accuracy:P1}.");
    }

    /// <summary>Generates examples on demand and counts how many it has handed out.</summary>
    private sealed class CountingSource(int count) : ISequenceSource<float>
    {
        public int Produced;

        public int? Count => null;

        public IEnumerable<LabeledSequence<float>> Read()
        {
            var random = new Random(1);
            for (int i = 0; i < count; i++)
            {
                Produced++;
                yield return MemoryTaskTests.FirstBitExamples(1, 5, random)[0];
            }
        }
    }

    /// <summary>Adam at lr 1e3 without clipping blows the loss up while it stays finite: training stops with the reason
    /// and the advice, and the network is back at the weights of the last finished epoch; with the check off it runs on.</summary>
    [Fact]
    public void AFiniteBlowUpStopsTrainingAndKeepsTheLastGoodEpoch()
    {
        RecurrentTrainer<float> Trainer(RecurrentNetwork<float> network, double? factor) => new(network, new BinaryCrossEntropy<float>(),
            new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 1e3, ClipNorm = null, DivergenceFactor = factor, Seed = 1 });
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2);
        var start = (float[])network.Parameters.Values.Clone();
        var error = Assert.Throws<TrainingDivergedException>(() => Trainer(network, 10).Fit(Examples));
        Assert.Contains("mean loss of the last 20 batches", error.Message);
        Assert.Contains("ClipNorm", error.Message);
        Assert.Equal(1, error.Epoch);
        Assert.Contains("starting weights", error.Message);
        Assert.Equal(start, network.Parameters.Values);

        var unchecked_ = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2);
        var history = Trainer(unchecked_, null).Fit(Examples);
        Assert.Equal(3, history.Epochs.Count);
        Assert.True(history.Epochs[^1].TrainingLoss > 10 * 0.7, $"Unchecked, the last epoch's loss is {history.Epochs[^1].TrainingLoss}.");
    }

    /// <summary>A run too short to fill the check's window of 20 batches is checked on the batches it had when it ends: eight
    /// batches at a learning rate of 1e6 returned a network at a loss of about a million without a word; eight ordinary
    /// ones still train.</summary>
    [Fact]
    public void AShortRunThatBlowsUpIsCaughtWhenItEnds()
    {
        TrainingHistory Train(double rate) => new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2),
            new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = rate, ClipNorm = null, DivergenceFactor = 10, Seed = 1 }).Fit(Examples);
        var error = Assert.Throws<TrainingDivergedException>(() => Train(1e6));
        Assert.Contains("the mean loss of the last 8 batches", error.Message);
        Assert.Contains("The run ended before the 20 batches the check otherwise averages", error.Message);
        Assert.Equal((1, 8), (error.Epoch, error.Batch));
        Assert.Single(Train(1e-3).Epochs);
    }

    /// <summary>AdamW's weight decay at a million takes 2,000 times every weight each step: the refusal says so, where it
    /// advised a lower learning rate (already the default) or clipping, which cannot help.</summary>
    [Fact]
    public void ABlowUpFromWeightDecayNamesWeightDecay()
    {
        var options = new TrainingOptions { Epochs = 5, BatchSize = 32, LearningRate = 0.002, Seed = 1, Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, WeightDecay = 1e6 } };
        var error = Assert.Throws<TrainingDivergedException>(() => new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2),
            new BinaryCrossEntropy<float>(), options).Fit(Examples));
        Assert.Contains("AdamW's WeightDecay (1000000) times the learning rate (0.002) is 2000", error.Message);
        Assert.DoesNotContain("ClipNorm", error.Message);
    }

    /// <summary>A blow-up in epoch 2 (a rate raised a millionfold after epoch 1) stops training with the network back at the
    /// weights epoch 1 ended with: those of a run of that one epoch.</summary>
    [Fact]
    public void ABlowUpAfterTheFirstEpochGoesBackToItsWeights()
    {
        TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 8, LearningRate = 1e-3, ClipNorm = null, DivergenceFactor = 10, Seed = 1, Schedule = new RaisedAfterOneEpoch() };
        var oneEpoch = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2);
        new RecurrentTrainer<float>(oneEpoch, new BinaryCrossEntropy<float>(), Options(1)).Fit(Examples);
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2);
        var error = Assert.Throws<TrainingDivergedException>(() => new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), Options(3)).Fit(Examples));
        Assert.Equal(2, error.Epoch);
        Assert.Contains("back at the weights of epoch 1", error.Message);
        Assert.Equal(oneEpoch.Parameters.Values, network.Parameters.Values);
    }

    /// <summary>The base rate for the first epoch, a million times it afterwards.</summary>
    private sealed class RaisedAfterOneEpoch : LearningRateSchedule
    {
        public override double Rate(double baseRate, double epochsDone, int totalEpochs) => epochsDone < 1 ? baseRate : baseRate * 1e6;
    }

    /// <summary>Training cancelled after epoch 2 (or within epoch 2, after a checkpoint written every 4 batches) and started
    /// again from its checkpoint, by a fresh network and trainer as a new process would, ends with the weights and losses of
    /// an uninterrupted run, bit for bit: Adam's state, dropout masks, shuffling, early stopping and a reduce-on-plateau
    /// schedule included. The checkpoint is gone once training finishes.</summary>
    [Theory]
    [InlineData(null, 16, EarlyStoppingMetric.Loss, 1)]
    [InlineData(4, 10, EarlyStoppingMetric.Loss, 1)]
    [InlineData(null, 16, EarlyStoppingMetric.ErrorRate, 1)]
    [InlineData(4, 10, EarlyStoppingMetric.ErrorRate, 1)]
    [InlineData(null, 16, EarlyStoppingMetric.Loss, 5)]
    [InlineData(4, 10, EarlyStoppingMetric.ErrorRate, 5)]
    [InlineData(4, 10, EarlyStoppingMetric.Loss, 1, 8)]
    [InlineData(null, 16, EarlyStoppingMetric.Loss, 1, 8)]
    public void ACheckpointedRunResumesToTheWeightsOfAnUninterruptedOne(int? everyBatches, int cancelAfterBatch, EarlyStoppingMetric metric, int averaged, int window = 0)
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-checkpoint-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "run.checkpoint");
        try
        {
            var shape = new NetworkOptions { HiddenSize = 6, Layers = 2, Dropout = 0.3, Threads = 1 };
            var validation = MemoryTaskTests.FirstBitExamples(64, 12, new Random(9));
            TrainingHistory Train(RecurrentNetwork<float> network, CancellationToken token = default, Action<BatchReport>? onBatch = null) =>
                new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
                {
                    Epochs = 5, BatchSize = 16, Seed = 4, CheckpointPath = path, CheckpointEveryBatches = everyBatches, EarlyStoppingPatience = 3,
                    EarlyStoppingMetric = metric, AveragedEpochs = averaged, TrainingWindow = window, Schedule = LearningRateSchedule.ReduceOnPlateau(0.5, 1), CancellationToken = token, OnBatch = onBatch,
                }).Fit(Examples, validation);

            var uninterrupted = new RecurrentNetwork<float>(shape, seed: 1);
            var full = Train(uninterrupted);
            Assert.False(File.Exists(path));

            using var cancel = new CancellationTokenSource();
            // 256 examples make 16 batches an epoch: the cancel lands after batch 16 (the epoch's end) or within the epoch.
            Assert.Throws<OperationCanceledException>(() => Train(new RecurrentNetwork<float>(shape, seed: 1), cancel.Token,
                b => { if (b.Epoch == 2 && b.Batch == cancelAfterBatch) cancel.Cancel(); }));
            Assert.True(File.Exists(path));
            var resumed = new RecurrentNetwork<float>(shape, seed: 1);
            (int Epoch, int Batch)? first = null;
            var rest = Train(resumed, onBatch: b => first ??= (b.Epoch, b.Batch));
            // It resumed after the last checkpoint, not from the start (which, training being deterministic, ends with the
            // same weights too): within epoch 2 after the last multiple of CheckpointEveryBatches, or at epoch 3.
            Assert.Equal(everyBatches is int every ? (2, cancelAfterBatch / every * every + 1) : (3, 1), first);

            Assert.Equal(uninterrupted.Parameters.Values, resumed.Parameters.Values);
            Assert.Equal(full.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.ValidationErrorRate)), rest.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.ValidationErrorRate)));
            Assert.All(rest.Epochs, e => Assert.NotNull(e.ValidationErrorRate));
            Assert.Equal(full.KeptEpoch, rest.KeptEpoch);
            // Averaging restores the runners-up from the checkpoint: the resumed run averages the same epochs (with 5, every
            // epoch validated, those before the interruption included).
            Assert.Equal(full.AveragedEpochs, rest.AveragedEpochs);
            Assert.Equal(Math.Min(averaged, full.Epochs.Count), full.AveragedEpochs.Count);
            Assert.False(File.Exists(path));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A NaN validation loss stays NaN through a checkpoint (a schedule counts it), and a missing one stays missing.</summary>
    /// <summary>The fingerprint the checkpoints written by hand below carry: "f".</summary>
    private static CheckpointFingerprint WrittenWith => new([("a test's setting", "f")]);

    [Fact]
    public void ACheckpointKeepsNaNAndMissingValidationLossesApart()
    {
        string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            new TrainingCheckpoint<float>
            {
                Epoch = 2, Weights = [1f, 2f], OptimizerSteps = 3, OptimizerState = [null, [4f, 5f]], Best = [], BatchesPerEpoch = 1,
                DivergenceStart = 0.7, RecentLosses = [0.7, 0.6], Partial = null, LastGood = null, Validating = true,
                History = [new EpochReport(1, 0.7, double.NaN, 1, TimeSpan.Zero), new EpochReport(2, 0.6, null, 1, TimeSpan.Zero)],
            }.Write(path, "f");
            var read = TrainingCheckpoint<float>.Read(path, WrittenWith)!;
            Assert.True(double.IsNaN(read.History[0].ValidationLoss!.Value));
            Assert.Null(read.History[1].ValidationLoss);
            Assert.Equal([0.7, 0.6], read.RecentLosses);
            Assert.Equal([4f, 5f], read.OptimizerState[1]!);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A checkpoint written before weight averaging (no runners-up at its end) reads with its best epoch alone; one
    /// whose runners-up do not match its history is refused by name. Whether its training validated is read as written, and
    /// from the history in one written before that was (the last byte before the SHA-256).</summary>
    [Fact]
    public void ACheckpointWithoutRunnersUpReadsItsBestEpoch()
    {
        string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-checkpoint-" + Guid.NewGuid().ToString("N"));
        TrainingCheckpoint<float> Checkpoint(params (int, float[])[] best) => new()
        {
            Epoch = 2, Weights = [1f, 2f], OptimizerSteps = 3, OptimizerState = [null], Best = best, BatchesPerEpoch = 1,
            DivergenceStart = 0.7, RecentLosses = [], Partial = null, LastGood = null, Validating = false,
            History = [new EpochReport(1, 0.7, 0.5, 1, TimeSpan.Zero), new EpochReport(2, 0.6, 0.4, 1, TimeSpan.Zero)],
        };
        void WriteWithout(int lastBytes)
        {
            byte[] bytes = File.ReadAllBytes(path);
            byte[] old = bytes[..^(32 + lastBytes)];
            File.WriteAllBytes(path, [.. old, .. System.Security.Cryptography.SHA256.HashData(old)]);
        }
        try
        {
            Checkpoint((2, [3f, 4f])).Write(path, "f");
            Assert.False(TrainingCheckpoint<float>.Read(path, WrittenWith)!.Validating);
            WriteWithout(1);
            Assert.True(TrainingCheckpoint<float>.Read(path, WrittenWith)!.Validating);
            // As the version before weight averaging wrote it: without the runner-up count either (4 bytes more).
            WriteWithout(4);
            var read = TrainingCheckpoint<float>.Read(path, WrittenWith)!;
            Assert.Equal([2], read.Best.Select(b => b.Epoch));
            Assert.Equal([3f, 4f], read.Best[0].Weights);

            Checkpoint((2, [3f, 4f]), (1, [5f, 6f])).Write(path, "f");
            Assert.Equal([2, 1], TrainingCheckpoint<float>.Read(path, WrittenWith)!.Best.Select(b => b.Epoch));
            Checkpoint((2, [3f, 4f]), (3, [5f, 6f])).Write(path, "f");
            Assert.Contains(path, Assert.Throws<InvalidDataException>(() => TrainingCheckpoint<float>.Read(path, WrittenWith)).Message);

            // Within the first epoch, before any history, an earlier version's checkpoint cannot tell.
            new TrainingCheckpoint<float>
            {
                Epoch = 0, Weights = [1f, 2f], OptimizerSteps = 1, OptimizerState = [null], Best = [], BatchesPerEpoch = null,
                DivergenceStart = 0.7, RecentLosses = [], Partial = new EpochTally { Batches = 1 }, LastGood = [1f, 2f], Validating = true, History = [],
            }.Write(path, "f");
            WriteWithout(1);
            Assert.Null(TrainingCheckpoint<float>.Read(path, WrittenWith)!.Validating);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A checkpoint written with other options, or damaged, is refused by name rather than resumed.</summary>
    [Fact]
    public void AForeignOrDamagedCheckpointIsRefused()
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-checkpoint-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "run.checkpoint");
        try
        {
            void Train(double rate, CancellationToken token = default, Action<EpochReport>? onEpoch = null, int stepEvery = 2, double dropout = 0,
                Pooling pooling = Pooling.Last, int examples = 0, EarlyStoppingMetric metric = EarlyStoppingMetric.ErrorRate, int averaged = 2, int window = 0, int hidden = 4,
                int? patience = 2, (string, string)[]? caller = null) =>
                new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = hidden, Layers = 2, Dropout = dropout, Pooling = pooling, Threads = 1 }, seed: 1),
                    new BinaryCrossEntropy<float>(), new TrainingOptions
                    {
                        Epochs = 3, LearningRate = rate, Schedule = LearningRateSchedule.Step(stepEvery, 0.5), CheckpointPath = path, CancellationToken = token, OnEpoch = onEpoch,
                        EarlyStoppingPatience = patience, EarlyStoppingMetric = metric, AveragedEpochs = averaged, TrainingWindow = window, CallerSettings = caller ?? [],
                    }).Fit(examples == 0 ? Examples : Examples.Take(examples).ToArray(), Examples.Take(24).ToArray());
            using var cancel = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => Train(0.01, cancel.Token, _ => cancel.Cancel()));

            var other = Assert.Throws<InvalidDataException>(() => Train(0.02));
            Assert.Contains(path, other.Message);
            Assert.Contains("other options", other.Message);
            // The message shows the first setting that differs.
            Assert.Contains("the checkpoint's settings read '0.01' where this training's read '0.02' (LearningRate)", other.Message);
            Assert.Contains("read nothing where this training's read 'window 6' (TrainingWindow)", Assert.Throws<InvalidDataException>(() => Train(0.01, window: 6)).Message);
            Assert.Matches(@"settings read '[^']*\[\d+, 16\][^']*' where this training's read '[^']*\[\d+, 20\][^']*' \(the network's weights, by name and shape\)",
                Assert.Throws<InvalidDataException>(() => Train(0.01, hidden: 5)).Message);
            // A setting the checkpoint has and this training lacks (the averaging of two epochs, against one), and one in the middle.
            Assert.Contains("read 'average 2' where this training's read nothing (a setting this training does not have)", Assert.Throws<InvalidDataException>(() => Train(0.01, averaged: 1)).Message);
            Assert.Contains("(Schedule)", Assert.Throws<InvalidDataException>(() => Train(0.01, stepEvery: 3)).Message);
            // A setting unset here, and one of the caller's own (the ML.NET trainers' MaximumLength), named as the caller names it.
            Assert.Contains("read '2' where this training's read no value (unset) (EarlyStoppingPatience)", Assert.Throws<InvalidDataException>(() => Train(0.01, averaged: 1, patience: null)).Message);
            Assert.Contains("read nothing where this training's read 'first 5 steps' (MaximumLength)",
                Assert.Throws<InvalidDataException>(() => Train(0.01, caller: [("MaximumLength", "first 5 steps")])).Message);
            // Settings that change the weights but not the parameters' shapes: the schedule's, the dropout rate.
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, stepEvery: 3)).Message);
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, dropout: 0.2)).Message);
            // Settings that add no parameter: the pooling over steps; which epochs are kept, by what and how many averaged.
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, pooling: Pooling.Max)).Message);
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, metric: EarlyStoppingMetric.Loss)).Message);
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, averaged: 1)).Message);
            // Nor does the training window, which changes what each epoch reads.
            Assert.Contains("other options", Assert.Throws<InvalidDataException>(() => Train(0.01, window: 6)).Message);
            // Other data under the same options: fewer batches per epoch.
            Assert.Contains("batches per epoch", Assert.Throws<InvalidDataException>(() => Train(0.01, examples: Examples.Length / 2)).Message);

            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(path, bytes);
            Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => Train(0.01)).Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Per-step reports count the sequences of the epoch so far and estimate what the epoch still needs.</summary>
    [Fact]
    public void BatchReportsCountRowsAndEstimateTheRestOfTheEpoch()
    {
        var reports = new List<BatchReport>();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 16, OnBatch = reports.Add };
        new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = 1 }), new BinaryCrossEntropy<float>(), options).Fit(Examples.Take(40).ToArray());
        Assert.Equal([1, 1, 1, 2, 2, 2], reports.Select(r => r.Epoch));
        // Batches of 16, 16 and 8 rows, in the order bucketing shuffles them: the count grows to 40 each epoch.
        foreach (var epoch in reports.GroupBy(r => r.Epoch))
        {
            var counts = epoch.Select(r => r.RowsInEpoch).ToArray();
            Assert.Equal(40, counts[^1]);
            Assert.Equal([8, 16, 16], counts.Zip([0, .. counts[..^1]], (now, before) => now - before).Order());
        }
        Assert.All(reports, r => Assert.Equal(3, r.BatchesInEpoch));
        Assert.All(reports.Where(r => r.Batch == 3), r => Assert.Equal(TimeSpan.Zero, r.EpochRemaining));
        Assert.All(reports, r => Assert.True(r.RowsPerSecond > 0 && r.EpochElapsed <= r.Elapsed));
    }

    /// <summary>A cancel is seen between the time steps of a batch, not only between batches: TrainBatch checks nothing
    /// before its step, so only the checks inside the forward pass can stop it; the weights are the ones before the step.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CancellationIsSeenInsideABatch(int threads)
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = threads }, seed: 1);
        var before = (float[])network.Parameters.Values.Clone();
        var trainer = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { CancellationToken = cancel.Token });
        var batch = SequenceBatch<float>.Create(Examples.Take(8).ToArray(), targetsPerStep: false);
        Assert.Throws<OperationCanceledException>(() => trainer.TrainBatch(batch, 0.01));
        Assert.Equal(before, network.Parameters.Values);
        // Outside training nothing is cancelled: the same network still scores.
        Assert.All(network.Predict(Examples.Take(2).Select(e => e.Input).ToArray()), logits => Assert.True(float.IsFinite(logits[0])));
    }

    /// <summary>Every thread working on a batch's rows stops at its next time step when the step is cancelled, and one
    /// cancellation reaches the caller: only the thread of the first rows used to check, so the other ran its rows to the
    /// end of the sequence first (seconds for a long one, with Threads 2).</summary>
    [Fact]
    public void EveryThreadOfABatchStopsAtItsNextStepWhenCancelled()
    {
        const int steps = 3000;
        var sequence = Sequence<float>.FromFeatures(new float[steps], 1);
        var batch = SequenceBatch<float>.Create([sequence, sequence]);
        var run = new RnnMlNet.Core.Layers.DirectionRun<float>(hiddenSize: 2, hasCellState: false, reverse: false);
        run.Start(RnnMlNet.Core.Layers.LayerInput<float>.FromDense(new float[2 * steps], 1), batch, default, default);
        using var cancel = new CancellationTokenSource();
        var lastStep = new int[2];
        // Two threads, one row each (the work per row and step is large enough to split); the second row's thread cancels.
        void Pass() => run.ForEachStep(RnnMlNet.Core.Threading.Parallelism.MinimumParallelWork, threads: 2, (t, first, rows) =>
        {
            lastStep[first] = t;
            if (first == 1 && t == 10) cancel.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() => RnnMlNet.Core.Threading.StepCancellation.Run(cancel.Token, () => { Pass(); return 0; }));
        Assert.Equal(10, lastStep[1]);
        // Outside a training step nothing is cancelled: the same pass runs every step.
        Pass();
        Assert.Equal([steps - 1, steps - 1], lastStep);
    }

    /// <summary>Fine-tuning a trained model starts near a loss of 0.001: its ups and downs around 0.01 are not a blow-up
    /// (found training a wide part on top of a trained LSTM), while losses in the hundreds after a start of 0.7 are.</summary>
    [Fact]
    public void FineTuningIsNotTakenForDivergence()
    {
        var fineTuning = new DivergenceWatch(10);
        Assert.DoesNotContain(new[] { 0.0009 }.Concat(Enumerable.Repeat(0.0095, 40)), fineTuning.Diverged);
        var blowUp = new DivergenceWatch(10);
        Assert.Contains(new[] { 0.7 }.Concat(Enumerable.Repeat(912.0, 40)), blowUp.Diverged);
    }

    /// <summary>Ordinary training, loss falling with a few hard batches, is never stopped by the check.</summary>
    [Fact]
    public void OrdinaryTrainingIsNotTakenForDivergence()
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Threads = 1 }, seed: 2);
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 0.01 }).Fit(Examples);
        Assert.Equal(3, history.Epochs.Count);
    }

    [Fact]
    public void StreamedTrainingHoldsOnlyTheShuffleBufferAndOneWindow()
    {
        var source = new CountingSource(5000);
        var producedAtFirstBatch = new List<int>();
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = 1 });
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 8, ShuffleBufferSize = 100,
            OnBatch = b => { if (b.Batch == 1) producedAtFirstBatch.Add(source.Produced); },
        };
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(source);

        // Training starts once the buffer (100) has filled and one bucketing window (50 batches of 8) has formed.
        Assert.Equal(2, producedAtFirstBatch.Count);
        Assert.True(producedAtFirstBatch[0] <= 100 + 8 * 50, $"{producedAtFirstBatch[0]} examples were read before the first batch.");
        Assert.Equal(2 * 5000, source.Produced);
        Assert.Equal(2, history.Epochs.Count);
    }

    /// <summary>A source that does not say how many examples it holds, as a streamed data view with a validation split.</summary>
    private sealed class UncountedSource(IReadOnlyList<LabeledSequence<float>> examples) : ISequenceSource<float>
    {
        public int? Count => null;

        public IEnumerable<LabeledSequence<float>> Read() => examples;
    }

    /// <summary>Small data gets enough gradient steps: 40 examples in batches of 32 make 2 steps an epoch, so 30 steps take 15 epochs,
    /// known from the count in advance or after the first epoch of a source that does not say.</summary>
    [Fact]
    public void MinimumStepsAddsEpochsForSmallData()
    {
        var examples = Examples.Take(40).ToArray();
        var steps = new List<BatchReport>();
        var options = new TrainingOptions { Epochs = 2, MinimumSteps = 30, Schedule = LearningRateSchedule.Cosine(), OnBatch = steps.Add };
        var history = new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4 }), new BinaryCrossEntropy<float>(), options).Fit(examples);
        Assert.Equal(15, history.Epochs.Count);
        Assert.Equal(30, steps.Count);
        // The schedule anneals over the epochs actually run: the last step's rate is near its end.
        Assert.True(steps[^1].LearningRate < 0.02 * options.LearningRate, $"The last rate was {steps[^1].LearningRate}.");

        var streamed = new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4 }), new BinaryCrossEntropy<float>(),
            new TrainingOptions { Epochs = 2, MinimumSteps = 30 }).Fit(new UncountedSource(examples));
        Assert.Equal(15, streamed.Epochs.Count);
        var large = new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4 }), new BinaryCrossEntropy<float>(),
            new TrainingOptions { Epochs = 2, MinimumSteps = 3 }).Fit(examples);
        Assert.Equal(2, large.Epochs.Count);
    }

    /// <summary>A validation source that yields nothing (a hold-out that drew no row) is refused by early stopping, which
    /// would rank its loss of 0 first and keep the first epoch; without early stopping, the epochs report no validation.</summary>
    [Fact]
    public void AnEmptyValidationSourceIsRefusedByEarlyStoppingAndReportedAsNone()
    {
        var examples = new ListSequenceSource<float>(MemoryTaskTests.FirstBitExamples(32, 4, new Random(3)));
        var empty = new ListSequenceSource<float>([]);
        RecurrentTrainer<float> Trainer(int? patience) => new(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4 }, seed: 1),
            new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 2, EarlyStoppingPatience = patience, HoldOutDescription = "0.2 of the rows" });
        Assert.Contains("no validation examples (0.2 of the rows)", Assert.Throws<ArgumentException>(() => Trainer(1).Fit(examples, empty)).Message);
        Assert.Contains("outside the validation rows (0.2 of the rows)", Assert.Throws<ArgumentException>(() => Trainer(1).Fit(empty, examples)).Message);
        var history = Trainer(null).Fit(examples, empty);
        Assert.Equal(2, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.Null(e.ValidationLoss));
        Assert.Contains("no examples", Assert.Throws<ArgumentException>(() => Trainer(null).Evaluate(empty)).Message);
    }

    [Fact]
    public void BadOptionsAndDataAreRejected()
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 2 });
        var loss = new BinaryCrossEntropy<float>();
        Assert.Contains("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions { BatchSize = 0 })).Message);
        Assert.Contains("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions { LearningRate = double.NaN })).Message);
        Assert.Contains("AveragedEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions { AveragedEpochs = 0 })).Message);
        Assert.Contains("early stopping", Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions { AveragedEpochs = 2 })).Message);
        var trainer = new RecurrentTrainer<float>(network, loss, new TrainingOptions { EarlyStoppingPatience = 2 });
        Assert.Contains("validation", Assert.Throws<ArgumentException>(() => trainer.Fit(Examples)).Message);
        Assert.Throws<ArgumentException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions()).Fit([]));
        var twoTargets = new[] { new LabeledSequence<float>(Sequence<float>.FromFeatures([1f], 1), [1f, 0f]) };
        Assert.Contains("expects 1", Assert.Throws<ArgumentException>(() => new RecurrentTrainer<float>(network, loss, new TrainingOptions()).Fit(twoTargets)).Message);
    }
}
