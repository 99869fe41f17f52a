using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>A regressor's label of any scale: standardised for training, answered in its own units.</summary>
public class RegressionLabelTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class BirthsRow
    {
        [VectorType(WindowDays)]
        public float[] Window { get; set; } = [];

        /// <summary>Births on the day after the window, as the data gives them (about 10⁴).</summary>
        public float Births { get; set; }
    }

    private const int WindowDays = 28;

    /// <summary>data/us-births as windows of four weeks and the next day's births, in date order.</summary>
    private static List<BirthsRow> ReadBirths()
    {
        string? path = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && path is null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data/us-births/us-births-1994-2003.csv"))) path = Path.Combine(dir.FullName, "data/us-births/us-births-1994-2003.csv");
        Assert.True(path is not null, "data/us-births/us-births-1994-2003.csv is missing from the checkout.");
        var births = File.ReadLines(path!).Skip(1).Select(line => float.Parse(line.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return Enumerable.Range(WindowDays, births.Length - WindowDays).Select(t => new BirthsRow { Window = births[(t - WindowDays)..t], Births = births[t] }).ToList();
    }

    /// <summary>Births per day as the data gives them, with the windows normalised by ML.NET as its linear trainers need:
    /// the LSTM with default options forecasts the last years better than SDCA (RMSE 576 against 668.5 when written).
    /// Unstandardised, the label (about 10⁴) was never reached: the RMSE was about 10⁴, the births themselves.</summary>
    [Fact]
    public void AnLstmForecastsBirthsPerDayAheadOfSdcaWithDefaultOptions()
    {
        var ml = _temp.Context();
        var rows = ReadBirths();
        int cut = rows.Count * 8 / 10;
        var train = ml.Data.LoadFromEnumerable(rows[..cut]);
        var test = ml.Data.LoadFromEnumerable(rows[cut..]);
        double Rmse(IEstimator<ITransformer> trainer)
        {
            // Centred too: by default NormalizeMeanVariance keeps 0 fixed, which leaves the windows near 1 with a small spread.
            using var model = (IDisposable)ml.Transforms.NormalizeMeanVariance("Window", fixZero: false).Append(trainer).Fit(train);
            return ml.Regression.Evaluate(((ITransformer)model).Transform(test), labelColumnName: "Births").RootMeanSquaredError;
        }
        double lstm = Rmse(ml.Regression.Trainers.Lstm(labelColumnName: "Births", featureColumnName: "Window"));
        double sdca = Rmse(ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { LabelColumnName = "Births", FeatureColumnName = "Window", NumberOfThreads = 1 }));
        Assert.True(lstm < sdca, $"LSTM RMSE {lstm:F1} against SDCA's {sdca:F1} births per day.");
    }

    /// <summary>The steps' rows with the label a·Value + b.</summary>
    private static IDataView Rescaled(MLContext ml, float a, float b) =>
        SyntheticData.Load(ml, SyntheticData.StepRows(80, 5).Select(row => new SyntheticData.StepRow { Steps = row.Steps, Value = a * row.Value + b }).ToList());

    private static RecurrentTrainerOptions StepOptions() => new()
    {
        FeatureColumnName = "Steps", LabelColumnName = "Value", FeaturesPerStep = 2, HiddenSize = 8, Epochs = 20, LearningRate = 1e-2, Seed = 2,
    };

    private static float[] Scores(ITransformer model, IDataView data) => model.Transform(data).GetColumn<float>("Score").ToArray();

    /// <summary>Training reads (label − mean) / deviation, so labels moved and stretched train the same network: its
    /// answers are moved and stretched alike, and the summary says by what.</summary>
    [Fact]
    public void AScaledAndShiftedLabelGivesTheSameModelInTheLabelsUnits()
    {
        var ml = _temp.Context();
        var unit = ml.Regression.Trainers.Gru(StepOptions());
        using var unitModel = unit.Fit(Rescaled(ml, 1, 0));
        var large = ml.Regression.Trainers.Gru(StepOptions());
        using var largeModel = large.Fit(Rescaled(ml, 1000, 5000));

        var expected = Scores(unitModel, Rescaled(ml, 1, 0));
        var scores = Scores(largeModel, Rescaled(ml, 1000, 5000));
        for (int row = 0; row < expected.Length; row++)
            Assert.Equal(1000 * expected[row] + 5000, scores[row], 0.5f);
        var (z, unitZ) = (large.LastSummary!.LabelStandardisation!, unit.LastSummary!.LabelStandardisation!);
        Assert.Equal(1000 * unitZ.Mean + 5000, z.Mean, 1e-2);
        Assert.Equal(1000 * unitZ.StandardDeviation, z.StandardDeviation, 1e-2);
        // The losses are of the standardised label, alike; the network learned (a loss of 1 is that of answering the mean).
        Assert.True(unit.LastHistory!.Epochs[^1].TrainingLoss < 0.5, $"Training loss {unit.LastHistory.Epochs[^1].TrainingLoss}.");
        Assert.Equal(unit.LastHistory.Epochs[^1].TrainingLoss, large.LastHistory!.Epochs[^1].TrainingLoss, 1e-4);
        Assert.Contains("losses are of the label standardised", large.LastSummary.ToString());
        string path = _temp.File("large.zip");
        ml.Model.Save(largeModel, Rescaled(ml, 1000, 5000).Schema, path);
        Assert.Equal(z, RecurrentModelFile.ReadSummary(path).LabelStandardisation);
    }

    /// <summary>Starting weights from a trained model answer in the label's units: training goes on from that model, not
    /// from its weights read as a standardised label's (which would answer about deviation × births + mean).</summary>
    [Fact]
    public void InitialWeightsOfATrainedRegressorGoOnFromItsAnswers()
    {
        var ml = _temp.Context();
        var data = Rescaled(ml, 1000, 5000);
        var first = ml.Regression.Trainers.Gru(StepOptions());
        using var model = first.Fit(data);
        var options = StepOptions();
        (options.InitialWeights, options.Epochs, options.LearningRate) = (first.LastNetwork!.Export(), 1, 1e-6);
        using var goneOn = ml.Regression.Trainers.Gru(options).Fit(data);

        var expected = Scores(model, data);
        var scores = Scores(goneOn, data);
        for (int row = 0; row < expected.Length; row++)
            Assert.Equal(expected[row], scores[row], 1f);
    }

    /// <summary>A checkpoint's weights were trained towards its labels' standardisation: labels of another mean or spread
    /// are refused, naming it.</summary>
    [Fact]
    public void ACheckpointIsNotResumedWithLabelsOfAnotherScale()
    {
        var ml = _temp.Context();
        var options = StepOptions();
        options.CheckpointDirectory = _temp.File("checkpoints-label");
        using var cancel = new CancellationTokenSource();
        options.CancellationToken = cancel.Token;
        options.Progress = new ImmediateProgress<EpochReport>(e => { if (e.Epoch == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => ml.Regression.Trainers.Gru(options).Fit(Rescaled(ml, 1, 0)));

        var resumed = StepOptions();
        resumed.CheckpointDirectory = options.CheckpointDirectory;
        var error = Assert.Throws<InvalidDataException>(() => ml.Regression.Trainers.Gru(resumed).Fit(Rescaled(ml, 2, 0)));
        Assert.Contains("(the label's scaling", error.Message);
        using var model = ml.Regression.Trainers.Gru(resumed).Fit(Rescaled(ml, 1, 0));
    }
}
