// A model trained in PyTorch, brought into ML.NET: OnnxImport reads its ONNX export (embedding → LSTM → linear head),
// an LSTM trainer with 0 epochs packages it as an ordinary ML.NET model that scores as PyTorch did, and with more epochs
// fine-tunes it the way PyTorch would (its two bias vectors per gate are kept apart). The model is the one the tests
// import, made by tests/RnnMlNet.Tests/Fixtures/make_pytorch_fixtures.py: is there a token 3 before a token 5?
//
//   dotnet run -c Release --project samples/OnnxImport -- [model.onnx]
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Onnx;

SampleData.Start(args, "[model.onnx]");
string path = SampleData.InputFile(args, "tests/RnnMlNet.Tests/Fixtures/pytorch_lstm_binary.onnx", "an ONNX export");
var imported = OnnxImport.Read(path);
Console.WriteLine($"Read {Path.GetFileName(path)}: {imported.Cell}, {imported.Layers} layer(s) of {imported.HiddenSize} units{(imported.Bidirectional ? ", bidirectional" : "")}, " +
    $"embedding {imported.VocabularySize} × {imported.EmbeddingSize}, {imported.Outputs} output(s).");

// The sample's rows are the fixture's task: ids 1–11 (row 0 of the embedding is for padding and unknown tokens) and one
// binary output. Another export must have been trained for the same task.
if (imported.VocabularySize != Row.Keys + 1 || imported.Outputs != 1)
{
    Console.Error.WriteLine($"{Path.GetFileName(path)} has {imported.VocabularySize} embedding rows and {imported.Outputs} output(s); this sample's data needs " +
        $"{Row.Keys + 1} rows (ids 1–{Row.Keys}, and 0) and one binary output, as the PyTorch fixture has.");
    return 1;
}
var ml = new MLContext(seed: 1);
// Token ids 1–11 as ML.NET keys (key k is token id k), with PyTorch's rule as the label.
Row[] Rows(int count, int seed)
{
    var random = new Random(seed);
    return Enumerable.Range(0, count).Select(_ =>
    {
        var tokens = Enumerable.Range(0, random.Next(4, 11)).Select(_ => (uint)random.Next(1, imported.VocabularySize)).ToArray();
        int three = Array.IndexOf(tokens, 3u), five = Array.LastIndexOf(tokens, 5u);
        return new Row { Tokens = tokens, Label = three >= 0 && five > three };
    }).ToArray();
}
var train = ml.Data.LoadFromEnumerable(Rows(2000, 1));
var test = ml.Data.LoadFromEnumerable(Rows(1000, 2));

var packaged = imported.ToTrainerOptions("Label", "Tokens");
Console.WriteLine($"Trainer options from the import: separate biases (PyTorch's b_ih and b_hh) = {packaged.SeparateBiases}.");
using var asImported = ml.BinaryClassification.Trainers.Lstm(packaged).Fit(train);
Report("PyTorch's weights, packaged (0 epochs)", asImported);

var tuning = imported.ToTrainerOptions("Label", "Tokens", epochs: 3);
tuning.LearningRate = 1e-3;
using var tuned = ml.BinaryClassification.Trainers.Lstm(tuning).Fit(train);
Report("fine-tuned 3 epochs on 2,000 more sequences", tuned);

string zip = Path.Combine(Path.GetTempPath(), "rnnmlnet-imported-lstm.zip");
RecurrentModelFile.Save(ml, tuned, train.Schema, zip);
var reloaded = RecurrentModelFile.Load(new MLContext(seed: 1), zip, out _);
Report("the fine-tuned model, saved and reloaded", reloaded);
(reloaded as IDisposable)?.Dispose();

void Report(string what, ITransformer model)
{
    var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
    Console.WriteLine($"  {what,-45} test accuracy {metrics.Accuracy:P2}, AUC {metrics.AreaUnderRocCurve:F4}");
}
return 0;

/// <summary>Token ids (keys 1–11) and whether a 3 comes before a 5.</summary>
public sealed class Row
{
    public const int Keys = 11;

    [KeyType(Keys)]
    public uint[] Tokens { get; set; } = [];

    public bool Label { get; set; }
}
