// Forecasting tomorrow's number of US births from the last four weeks, with an LSTM regressor, beside three
// baselines on the same chronological split. Data: daily births 1994-2003, shipped in data/us-births.
// Runs in under a minute on two cores.
using System.Diagnostics;
using Microsoft.ML;
using RnnMlNet.Trainers;
using TimeSeries;

var clock = Stopwatch.StartNew();
SampleData.Start(args, "[births.csv]");
string path = SampleData.InputFile(args, Series.RelativePath, "the births CSV");
var (first, births) = Series.Read(path);

// Chronological split: the first 80% of days are targets to train on, the last 20% targets to test on.
// A test window may reach back into the training days, as it would when forecasting live.
int cut = births.Length * 8 / 10;
// Normalise the windows with the training days only, so nothing about the test period leaks in. The label stays in births
// per day: the LSTM regressor standardises it for training and answers in its units.
double mean = births[..cut].Average();
double std = Math.Sqrt(births[..cut].Select(v => (v - mean) * (v - mean)).Average());
var train = Enumerable.Range(Series.Window, cut - Series.Window).Select(t => Series.At(births, t, mean, std)).ToList();
var test = Enumerable.Range(cut, births.Length - cut).Select(t => Series.At(births, t, mean, std)).ToList();
Console.WriteLine($"{births.Length} days from {first:yyyy-MM-dd}; training targets up to {first.AddDays(cut - 1):yyyy-MM-dd} ({train.Count} windows), " +
                  $"test targets from {first.AddDays(cut):yyyy-MM-dd} ({test.Count} windows). Window {Series.Window} days; train mean {mean:F0}, std {std:F0}.");

var ml = new MLContext(seed: 1);
var trainData = ml.Data.LoadFromEnumerable(train);
var testData = ml.Data.LoadFromEnumerable(test);

var lstm = ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions
{
    FeatureColumnName = nameof(WindowRow.Window),
    FeaturesPerStep = 1,
    HiddenSize = 64,
    Epochs = 40,
    // Nothing held out, as float steps default to: a fixed 40 epochs train on every day up to the test split. (A random
    // hold-out would validate on days between training days; HoldOutLastRows would hold out the latest ones instead.)
    ValidationFraction = 0,
    BatchSize = 32,
    LearningRate = 3e-3,
    Seed = 1,
});
Console.WriteLine("Training the LSTM ...");
var step = Stopwatch.StartNew();
using var lstmModel = lstm.Fit(trainData);
var lstmMetrics = ml.Regression.Evaluate(lstmModel.Transform(testData));
var history = lstm.LastSummary!.History;
Console.WriteLine($"{lstm.LastSummary.Architecture}, {lstm.LastSummary.TotalParameters:N0} parameters; {history.Count} epochs in {step.Elapsed.TotalSeconds:F0}s, " +
                  $"training loss {history[0].TrainingLoss:F4} → {history[^1].TrainingLoss:F4} (of the standardised label).");

// A linear autoregression on the same window: one weight per lag.
using var sdcaModel = ml.Regression.Trainers.Sdca(featureColumnName: nameof(WindowRow.Window)).Fit(trainData);
var sdcaMetrics = ml.Regression.Evaluate(sdcaModel.Transform(testData));

var targets = Enumerable.Range(cut, births.Length - cut).ToList();
Console.WriteLine();
Console.WriteLine($"Test set, {test.Count} days, births per day          RMSE      MAE");
Print("LSTM on the last 28 days", lstmMetrics.RootMeanSquaredError, lstmMetrics.MeanAbsoluteError);
Print("SDCA linear regression, same window", sdcaMetrics.RootMeanSquaredError, sdcaMetrics.MeanAbsoluteError);
Print("Persistence: same as yesterday", Rmse(t => births[t - 1]), Mae(t => births[t - 1]));
Print("Seasonal: same as a week ago", Rmse(t => births[t - 7]), Mae(t => births[t - 7]));
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0}s.");

double Rmse(Func<int, double> forecast) => Math.Sqrt(targets.Average(t => Math.Pow(births[t] - forecast(t), 2)));
double Mae(Func<int, double> forecast) => targets.Average(t => Math.Abs(births[t] - forecast(t)));
static void Print(string name, double rmse, double mae) => Console.WriteLine($"  {name,-42} {rmse,8:F0} {mae,8:F0}");
