// The ML.NET routine around a recurrent model, on the names shipped in data/names/names.csv: read the CSV with
// LoadFromTextFile, cross-validate an LSTM pipeline (ML.NET's own character tokenizer and a vocabulary of the characters
// seen), train it on everything, save it, read back the summary stored with it (RecurrentModelFile.ReadSummary) and
// chart its loss curves as SVG (RnnMlNet.Plots).
//
//   dotnet run -c Release --project samples/CrossValidate -- [names.csv] [output folder]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Onnx;
using RnnMlNet.Plots;
using RnnMlNet.Trainers;

SampleData.Start(args, "[names.csv] [output folder]");
string csv = SampleData.InputFile(args, "data/names/names.csv", "the names CSV");
string folder = args.Length > 1 ? args[1] : Path.GetTempPath();
Directory.CreateDirectory(folder);
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<NameRow>(csv, separatorChar: ',', hasHeader: true);

var pipeline = ml.Transforms.Conversion.MapValue("Label", new Dictionary<string, bool> { ["F"] = true, ["M"] = false }, "Gender")
    .Append(ml.Transforms.Text.NormalizeText("Lower", "Name"))
    // ML.NET's character tokenizer and a vocabulary of the characters seen (its UInt16 keys could go straight into the
    // trainer, at the cost of an embedding row for each of the 65,536 UTF-16 code units).
    .Append(SampleData.CharacterIds(ml, "CharIds", "Lower"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
    {
        FeatureColumnName = "CharIds",
        EmbeddingSize = 16,
        HiddenSize = 32,
        Bidirectional = true,
        Epochs = 8,
        LearningRate = 3e-3,
        Seed = 1,
    }));

var clock = Stopwatch.StartNew();
var folds = ml.BinaryClassification.CrossValidate(data, pipeline, numberOfFolds: 3, labelColumnName: "Label", seed: 1);
Console.WriteLine($"3-fold cross-validation of {data.GetColumn<string>("Name").Count():N0} names ({clock.Elapsed.TotalSeconds:F0}s):");
foreach (var fold in folds)
    Console.WriteLine($"  fold {fold.Fold}: accuracy {fold.Metrics.Accuracy:P2}, AUC {fold.Metrics.AreaUnderRocCurve:F3}");
Console.WriteLine($"  mean: accuracy {folds.Average(f => f.Metrics.Accuracy):P2}, AUC {folds.Average(f => f.Metrics.AreaUnderRocCurve):F3}");
foreach (var fold in folds) (fold.Model as IDisposable)?.Dispose();

using var model = pipeline.Fit(data);
string path = Path.Combine(folder, "rnnmlnet-names.zip");
RecurrentModelFile.Save(ml, model, data.Schema, path);

// The summary travels inside the saved model: no need to keep the estimator around to know what was trained, or how.
var summary = RecurrentModelFile.ReadSummary(path);
Console.WriteLine($"\nSaved to {path}. Its summary:\n{summary}");
string chart = Path.Combine(folder, "rnnmlnet-names-loss.svg");
LineChart.Save(TrainingPlots.LossCurves(summary, "Names: loss by epoch"), chart);
Console.WriteLine($"Loss curves: {chart}");

/// <summary>A line of names.csv: Name,Gender (F or M).</summary>
public sealed class NameRow
{
    [LoadColumn(0)]
    public string Name { get; set; } = "";

    [LoadColumn(1)]
    public string Gender { get; set; } = "";
}
