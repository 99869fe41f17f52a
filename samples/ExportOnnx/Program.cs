// A model trained in ML.NET, exported as a standalone ONNX graph and scored in plain ONNX Runtime, with no ML.NET at
// scoring time: what another runtime (C++, Python, a browser) does with the same file. The graph takes key ids; the
// vocabulary saved beside it maps characters to them.
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;
using RnnMlNet.Vocabulary;

string csv = args.Length > 0 ? args[0] : SampleData.Find("data/names/names.csv", "pass the CSV's path as the first argument");
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(SampleData.ReadNames(csv).Select(n => new NameRow { Name = n.Name, Label = n.Female }).ToList());

// Characters as keys through BuildVocabulary, whose token list is the contract with the other runtime: key k is token k − 1.
var pipeline = ml.Transforms.Text.NormalizeText("Lower", "Name")
    .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharKeys", "Lower", useMarkerCharacters: false))
    .Append(ml.Transforms.Conversion.MapKeyToValue("Chars", "CharKeys"))
    .Append(ml.Transforms.Text.BuildVocabulary("CharIds", "Chars"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Seed = 1 }));
using var model = pipeline.Fit(data);
var vocabulary = model.GetVocabulary(data.Schema, "CharIds");

string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-export-sample");
Directory.CreateDirectory(folder);
string zip = Path.Combine(folder, "names.zip"), onnx = Path.Combine(folder, "names.onnx");
ml.Model.Save(model, data.Schema, zip);
RecurrentModelFile.ExportOnnx(zip, onnx);
File.WriteAllLines(Path.Combine(folder, "names.vocabulary.txt"), vocabulary);
Console.WriteLine($"Exported {onnx} ({new FileInfo(onnx).Length:N0} bytes) and its vocabulary of {vocabulary.Count} characters.");

using var session = new InferenceSession(onnx);
var input = session.InputMetadata.Single();
var output = session.OutputMetadata.Keys.Single(name => name == "RnnMlNet.Logit");
Console.WriteLine($"Input '{input.Key}': {input.Value.ElementType.Name} [{string.Join(", ", input.Value.Dimensions)}]; output '{output}': a logit [N, 1].");

using var engine = ml.Model.CreatePredictionEngine<NameRow, NamePrediction>(model);
var keys = vocabulary.Select((token, index) => (token, key: (uint)index + 1)).ToDictionary(p => p.token, p => p.key);
double largest = 0;
Console.WriteLine("\n  name        ML.NET P(female)   ONNX Runtime P(female)");
foreach (var name in new[] { "Alexandra", "Alexander", "Maria", "Mario", "Yvonne", "Kevin", "Leia", "Anakin" })
{
    // One name at a time: the graph has no sequence lengths, so a zero-padded batch would read the padding as steps.
    uint[] ids = name.ToLowerInvariant().Select(c => keys.GetValueOrDefault(c.ToString(), 0u)).ToArray();
    using var result = session.Run([NamedOnnxValue.CreateFromTensor(input.Key, new DenseTensor<uint>(ids, [1, ids.Length]))]);
    float logit = result.Single(r => r.Name == output).AsTensor<float>()[0, 0];
    float fromOnnx = 1 / (1 + MathF.Exp(-logit)), fromMlNet = engine.Predict(new NameRow { Name = name }).Probability;
    largest = Math.Max(largest, Math.Abs(fromOnnx - fromMlNet));
    Console.WriteLine($"  {name,-10}  {fromMlNet,16:F5}   {fromOnnx,22:F5}");
}
Console.WriteLine($"\nLargest difference: {largest:G3}.");


/// <summary>A name and whether it is female.</summary>
public sealed class NameRow
{
    public string Name { get; set; } = "";

    public bool Label { get; set; }
}

/// <summary>What the model predicts for a name.</summary>
public sealed class NamePrediction
{
    public float Probability { get; set; }
}
