using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>How the next token is chosen from the logits.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); above 0 samples from softmax(logits / temperature).</param>
/// <param name="TopK">When sampling, only the K most likely tokens are candidates; 0 means all.</param>
/// <param name="Seed">Seed of the sampler, stored in the graph: a saved and reloaded model samples the same tokens for the same rows.</param>
internal sealed record Decoding(float Temperature, int TopK, int Seed);

/// <summary>
/// Decoding with a unidirectional network as standard ONNX: the prefix [1, P] runs through every layer (from given
/// initial states, or zeros), then an ONNX <c>Loop</c> emits a token, feeds it back through one step of every layer and
/// picks the next, until the end token or the maximum length. Weights live once in the outer graph; the loop body
/// reads them from there. Shared by generation (prefix = start + prompt) and seq2seq (prefix = &lt;s&gt;, initial
/// states from the encoder).
/// </summary>
internal static class DecodingLoop
{
    /// <returns>The name of the emitted tokens' texts, [1, L] (the end token included when reached).</returns>
    public static string Add(OnnxGraphBuilder g, RecurrentNetwork<float> network, string names, string prefix, string[]? initialHidden, string[]? initialCell,
        string[] texts, int endId, int maximumLength, Decoding decoding, string output)
    {
        var weights = network.Export().ToDictionary(w => w.Name);
        var options = network.Options;
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        string embedding = Weight("embedding");
        var layers = Enumerable.Range(0, options.Layers).Select(l => new[] { Weight($"layer{l}.W"), Weight($"layer{l}.R"), Weight($"layer{l}.B") }).ToArray();
        string headWeights = Weight("head.weights"), headBias = Weight("head.bias");
        bool hasCell = options.Cell == CellKind.Lstm;

        // The prefix through every layer; each layer's final state seeds the loop.
        string x = g.Node("Gather", [embedding, g.Node("Transpose", [prefix], null, OnnxGraphBuilder.Ints("perm", 1, 0))], null, OnnxGraphBuilder.Int("axis", 0));
        var hidden = new string[options.Layers];
        var cell = new string[options.Layers];
        for (int l = 0; l < options.Layers; l++)
        {
            string[] inputs = initialHidden is null
                ? [x, .. layers[l]]
                : hasCell ? [x, .. layers[l], "", initialHidden[l], initialCell![l]] : [x, .. layers[l], "", initialHidden[l]];
            var outputs = g.MultiOutputNode(Op(options), inputs, hasCell ? [$"{names}prefix{l}.Y", $"{names}prefix{l}.Y_h", $"{names}prefix{l}.Y_c"] : [$"{names}prefix{l}.Y", $"{names}prefix{l}.Y_h"], Attributes(options));
            x = g.Node("Reshape", [outputs[0], g.Longs($"{names}prefix{l}.next_shape", 0, 0, -1)]);
            hidden[l] = outputs[1];
            if (hasCell) cell[l] = outputs[2];
        }
        string first = Pick(g, Logits(g, hidden[^1], headWeights, headBias), decoding, decoding.Seed);

        // The loop: emit the current token, stop after the end token, advance every layer one step, pick the next token.
        var body = new OnnxGraphBuilder("decode", "loop_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string token = body.Input("token_in", DataType.Int64, 1, 1);
        var stateIn = Enumerable.Range(0, options.Layers).SelectMany(l => hasCell
            ? new[] { body.Input($"h{l}_in", DataType.Float, 1, 1, options.HiddenSize), body.Input($"c{l}_in", DataType.Float, 1, 1, options.HiddenSize) }
            : [body.Input($"h{l}_in", DataType.Float, 1, 1, options.HiddenSize)]).ToArray();
        string isEnd = body.Node("Equal", [token, body.Longs("end", endId)]);
        body.Node("Not", [body.Node("Reshape", [isEnd, body.Longs("scalar", Array.Empty<long>())])], "condition_out");
        string step = body.Node("Gather", [embedding, token], null, OnnxGraphBuilder.Int("axis", 0));
        var stateOut = new List<string>();
        string top = "";
        int stride = hasCell ? 2 : 1;
        for (int l = 0; l < options.Layers; l++)
        {
            string[] inputs = hasCell ? [step, .. layers[l], "", stateIn[l * stride], stateIn[l * stride + 1]] : [step, .. layers[l], "", stateIn[l]];
            var outputs = body.MultiOutputNode(Op(options), inputs, hasCell ? [$"loop{l}.Y", $"h{l}_out", $"c{l}_out"] : [$"loop{l}.Y", $"h{l}_out"], Attributes(options));
            step = body.Node("Reshape", [outputs[0], body.Longs($"loop{l}.next_shape", 0, 0, -1)]);
            stateOut.AddRange(outputs.Skip(1));
            top = outputs[1];
        }
        body.Node("Identity", [Pick(body, Logits(body, top, headWeights, headBias), decoding, decoding.Seed + 1)], "token_out");
        body.Node("Identity", [token], "emitted");
        body.Output("condition_out", DataType.Bool);
        body.Output("token_out", DataType.Int64, 1, 1);
        foreach (var name in stateOut) body.Output(name, DataType.Float, 1, 1, options.HiddenSize);
        body.Output("emitted", DataType.Int64, 1, 1);

        var carried = new List<string> { first };
        for (int l = 0; l < options.Layers; l++)
        {
            carried.Add(hidden[l]);
            if (hasCell) carried.Add(cell[l]);
        }
        var loopOutputs = g.MultiOutputNode("Loop", [g.ScalarLong(names + "loop.max", maximumLength), g.ScalarBool(names + "loop.run", true), .. carried],
            [.. carried.Select((_, i) => $"{names}loop.final_{i}"), names + "loop.tokens"], OnnxGraphBuilder.Subgraph("body", body));
        string ids = g.Node("Reshape", [loopOutputs[^1], g.Longs(names + "tokens.shape", 1, -1)]);
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));
        g.Output(output, DataType.String, 1, "L");
        return output;
    }

    private static string Op(NetworkOptions options) => options.Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };

    private static AttributeProto[] Attributes(NetworkOptions options) => options.Cell == CellKind.Gru
        ? [OnnxGraphBuilder.Int("hidden_size", options.HiddenSize), OnnxGraphBuilder.Int("linear_before_reset", 1)]
        : [OnnxGraphBuilder.Int("hidden_size", options.HiddenSize)];

    /// <summary>Logits [1, V] from the top layer's state [1, 1, H].</summary>
    private static string Logits(OnnxGraphBuilder g, string topState, string headWeights, string headBias) =>
        g.Node("Add", [g.Node("MatMul", [g.Node("Reshape", [topState, g.Longs("logits.state_shape", 1, -1)]), headWeights]), headBias]);

    /// <summary>The next token [1, 1]: the arg-max, or a sample from the (top-K) softmax at the given temperature.</summary>
    private static string Pick(OnnxGraphBuilder g, string logits, Decoding decoding, int seed)
    {
        if (decoding.Temperature <= 0)
            return g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1));
        string scaled = g.Node("Div", [logits, g.Floats($"pick{seed}.temperature", [], [decoding.Temperature])]);
        var sampling = new[] { OnnxGraphBuilder.Int("sample_size", 1), OnnxGraphBuilder.Int("dtype", (long)DataType.Int64), OnnxGraphBuilder.Float("seed", seed) };
        if (decoding.TopK <= 0) return g.Node("Multinomial", [scaled], null, sampling);
        var best = g.MultiOutputNode("TopK", [scaled, g.Longs($"pick{seed}.k", decoding.TopK)], [$"pick{seed}.values", $"pick{seed}.indices"], OnnxGraphBuilder.Int("axis", 1));
        string choice = g.Node("Multinomial", [best[0]], null, sampling);
        return g.Node("GatherElements", [best[1], choice], null, OnnxGraphBuilder.Int("axis", 1));
    }
}
