using Microsoft.ML;
using RnnMlNet.Core.Networks;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// CheckpointDirectory: a Fit cancelled after epoch 2 and run again with the same options resumes from the checkpoint and
/// gives the model an uninterrupted Fit gives, output for output; the checkpoint is gone afterwards.
/// </summary>
public class CheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Fits once uninterrupted, then once cancelled after epoch 2 and again to the end; returns both models' outputs.</summary>
    private (List<string> Uninterrupted, List<string> Resumed) FitTwice<TOptions>(Func<TOptions> options, Func<TOptions, IEstimator<ITransformer>> estimator,
        IDataView data, string output) where TOptions : RecurrentOptions
    {
        string folder = _temp.File("checkpoints-" + Guid.NewGuid().ToString("N"));
        List<string> Outputs(TOptions settings)
        {
            settings.CheckpointDirectory = folder;
            using var model = (IDisposable)estimator(settings).Fit(data);
            return EstimatorWorkout.Values(((ITransformer)model).Transform(data), output);
        }
        var uninterrupted = Outputs(options());
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any(), "The checkpoint outlived a finished Fit.");

        using var cancel = new CancellationTokenSource();
        var interrupted = options();
        interrupted.CancellationToken = cancel.Token;
        interrupted.Progress = new ImmediateProgress<EpochReport>(e => { if (e.Epoch == 2) cancel.Cancel(); });
        interrupted.CheckpointDirectory = folder;
        Assert.Throws<OperationCanceledException>(() => estimator(interrupted).Fit(data));
        Assert.True(File.Exists(Path.Combine(folder, "rnnmlnet.checkpoint")));

        var resumed = Outputs(options());
        Assert.False(File.Exists(Path.Combine(folder, "rnnmlnet.checkpoint")));
        return (uninterrupted, resumed);
    }

    [Fact]
    public void AClassifierResumesToTheUninterruptedModel()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 7));
        var (uninterrupted, resumed) = FitTwice(() => new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 5, Epochs = 5, Dropout = 0.2, Layers = 2, Seed = 3 },
            options => ml.BinaryClassification.Trainers.Lstm(options), data, "Score");
        Assert.Equal(uninterrupted, resumed);
    }

    /// <summary>A checkpoint folder that cannot be written fails before any batch trains, naming the option (it failed when
    /// the first epoch ended, naming a temporary file); an empty folder name, which would checkpoint into the working folder,
    /// and checkpoints every few batches without a folder are refused when the estimator is made.</summary>
    [Fact]
    public void CheckpointSettingsThatCannotWorkAreRefusedBeforeTraining()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 7));
        string file = _temp.File("a-file-not-a-folder");
        File.WriteAllText(file, "");
        var batches = new List<BatchReport>();
        var options = new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, Epochs = 2, CheckpointDirectory = file, BatchProgress = new ImmediateProgress<BatchReport>(batches.Add) };
        var error = Assert.Throws<IOException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data));
        Assert.Contains($"The checkpoint cannot be written as '{Path.Combine(file, "rnnmlnet.checkpoint")}'", error.Message);
        Assert.Contains("set CheckpointDirectory to a folder this process can write", error.Message);
        Assert.Empty(batches);
        foreach (string blank in new[] { "", "   " })
            Assert.Contains("CheckpointDirectory", Assert.Throws<ArgumentOutOfRangeException>(() =>
                ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { CheckpointDirectory = blank })).Message);
        Assert.Contains("CheckpointEveryBatches", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { CheckpointEveryBatches = 2 })).Message);
    }

    [Fact]
    public void ASequenceToSequenceModelResumesToTheUninterruptedModel()
    {
        var ml = _temp.Context();
        var pairs = new[] { ("12", "one two"), ("3", "three"), ("21", "two one"), ("33", "three three"), ("123", "one two three") };
        var data = ml.Data.LoadFromEnumerable(pairs.Select(p => new OptionsTests.TextRow { Input = p.Item1, Target = p.Item2 }));
        var estimators = new List<SequenceToSequenceEstimator>();
        var (uninterrupted, resumed) = FitTwice(() => new SequenceToSequenceOptions { HiddenSize = 8, EmbeddingSize = 4, Epochs = 5, MaximumLength = 5, Seed = 2 },
            options =>
            {
                var estimator = ml.Transforms.Text.SequenceToSequence(options);
                estimators.Add(estimator);
                return estimator;
            }, data, "Output");
        Assert.Equal(uninterrupted, resumed);
        // Uninterrupted, cancelled, resumed: the resumed history holds all five epochs, with the uninterrupted losses.
        Assert.Equal(estimators[0].History!.Epochs.Select(e => e.TrainingLoss), estimators[2].History!.Epochs.Select(e => e.TrainingLoss));
    }

    /// <summary>A checkpoint remembers which rows its training held out: a resume that would hold out others (another share,
    /// the last rows, given validation data, or none against some, also within the first epoch) is refused, and one
    /// holding out the same rows resumes where the checkpoint left off.</summary>
    [Fact]
    public void ACheckpointIsResumedOnlyWithTheSameHoldOut()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 7));
        string folder = _temp.File("checkpoints-hold-out");
        // Early stopping is set alike on both sides of each refusal, so that only the held-out rows differ.
        RecurrentTrainerOptions Options(double fraction, bool last = false, int? patience = null) => new()
        {
            FeatureColumnName = "Tokens", HiddenSize = 5, Epochs = 3, Seed = 3, ValidationFraction = fraction, HoldOutLastRows = last,
            EarlyStoppingPatience = patience, CheckpointDirectory = folder,
        };
        string Refusal(Func<ITransformer> fit) => Assert.Throws<InvalidDataException>(fit).Message;
        void Interrupt(RecurrentTrainerOptions options, bool withinFirstEpoch = false) => InterruptClassifier(ml, data, options, withinFirstEpoch);
        void Resume(RecurrentTrainerOptions options, (int Epoch, int Batch) first) => ResumeClassifier(ml, data, options, first);

        Interrupt(Options(0.1));
        Assert.Contains("other options", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0.2)).Fit(data)));
        Assert.Contains("other options", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0.1, last: true)).Fit(data)));
        Assert.Contains("with validation rows, and this training has none", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0)).Fit(data)));
        Resume(Options(0.1), (2, 1));

        Interrupt(Options(0));
        Assert.Contains("without validation rows, and this training has some", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0.1)).Fit(data)));
        Resume(Options(0), (2, 1));

        Interrupt(Options(0.1), withinFirstEpoch: true);
        Assert.Contains("with validation rows, and this training has none", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0)).Fit(data)));
        Resume(Options(0.1), (1, 2));

        Interrupt(Options(0.2));
        Assert.Contains("other options", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0.3)).Fit(data)));
        Resume(Options(0.2), (2, 1));

        Interrupt(Options(0.1, patience: 2));
        Assert.Contains("other options", Refusal(() => ml.BinaryClassification.Trainers.Lstm(Options(0.1, patience: 2)).Fit(data, data)));
        Resume(Options(0.1, patience: 2), (2, 1));
    }

    /// <summary>Fits a classifier cancelled after its first epoch, or after its first batch with a checkpoint written there
    /// (before any history), and checks that it left its checkpoint.</summary>
    private static void InterruptClassifier(MLContext ml, IDataView data, RecurrentTrainerOptions options, bool withinFirstEpoch = false)
    {
        using var cancel = new CancellationTokenSource();
        options.CancellationToken = cancel.Token;
        if (withinFirstEpoch) (options.CheckpointEveryBatches, options.BatchProgress) = (1, new ImmediateProgress<BatchReport>(_ => cancel.Cancel()));
        else options.Progress = new ImmediateProgress<EpochReport>(e => { if (e.Epoch == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data));
        Assert.True(File.Exists(Path.Combine(options.CheckpointDirectory!, "rnnmlnet.checkpoint")));
    }

    /// <summary>Fits a classifier that must resume where its checkpoint left off, its first batch being (epoch, batch), and
    /// delete the checkpoint.</summary>
    private static void ResumeClassifier(MLContext ml, IDataView data, RecurrentTrainerOptions options, (int Epoch, int Batch) first)
    {
        var batches = new List<BatchReport>();
        options.BatchProgress = new ImmediateProgress<BatchReport>(batches.Add);
        using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(data);
        Assert.Equal(first, (batches[0].Epoch, batches[0].Batch));
        Assert.False(File.Exists(Path.Combine(options.CheckpointDirectory!, "rnnmlnet.checkpoint")));
    }

    /// <summary>A checkpoint also remembers what the trainer's own options made training read and start from: a resume with
    /// another MaximumLength (which cuts the sequences training reads; it resumed silently) or other InitialWeights is
    /// refused naming the option, and one with the same resumes.</summary>
    [Fact]
    public void ACheckpointIsResumedOnlyWithTheSameMaximumLengthAndStartingWeights()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 7));
        string folder = _temp.File("checkpoints-cut");
        RecurrentTrainerOptions Options(int maximumLength = 0, IReadOnlyList<NamedTensor<float>>? weights = null) => new()
        {
            FeatureColumnName = "Tokens", HiddenSize = 5, Epochs = 3, Seed = 3, ValidationFraction = 0, MaximumLength = maximumLength,
            InitialWeights = weights, CheckpointDirectory = folder,
        };
        string Refusal(RecurrentTrainerOptions options) => Assert.Throws<InvalidDataException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data)).Message;

        InterruptClassifier(ml, data, Options());
        Assert.Contains("read nothing where this training's read 'the first 4 steps of each sequence' (MaximumLength)", Refusal(Options(4)));
        ResumeClassifier(ml, data, Options(), (2, 1));
        InterruptClassifier(ml, data, Options(4));
        Assert.Contains("read 'the first 4 steps of each sequence' where this training's read 'the first 5 steps of each sequence' (MaximumLength)", Refusal(Options(5)));
        Assert.Contains("(a setting this training does not have)", Refusal(Options()));
        ResumeClassifier(ml, data, Options(4), (2, 1));

        var first = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 5, Epochs = 1, Seed = 3 });
        using (first.Fit(data)) { }
        var weights = first.LastNetwork!.Export();
        // The same weights but one value.
        var other = weights.Select((w, i) => i == 0 ? w with { Values = w.Values.Select((v, j) => j == 0 ? v + 1e-3f : v).ToArray() } : w).ToArray();
        InterruptClassifier(ml, data, Options(weights: weights));
        Assert.Contains("(InitialWeights)", Refusal(Options(weights: other)));
        ResumeClassifier(ml, data, Options(weights: weights.Select(w => w with { Values = w.Values.ToArray() }).ToArray()), (2, 1));
    }

    /// <summary>ForgetGateBias starts the LSTM's forget gate where it says (its Wb and Rb blocks sum to it, before a step of
    /// 1e-9 moves them), a value that is not finite is refused by name when the estimator is made, and a checkpoint written
    /// with another bias is refused naming it (it would have resumed the other start silently).</summary>
    [Fact]
    public void ForgetGateBiasStartsTheForgetGateAndIsPartOfTheCheckpoint()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 7));
        const int hidden = 5;
        RecurrentTrainerOptions Options(double bias, string? folder = null) => new()
        {
            FeatureColumnName = "Tokens", HiddenSize = hidden, Epochs = 2, LearningRate = 1e-9, Seed = 3, ValidationFraction = 0,
            ForgetGateBias = bias, CheckpointDirectory = folder,
        };
        double ForgetGateBias(double bias)
        {
            var trainer = ml.BinaryClassification.Trainers.Lstm(Options(bias));
            using (trainer.Fit(data)) { }
            // B = [Wb, Rb], each of the gates' blocks in ONNX's order i, o, f, c.
            var b = trainer.LastNetwork!.Export().Single(w => w.Name == "layer0.B").Values;
            return Enumerable.Range(2 * hidden, hidden).Average(j => b[j] + b[4 * hidden + j]);
        }
        Assert.Equal(3, ForgetGateBias(3), 4);
        Assert.Equal(1, ForgetGateBias(1), 4);
        Assert.Equal("ForgetGateBias", Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(Options(double.NaN))).ParamName);

        string folder = _temp.File("checkpoints-forget-gate");
        InterruptClassifier(ml, data, Options(3, folder));
        var refusal = Assert.Throws<InvalidDataException>(() => ml.BinaryClassification.Trainers.Lstm(Options(1, folder)).Fit(data));
        Assert.Contains("forget gate bias", refusal.Message);
        ResumeClassifier(ml, data, Options(3, folder), (2, 1));
    }
}
