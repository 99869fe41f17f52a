// A model trained in ML.NET, exported as a standalone ONNX graph and scored in plain ONNX Runtime, with no ML.NET at
// scoring time: what another runtime (C++, Python, a browser) does with the same file. The graph takes a padded batch
// of token ids with their lengths; the vocabulary in its metadata maps characters to ids.
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

SampleData.Start(args, "[names.csv]");
string csv = SampleData.InputFile(args, "data/names/names.csv", "the names CSV");
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(SampleData.ReadNames(csv).Select(n => new NameRow { Name = n.Name, Label = n.Female }).ToList());

// Characters as keys through BuildVocabulary, whose token list is the contract with the other runtime: key k is token k − 1.
// Lower-casing alone, which the other runtime repeats below (NormalizeText also strips accents by default, which it would
// have to repeat too: "Zoë" would be "zoe" in ML.NET and an unknown "ë" there).
var pipeline = ml.Transforms.Text.NormalizeText("Lower", "Name", keepDiacritics: true)
    .Append(SampleData.CharacterIds(ml, "CharIds", "Lower"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Seed = 1 }));
using var model = pipeline.Fit(data);

string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-export-sample");
Directory.CreateDirectory(folder);
string zip = Path.Combine(folder, "names.zip"), onnx = Path.Combine(folder, "names.onnx");
RecurrentModelFile.Save(ml, model, data.Schema, zip);
RecurrentModelFile.ExportOnnx(zip, onnx);

// From here on, only the .onnx file: its inputs, outputs and metadata say all the other runtime needs.
using var session = new InferenceSession(onnx);
var vocabulary = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.Vocabulary"])!;
Console.WriteLine($"Exported {onnx} ({new FileInfo(onnx).Length:N0} bytes); its metadata holds a vocabulary of {vocabulary.Length} characters.");
foreach (var (name, meta) in session.InputMetadata) Console.WriteLine($"  input  {name}: {meta.ElementType.Name} [{string.Join(", ", meta.Dimensions)}]");
foreach (var (name, meta) in session.OutputMetadata) Console.WriteLine($"  output {name}: {meta.ElementType.Name} [{string.Join(", ", meta.Dimensions)}]");

// All the names in one padded batch: ids past a name's length are never read, whatever they hold.
string[] names = ["Alexandra", "Alexander", "Maria", "Mario", "Yvonne", "Kevin", "Leia", "Anakin"];
var ids = names.Select(n => n.ToLowerInvariant().Select(c => (long)(Array.IndexOf(vocabulary, c.ToString()) + 1)).ToArray()).ToArray();
int steps = ids.Max(row => row.Length);
var batch = new DenseTensor<long>([names.Length, steps]);
var lengths = new DenseTensor<int>([names.Length]);
for (int n = 0; n < names.Length; n++)
{
    for (int t = 0; t < ids[n].Length; t++) batch[n, t] = ids[n][t];
    lengths[n] = ids[n].Length;
}
using var result = session.Run([NamedOnnxValue.CreateFromTensor("TokenIds", batch), NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)]);
var probabilities = result.Single(r => r.Name == "Probability").AsTensor<float>();

using var engine = ml.Model.CreatePredictionEngine<NameRow, NamePrediction>(model);
double largest = 0;
Console.WriteLine("\n  name        ML.NET P(female)   ONNX Runtime P(female), one batch");
for (int n = 0; n < names.Length; n++)
{
    float fromOnnx = probabilities[n, 0], fromMlNet = engine.Predict(new NameRow { Name = names[n] }).Probability;
    largest = Math.Max(largest, Math.Abs(fromOnnx - fromMlNet));
    Console.WriteLine($"  {names[n],-10}  {fromMlNet,16:F5}   {fromOnnx,22:F5}");
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
