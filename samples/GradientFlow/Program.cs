// Vanishing and exploding gradients, made visible: the gradient that reaches each time step of a 100-step sequence,
// ‖∂L/∂h_t‖, for a SimpleRNN, the same SimpleRNN with its recurrent weights scaled up, an LSTM and a GRU, all freshly
// initialised. Prints how much of the last step's gradient reaches step 1 and writes the chart as an SVG.
//
//   dotnet run -c Release --project samples/GradientFlow -- [output.svg]
using RnnMlNet;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Plots;

const int Steps = 100, Features = 4, Hidden = 32;
string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "rnnmlnet-gradient-flow.svg");
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

var lines = new List<(string Name, double[] Norms)>
{
    ("SimpleRNN", Flow(CellKind.SimpleRnn)),
    ("SimpleRNN, R × 4", Flow(CellKind.SimpleRnn, recurrentScale: 4)),
    ("LSTM", Flow(CellKind.Lstm)),
    ("GRU", Flow(CellKind.Gru)),
};
Console.WriteLine($"Gradient reaching step 1 of {Steps}, as a fraction of what reaches step {Steps} (freshly initialised, H = {Hidden}):");
foreach (var (name, norms) in lines)
    Console.WriteLine($"  {name,-18} {(norms[0] / norms[^1]).ToString("0.00E+0", System.Globalization.CultureInfo.InvariantCulture),10}");
LineChart.Save(TrainingPlots.GradientFlow(lines, $"Gradient reaching each of {Steps} steps (freshly initialised)"), path);
Console.WriteLine($"Chart: {path}");
