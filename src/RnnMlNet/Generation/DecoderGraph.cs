using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>A decoder network's weights as graph initializers: its embedding, its recurrent stack and its output layer.</summary>
internal sealed class DecoderGraph
{
    private DecoderGraph(RecurrentStackGraph stack, string embedding, string headWeights, string headBias)
    {
        Stack = stack;
        Embedding = embedding;
        HeadWeights = headWeights;
        HeadBias = headBias;
    }

    public RecurrentStackGraph Stack { get; }

    public string Embedding { get; }

    public string HeadWeights { get; }

    public string HeadBias { get; }

    /// <summary>Adds the network's weights to <paramref name="g"/> under names starting with <paramref name="names"/>.</summary>
    public static DecoderGraph Load(OnnxGraphBuilder g, RecurrentNetwork<float> network, string names)
    {
        var weights = network.Export().ToDictionary(w => w.Name);
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        return new DecoderGraph(RecurrentStackGraph.Load(g, network.Options, weights, names), Weight("embedding"), Weight("head.weights"), Weight("head.bias"));
    }

    /// <summary>
    /// Runs X [T, N, E] through every layer from the given states (h, then c for LSTM, per layer; null for zeros).
    /// Returns each layer's final states in the same order, and the top layer's final h [1, N, H].
    /// </summary>
    public (IReadOnlyList<string> States, string Top) Layers(OnnxGraphBuilder g, string x, IReadOnlyList<string>? statesIn, string prefix)
    {
        var run = Stack.Run(g, x, statesIn, prefix, topOutput: false);
        return (run.States, run.TopHidden);
    }

    /// <summary>Logits [N, V] from the top layer's state [1, N, H].</summary>
    public string Logits(OnnxGraphBuilder g, string top, int rows) =>
        g.Affine(g.Node("Reshape", [top, g.Longs("logits.state_shape", rows, -1)]), HeadWeights, HeadBias);
}
