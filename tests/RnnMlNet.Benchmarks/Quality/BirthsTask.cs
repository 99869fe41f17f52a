using Microsoft.ML;
using Microsoft.ML.Trainers;
using RnnMlNet.Trainers;
using TimeSeries;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>Tomorrow's US births from the last 28 days (data/us-births): the TimeSeries sample's chronological 80/20 split.</summary>
internal static class BirthsTask
{
    public static IEnumerable<Result> Run(Settings settings)
    {
        string path = Find(Series.RelativePath) ?? throw new FileNotFoundException($"{Series.RelativePath} not found above the executable.");
        var (_, births) = Series.Read(path);
        int cut = births.Length * 8 / 10;
        double mean = births[..cut].Average();
        double std = Math.Sqrt(births[..cut].Select(v => (v - mean) * (v - mean)).Average());
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Enumerable.Range(Series.Window, cut - Series.Window).Select(t => Series.At(births, t, mean, std)).ToList());
        var test = ml.Data.LoadFromEnumerable(Enumerable.Range(cut, births.Length - cut).Select(t => Series.At(births, t, mean, std)).ToList());
        var contestants = new List<Contestant>
        {
            new("LSTM, default options", ml => ml.Regression.Trainers.Lstm(featureColumnName: nameof(WindowRow.Window))),
        };
        if (settings.Tuned)
            contestants.Add(new("LSTM, sample's options (H64, 40 epochs, lr 3e-3)", ml => ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = nameof(WindowRow.Window), HiddenSize = 64, Epochs = 40, LearningRate = 3e-3, Seed = 1, ValidationFraction = 0,
            })));
        contestants.Add(new("SDCA on the same window (ML.NET)", ml => ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { FeatureColumnName = nameof(WindowRow.Window), NumberOfThreads = 1 })));
        // The label is in births per day (Series.At normalises the windows only).
        return Compete("births", ml, train, test, contestants, scored => [("RMSE", ml.Regression.Evaluate(scored).RootMeanSquaredError)]);
    }
}
