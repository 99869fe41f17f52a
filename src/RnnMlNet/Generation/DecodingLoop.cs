using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
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
        var decoder = DecoderGraph.Load(g, network, names);
        int h = network.Options.HiddenSize;

        // The prefix through every layer; each layer's final state seeds the loop.
        string x = RecurrentStackGraph.Embed(g, decoder.Embedding, prefix);
        string[]? statesIn = initialHidden?.SelectMany((hidden, l) => decoder.Stack.HasCell ? new[] { hidden, initialCell![l] } : [hidden]).ToArray();
        var (prefixStates, prefixTop) = decoder.Layers(g, x, statesIn, names + "prefix");
        string first = Pick(g, decoder.Logits(g, prefixTop, 1), decoding, decoding.Seed);

        // The loop: emit the current token, stop after the end token, advance every layer one step, pick the next token.
        var body = new OnnxGraphBuilder("decode", "loop_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string token = body.Input("token_in", DataType.Int64, 1, 1);
        var stateIn = prefixStates.Select((_, i) => body.Input($"state{i}_in", DataType.Float, 1, 1, h)).ToArray();
        string isEnd = body.Node("Equal", [token, body.Longs("end", endId)]);
        body.Node("Not", [body.Node("Reshape", [isEnd, body.Longs("scalar", Array.Empty<long>())])], "condition_out");
        string step = body.Node("Gather", [decoder.Embedding, token], null, OnnxGraphBuilder.Int("axis", 0));
        var (stateOut, top) = decoder.Layers(body, step, stateIn, "loop");
        body.Node("Identity", [Pick(body, decoder.Logits(body, top, 1), decoding, decoding.Seed + 1)], "token_out");
        body.Node("Identity", [token], "emitted");
        body.Output("condition_out", DataType.Bool);
        body.Output("token_out", DataType.Int64, 1, 1);
        var renamed = stateOut.Select((s, i) => body.Node("Identity", [s], $"state{i}_out")).ToList();
        foreach (var name in renamed) body.Output(name, DataType.Float, 1, 1, h);
        body.Output("emitted", DataType.Int64, 1, 1);

        var carried = new List<string> { first };
        carried.AddRange(prefixStates);
        var loopOutputs = g.MultiOutputNode("Loop", [g.ScalarLong(names + "loop.max", maximumLength), g.ScalarBool(names + "loop.run", true), .. carried],
            [.. carried.Select((_, i) => $"{names}loop.final_{i}"), names + "loop.tokens"], OnnxGraphBuilder.Subgraph("body", body));
        string ids = g.Node("Reshape", [loopOutputs[^1], g.Longs(names + "tokens.shape", 1, -1)]);
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));
        g.Output(output, DataType.String, 1, "L");
        return output;
    }

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
