// Which first names are female? A character-level LSTM with default options in an ordinary ML.NET pipeline, trained on the
// public-domain name lists shipped in data/names/names.csv, evaluated beside ML.NET's classic text classifier,
// saved to a .zip, reloaded in a fresh MLContext and used through a PredictionEngine. About twenty seconds on two cores.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

SampleData.Start(args, "[names.csv]");
string csv = SampleData.InputFile(args, "data/names/names.csv", "the names CSV");
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(NameRow.Read(csv));
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 42);

var lstm = ml.Transforms.Text.NormalizeText("Lower", "Name")
    .Append(SampleData.CharacterIds(ml, "CharIds", "Lower"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
    {
        // Only the column and the progress reports: every size and training setting is the default, chosen from the data.
        FeatureColumnName = "CharIds",
        Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e =>
            ConsoleProgress.Line($"  network {e.Member}, epoch {e.Epoch,2}: loss {e.TrainingLoss:F4}, validation loss {e.ValidationLoss:F4}, error rate {e.ValidationErrorRate:P2}")),
        BatchProgress = ConsoleProgress.Batches("names"),
    }));
// ML.NET's classic text classifier on the same split: character n-grams and a linear model.
var classic = ml.Transforms.Text.FeaturizeText("Features", new Microsoft.ML.Transforms.Text.TextFeaturizingEstimator.Options
    {
        CharFeatureExtractor = new Microsoft.ML.Transforms.Text.WordBagEstimator.Options { NgramLength = 3, UseAllLengths = true },
        WordFeatureExtractor = null,
    }, "Name")
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression());

var clock = Stopwatch.StartNew();
Console.WriteLine("Training the LSTM:");
using var model = lstm.Fit(split.TrainSet);
var lstmTime = clock.Elapsed;
var lstmMetrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
clock.Restart();
var classicModel = classic.Fit(split.TrainSet);
var classicMetrics = ml.BinaryClassification.Evaluate(classicModel.Transform(split.TestSet));
Console.WriteLine($"""

    Test split ({split.TestSet.GetColumn<bool>("Label").Count()} names)   accuracy      AUC       F1   training
    LSTM, default options (RnnMlNet)  {lstmMetrics.Accuracy,8:P1} {lstmMetrics.AreaUnderRocCurve,8:F3} {lstmMetrics.F1Score,8:F3} {lstmTime.TotalSeconds,8:F1}s
    char n-grams + SDCA (ML.NET)      {classicMetrics.Accuracy,8:P1} {classicMetrics.AreaUnderRocCurve,8:F3} {classicMetrics.F1Score,8:F3} {clock.Elapsed.TotalSeconds,8:F1}s

    """);

// Saved whole or not at all (through a temporary file): an interrupted save leaves the previous model, never half of one.
string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-name-gender.zip");
RecurrentModelFile.Save(ml, model, data.Schema, path);
Console.WriteLine($"Saved to {path}; reloading it in a fresh MLContext.");

var fresh = new MLContext();
using var loaded = (IDisposable)RecurrentModelFile.Load(fresh, path, out _);   // checked: CRCs and digests, unlike Model.Load
// The reloaded model must score as the trained one: compare them on the test split before using it.
double largest = model.Transform(split.TestSet).GetColumn<float>("Probability")
    .Zip(((ITransformer)loaded).Transform(split.TestSet).GetColumn<float>("Probability"), (a, b) => (double)Math.Abs(a - b)).Max();
Console.WriteLine($"The reloaded model scores the test split as the trained one (largest difference in P(female): {largest:G2}).");
using var engine = fresh.Model.CreatePredictionEngine<NameRow, NamePrediction>((ITransformer)loaded);
foreach (var name in new[] { "Alexandra", "Alexander", "Maria", "Mario", "Yvonne", "Kevin", "Leia", "Anakin" })
{
    var p = engine.Predict(new NameRow { Name = name });
    Console.WriteLine($"  {name,-10} {(p.PredictedLabel ? "female" : "male"),-6}  P(female) = {p.Probability:F3}");
}


/// <summary>A name and whether it is female.</summary>
public sealed class NameRow
{
    public string Name { get; set; } = "";

    public bool Label { get; set; }

    /// <summary>The names list as rows (see <see cref="SampleData.ReadNames"/>).</summary>
    public static List<NameRow> Read(string csv) => SampleData.ReadNames(csv).Select(n => new NameRow { Name = n.Name, Label = n.Female }).ToList();
}

/// <summary>The columns a binary classifier adds.</summary>
public sealed class NamePrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }
}
