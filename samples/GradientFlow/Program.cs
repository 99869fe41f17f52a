// Vanishing and exploding gradients, made visible: the gradient that reaches each time step of a 100-step sequence,
// ‖∂L/∂h_t‖.
// 1. Freshly initialised: a SimpleRNN, the same SimpleRNN with its recurrent weights scaled up, an LSTM and a GRU. Prints
//    how much of the last step's gradient reaches step 1 and charts it (SVG, and PNG through RnnMlNet.Plots).
// 2. While training: a SimpleRNN and an LSTM learn a long-memory task (is the first of 100 random ±1 values positive?)
//    with RecordGradientFlow on; the gradient reaching each step is charted epoch by epoch as a step × epoch heatmap,
//    beside the loss curves.
//
//   dotnet run -c Release --project samples/GradientFlow -- [output folder]
using System.Globalization;
using RnnMlNet;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Plots;

const int Steps = 100, Features = 4, Hidden = 32;
SampleData.Start(args, "[output folder]");
string folder = args.Length > 0 ? args[0] : Path.GetTempPath();
Directory.CreateDirectory(folder);
var random = new Random(1);
var sequence = Sequence<float>.FromFeatures(Enumerable.Range(0, Steps * Features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), Features);

double[] Flow(CellKind cell, float recurrentScale = 1)
{
    var network = new RecurrentNetwork<float>(new NetworkOptions { Cell = cell, FeaturesPerStep = Features, HiddenSize = Hidden, Threads = 1 }, seed: 1);
    if (recurrentScale != 1)
    {
        // R in ONNX layout holds the recurrent weights; scaling them past 1 in spectral radius makes gradients grow backwards.
        var weights = network.Export().Select(w => w.Name == "layer0.R" ? w with { Values = w.Values.Select(v => v * recurrentScale).ToArray() } : w).ToList();
        network.Import(weights);
    }
    var output = network.Forward(SequenceBatch<float>.Create([sequence]));
    network.Parameters.ZeroGradients();
    network.Backward(Enumerable.Repeat(1f, output.Rows).ToArray());   // ∂L/∂logit = 1: the flow of the logit's own gradient
    return network.GradientReachingEachStep()[0][0];
}

string Fraction(double[] norms) => (norms[0] / norms[^1]).ToString("0.00E+0", CultureInfo.InvariantCulture);

var lines = new List<(string Name, double[] Norms)>
{
    ("SimpleRNN", Flow(CellKind.SimpleRnn)),
    ("SimpleRNN, R × 4", Flow(CellKind.SimpleRnn, recurrentScale: 4)),
    ("LSTM", Flow(CellKind.Lstm)),
    ("GRU", Flow(CellKind.Gru)),
};
Console.WriteLine($"Gradient reaching step 1 of {Steps}, as a fraction of what reaches step {Steps} (freshly initialised, H = {Hidden}):");
foreach (var (name, norms) in lines) Console.WriteLine($"  {name,-18} {Fraction(norms),10}");
string title = $"Gradient reaching each of {Steps} steps (freshly initialised)";
LineChart.Save(TrainingPlots.GradientFlow(lines, title), Path.Combine(folder, "gradient-flow.svg"));
PngPlots.GradientFlow(lines, Path.Combine(folder, "gradient-flow.png"), title);

// Is the first value positive? The answer lies 100 steps before the loss, so only a gradient that survives the way back
// learns it; every later ±1 value disturbs the state.
LabeledSequence<float>[] FirstBit(int count, Random bits) => Enumerable.Range(0, count).Select(_ =>
{
    var values = Enumerable.Range(0, Steps).Select(_ => bits.Next(2) * 2f - 1).ToArray();
    return new LabeledSequence<float>(Sequence<float>.FromFeatures(values, 1), [values[0] > 0 ? 1f : 0f]);
}).ToArray();
var data = new Random(2);
var train = FirstBit(1024, data);
var test = FirstBit(256, data);

Console.WriteLine($"\nTraining on the sign of the first of {Steps} ±1 values ({train.Length} sequences, H = {Hidden}), gradient flow recorded:");
foreach (var cell in new[] { CellKind.SimpleRnn, CellKind.Lstm })
{
    var network = new RecurrentNetwork<float>(new NetworkOptions { Cell = cell, FeaturesPerStep = 1, HiddenSize = Hidden, Threads = 2 }, seed: 1);
    var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
    {
        Epochs = 12, BatchSize = 32, LearningRate = 3e-3, Seed = 1, RecordGradientFlow = true,
    }).Fit(train, test);
    var logits = network.Predict(test.Select(e => e.Input).ToArray());
    double accuracy = test.Where((e, i) => (logits[i][0] > 0 ? 1f : 0f) == e.Target[0]).Count() / (double)test.Length;
    string name = cell == CellKind.Lstm ? "LSTM" : "SimpleRNN";
    var flows = history.Epochs.Select(e => e.GradientFlow![0][0]).ToArray();
    Console.WriteLine($"  {name,-10} test accuracy {accuracy:P1}; reaching step 1 by epoch: {string.Join(", ", flows.Select(Fraction))}");
    string file = name.ToLowerInvariant();
    PngPlots.GradientFlowHeatmap(history, Path.Combine(folder, $"{file}-flow-by-epoch.png"), title: $"{name}: gradient reaching each step, by epoch");
    PngPlots.LossCurves(history, Path.Combine(folder, $"{file}-loss.png"), title: $"{name}: loss by epoch (validation: the test sequences)");
}
Console.WriteLine($"\nCharts in {folder}: gradient-flow.svg, gradient-flow.png, simplernn-flow-by-epoch.png, lstm-flow-by-epoch.png, simplernn-loss.png, lstm-loss.png");
