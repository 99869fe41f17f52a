using Microsoft.ML;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// The automatic training window: the classifiers and the regressor train on random windows of 256 tokens of longer token
/// sequences and score whole ones; float steps and the tagger read whole sequences; what is set by hand is kept.
/// (README, "Defaults that train well": measured on spam's whole messages.)
/// </summary>
public class TrainingWindowDefaultsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static SyntheticData.TokenRow[] Rows(int length, int rows = 40) => SyntheticData.FixedLengthRows(rows, length, seed: length);

    private (float[] Weights, RecurrentModelSummary Summary) Trained(int length, int? window, RecurrentTask task = RecurrentTask.BinaryClassification)
    {
        var ml = _temp.Context();
        var options = new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1, TrainingWindow = window };
        if (task == RecurrentTask.Regression) options.LabelColumnName = "Value";
        var trainer = task == RecurrentTask.Regression ? ml.Regression.Trainers.Lstm(options) : ml.BinaryClassification.Trainers.Lstm(options);
        using var model = trainer.Fit(SyntheticData.Load(ml, Rows(length)));
        return (trainer.LastNetwork!.Parameters.Values, trainer.LastSummary!);
    }

    /// <summary>Longer token sequences train on windows (other weights than whole sequences give), up to 256 tokens they
    /// train whole (the very weights of <c>TrainingWindow = 0</c>: the windows draw nothing from the shuffling), and the
    /// summary says so: it names the window only where a sequence was longer.</summary>
    [Theory]
    [InlineData(RecurrentTask.BinaryClassification)]
    [InlineData(RecurrentTask.Regression)]
    public void TokenSequencesTrainOnWindowsOf256Tokens(RecurrentTask task)
    {
        var (windowed, summary) = Trained(300, window: null, task);
        Assert.Equal(256, summary.TrainingWindow);
        Assert.Contains("random windows of 256 steps", summary.ToString());
        var (whole, wholeSummary) = Trained(300, window: 0, task);
        Assert.NotEqual(whole, windowed);
        Assert.Equal(0, wholeSummary.TrainingWindow);
        Assert.DoesNotContain("windows", wholeSummary.ToString());

        var (automatic, automaticSummary) = Trained(256, window: null, task);
        Assert.Equal(Trained(256, window: 0, task).Weights, automatic);
        var (cut, cutSummary) = Trained(256, window: 200, task);
        Assert.NotEqual(automatic, cut);
        // The summary names a window only where it cut something.
        Assert.Equal(0, automaticSummary.TrainingWindow);
        Assert.Equal(200, cutSummary.TrainingWindow);
    }

    /// <summary>The window travels with the saved model's summary.</summary>
    [Fact]
    public void TheSavedSummaryNamesTheWindow()
    {
        var ml = _temp.Context();
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1, TrainingWindow = 7 });
        var data = SyntheticData.Load(ml, Rows(20));
        using var model = trainer.Fit(data);
        string path = _temp.File("windowed.zip");
        ml.Model.Save(model, data.Schema, path);
        var saved = Onnx.RecurrentModelFile.ReadSummary(path);
        Assert.Equal((7, true), (saved.TrainingWindow, saved.TrainingWindowCounted));
    }

    /// <summary>Where the rows' lengths were not counted (the pooling and the width set, fewer than 1,000 rows), the summary
    /// cannot tell whether the window cut anything, and says so (it said that longer sequences trained on windows where no
    /// name was longer than 15 characters).</summary>
    [Fact]
    public void TheSummarySaysWhereTheLengthsWereNotCounted()
    {
        var ml = _temp.Context();
        RecurrentModelSummary Summary(Pooling? pooling)
        {
            var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1, Pooling = pooling });
            using (trainer.Fit(SyntheticData.Load(ml, Rows(300)))) { }
            return trainer.LastSummary!;
        }
        var counted = Summary(null);
        Assert.True(counted.TrainingWindowCounted);
        Assert.Contains("  trained on random windows of 256 steps of longer sequences, drawn each epoch", counted.ToString());
        var uncounted = Summary(Pooling.Max);
        Assert.Equal((256, false), (uncounted.TrainingWindow, uncounted.TrainingWindowCounted));
        Assert.Contains("  set to train on random windows of 256 steps of any longer sequence, drawn each epoch (the rows' lengths were not counted)", uncounted.ToString());
    }

    [Fact]
    public void FloatStepsAndTheTaggerReadWholeSequences()
    {
        var ml = _temp.Context();
        var steps = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 2, HiddenSize = 3, Epochs = 1 });
        using (steps.Fit(SyntheticData.Load(ml, SyntheticData.StepRows(40, 1)))) { }
        Assert.Equal(0, steps.LastSummary!.TrainingWindow);

        var tagger = ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1 });
        using (ml.Transforms.Conversion.MapValueToKey("Label", "Tags").Append(tagger).Fit(ml.Data.LoadFromEnumerable(SequenceTaggerTests.Rows(40, 1)))) { }
        Assert.Equal(0, tagger.LastSummary!.TrainingWindow);
    }

    [Fact]
    public void AWindowOutOfRangeIsRefused()
    {
        var ml = _temp.Context();
        Assert.Contains("TrainingWindow", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { TrainingWindow = -1 })).Message);
        Assert.Contains("the tagger's tags follow the steps", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { TrainingWindow = 5 })).Message);
    }
}
