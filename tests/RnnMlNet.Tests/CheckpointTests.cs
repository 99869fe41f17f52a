using Microsoft.ML;
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
        string checkpoint = Path.Combine(folder, "rnnmlnet.checkpoint");
        // Early stopping is set alike on both sides of each refusal, so that only the held-out rows differ.
        RecurrentTrainerOptions Options(double fraction, bool last = false, int? patience = null) => new()
        {
            FeatureColumnName = "Tokens", HiddenSize = 5, Epochs = 3, Seed = 3, ValidationFraction = fraction, HoldOutLastRows = last,
            EarlyStoppingPatience = patience, CheckpointDirectory = folder,
        };
        // Cancelled after its first epoch, or after its first batch with a checkpoint written there (before any history).
        void Interrupt(RecurrentTrainerOptions options, bool withinFirstEpoch = false)
        {
            using var cancel = new CancellationTokenSource();
            options.CancellationToken = cancel.Token;
            if (withinFirstEpoch) (options.CheckpointEveryBatches, options.BatchProgress) = (1, new ImmediateProgress<BatchReport>(_ => cancel.Cancel()));
            else options.Progress = new ImmediateProgress<EpochReport>(e => { if (e.Epoch == 1) cancel.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data));
            Assert.True(File.Exists(checkpoint));
        }
        string Refusal(Func<ITransformer> fit) => Assert.Throws<InvalidDataException>(fit).Message;
        // Resumes where the checkpoint left off: its first batch is (epoch, batch).
        void Resume(RecurrentTrainerOptions options, (int Epoch, int Batch) first)
        {
            var batches = new List<BatchReport>();
            options.BatchProgress = new ImmediateProgress<BatchReport>(batches.Add);
            using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(data);
            Assert.Equal(first, (batches[0].Epoch, batches[0].Batch));
            Assert.False(File.Exists(checkpoint));
        }

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
}
