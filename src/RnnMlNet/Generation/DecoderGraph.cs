using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;

namespace RnnMlNet.Generation;

/// <summary>A decoder network's weights as graph initializers, and one recurrent step through all its layers.</summary>
internal sealed class DecoderGraph
{
    private readonly string[][] _layers;

    private DecoderGraph(NetworkOptions options, string embedding, string[][] layers, string headWeights, string headBias)
    {
        Options = options;
        Embedding = embedding;
        _layers = layers;
        HeadWeights = headWeights;
        HeadBias = headBias;
    }

    public NetworkOptions Options { get; }

    public string Embedding { get; }

    public string HeadWeights { get; }

    public string HeadBias { get; }

    public bool HasCell => Options.Cell == CellKind.Lstm;

    /// <summary>Adds the network's weights to <paramref name="g"/> under names starting with <paramref name="names"/>.</summary>
    public static DecoderGraph Load(OnnxGraphBuilder g, RecurrentNetwork<float> network, string names)
    {
        var weights = network.Export().ToDictionary(w => w.Name);
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        var layers = Enumerable.Range(0, network.Options.Layers).Select(l => new[] { Weight($"layer{l}.W"), Weight($"layer{l}.R"), Weight($"layer{l}.B") }).ToArray();
        return new DecoderGraph(network.Options, Weight("embedding"), layers, Weight("head.weights"), Weight("head.bias"));
    }

    /// <summary>
    /// Runs X [T, N, E] through every layer from the given states (h, then c for LSTM, per layer; null for zeros).
    /// Returns each layer's final states in the same order, and the top layer's final h [1, N, H].
    /// </summary>
    public (List<string> States, string Top) Layers(OnnxGraphBuilder g, string x, IReadOnlyList<string>? statesIn, string prefix)
    {
        var states = new List<string>();
        string top = "";
        int stride = HasCell ? 2 : 1;
        for (int l = 0; l < Options.Layers; l++)
        {
            string[] inputs = statesIn is null ? [x, .. _layers[l]]
                : HasCell ? [x, .. _layers[l], "", statesIn[l * stride], statesIn[l * stride + 1]] : [x, .. _layers[l], "", statesIn[l]];
            var outputs = g.MultiOutputNode(Op, inputs, HasCell ? [$"{prefix}{l}.Y", $"{prefix}{l}.Y_h", $"{prefix}{l}.Y_c"] : [$"{prefix}{l}.Y", $"{prefix}{l}.Y_h"], Attributes);
            // Y [T, D = 1, N, H] → the next layer's X [T, N, H].
            x = g.Node("Squeeze", [outputs[0], g.Longs($"{prefix}{l}.direction_axis", 1)]);
            states.AddRange(outputs.Skip(1));
            top = outputs[1];
        }
        return (states, top);
    }

    /// <summary>Logits [N, V] from the top layer's state [1, N, H].</summary>
    public string Logits(OnnxGraphBuilder g, string top, int rows) =>
        g.Node("Add", [g.Node("MatMul", [g.Node("Reshape", [top, g.Longs("logits.state_shape", rows, -1)]), HeadWeights]), HeadBias]);

    private string Op => Options.Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };

    private AttributeProto[] Attributes => Options.Cell == CellKind.Gru
        ? [OnnxGraphBuilder.Int("hidden_size", Options.HiddenSize), OnnxGraphBuilder.Int("linear_before_reset", 1)]
        : [OnnxGraphBuilder.Int("hidden_size", Options.HiddenSize)];
}
