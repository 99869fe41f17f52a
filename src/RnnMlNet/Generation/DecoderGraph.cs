using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>A decoder network's weights as graph initializers: its embedding, its recurrent stack, and its output layer or,
/// for an attentional decoder, the attention that turns its outputs into logits.</summary>
internal sealed class DecoderGraph
{
    private readonly string? _headWeights, _headBias;

    private DecoderGraph(RecurrentStackGraph stack, string embedding, int vocabulary, string? headWeights, string? headBias, AttentionGraph? attention)
    {
        Stack = stack;
        Embedding = embedding;
        Vocabulary = vocabulary;
        (_headWeights, _headBias) = (headWeights, headBias);
        Attention = attention;
    }

    public RecurrentStackGraph Stack { get; }

    public string Embedding { get; }

    /// <summary>V: logits per step.</summary>
    public int Vocabulary { get; }

    /// <summary>The attention over the source; null for a decoder with its own head.</summary>
    public AttentionGraph? Attention { get; }

    /// <summary>Throws when attention weights are asked of a decoder that has none.</summary>
    public void CheckWeights(bool keepWeights)
    {
        if (keepWeights && Attention is null)
            throw new ArgumentException("Only an attentional decoder has attention weights to keep.", nameof(keepWeights));
    }

    /// <summary>Adds the network's weights to <paramref name="g"/> under names starting with <paramref name="names"/>; a
    /// network without a head reads its logits through <paramref name="attention"/>.</summary>
    public static DecoderGraph Load(OnnxGraphBuilder g, RecurrentNetwork<float> network, string names, AttentionGraph? attention = null)
    {
        if (network.HasHead == (attention is not null))
            throw new ArgumentException("A decoder has either its own head or an attention that writes its logits.", nameof(attention));
        var weights = network.Export().ToDictionary(w => w.Name);
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        var stack = RecurrentStackGraph.Load(g, network.Options, weights, names);
        return attention is null
            ? new DecoderGraph(stack, Weight("embedding"), network.Options.Outputs, Weight("head.weights"), Weight("head.bias"), null)
            : new DecoderGraph(stack, Weight("embedding"), network.Options.Outputs, null, null, attention);
    }

    /// <summary>
    /// Runs X [T, N, E] through every layer from the given states (h, then c for LSTM, per layer; null for zeros), each row
    /// stopping at its own length when <paramref name="lengths"/> (int32 [N]) is given. Returns each layer's final states in
    /// the same order, and the top layer's final h [1, N, H].
    /// </summary>
    public (IReadOnlyList<string> States, string Top) Layers(OnnxGraphBuilder g, string x, IReadOnlyList<string>? statesIn, string prefix, string? lengths = null)
    {
        var run = Stack.Run(g, x, statesIn, prefix, topOutput: false, lengths);
        return (run.States, run.TopHidden);
    }

    /// <summary>Logits [R, V] from the top layer's state [1, R, H], and with attention the weights α [R, T] over the source;
    /// the rows of one source are <paramref name="perSource"/> consecutive rows.</summary>
    public (string Logits, string? Weights) Logits(OnnxGraphBuilder g, string top, int perSource)
    {
        string queries = g.Node("Reshape", [top, g.Longs("logits.state_shape", -1, Stack.HiddenSize)]);
        if (Attention is null) return (g.Affine(queries, _headWeights!, _headBias!), null);
        var (logits, weights) = Attention.Step(g, queries, perSource);
        return (logits, weights);
    }
}
