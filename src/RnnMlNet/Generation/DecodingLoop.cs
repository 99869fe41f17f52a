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
    /// <param name="g">The graph to add to.</param>
    /// <param name="decoder">The decoder's weights, loaded into <paramref name="g"/>.</param>
    /// <param name="names">Prefix of the loop's names in <paramref name="g"/>.</param>
    /// <param name="prefix">Token ids [1, P] read before the loop.</param>
    /// <param name="initialHidden">Each layer's initial h, or null for zeros.</param>
    /// <param name="initialCell">Each layer's initial c (LSTM), or null.</param>
    /// <param name="texts">Token text by id.</param>
    /// <param name="endId">The token that ends the output.</param>
    /// <param name="maximumLength">Most tokens emitted.</param>
    /// <param name="decoding">Greedy or sampling settings.</param>
    /// <param name="output">Name of the emitted tokens' texts.</param>
    /// <param name="weightsOutput">For an attentional decoder, the name of an output of the attention weights [1, L·T]
    /// (one row of T source weights per emitted token before the end token); null for none.</param>
    /// <returns>The name of the emitted tokens' texts, [1, L] (the end token included when reached). The caller declares
    /// the graph's outputs.</returns>
    public static string Add(OnnxGraphBuilder g, DecoderGraph decoder, string names, string prefix, string[]? initialHidden, string[]? initialCell,
        string[] texts, int endId, int maximumLength, Decoding decoding, string output, string? weightsOutput = null)
    {
        decoder.CheckWeightsOutput(weightsOutput);
        int h = decoder.Stack.HiddenSize;
        bool keepWeights = weightsOutput is not null;

        // The prefix through every layer; each layer's final state seeds the loop.
        string x = RecurrentStackGraph.Embed(g, decoder.Embedding, prefix);
        string[]? statesIn = initialHidden?.SelectMany((hidden, l) => decoder.Stack.HasCell ? new[] { hidden, initialCell![l] } : [hidden]).ToArray();
        var (prefixStates, prefixTop) = decoder.Layers(g, x, statesIn, names + "prefix");
        var (firstLogits, firstWeights) = decoder.Logits(g, prefixTop, 1);
        string first = Pick(g, firstLogits, decoding, decoding.Seed);

        // The loop: emit the current token (and the weights that chose it), stop after the end token, advance every layer
        // one step, pick the next token.
        var body = new OnnxGraphBuilder("decode", "loop_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string token = body.Input("token_in", DataType.Int64, 1, 1);
        var stateIn = prefixStates.Select((_, i) => body.Input($"state{i}_in", DataType.Float, 1, 1, h)).ToArray();
        string? weightsIn = keepWeights ? body.Input("weights_in", DataType.Float, 1, "T") : null;
        string isEnd = body.Node("Equal", [token, body.Longs("end", endId)]);
        body.Node("Not", [body.Node("Reshape", [isEnd, body.Longs("scalar", Array.Empty<long>())])], "condition_out");
        string step = body.Node("Gather", [decoder.Embedding, token], null, OnnxGraphBuilder.Int("axis", 0));
        var (stateOut, top) = decoder.Layers(body, step, stateIn, "loop");
        var (logits, weights) = decoder.Logits(body, top, 1);
        body.Node("Identity", [Pick(body, logits, decoding, decoding.Seed + 1)], "token_out");
        body.Node("Identity", [token], "emitted");
        body.Output("condition_out", DataType.Bool);
        body.Output("token_out", DataType.Int64, 1, 1);
        var renamed = stateOut.Select((s, i) => body.Node("Identity", [s], $"state{i}_out")).ToList();
        foreach (var name in renamed) body.Output(name, DataType.Float, 1, 1, h);
        if (keepWeights)
        {
            body.Node("Identity", [weights!], "weights_out");
            body.Output("weights_out", DataType.Float, 1, "T");
        }
        body.Output("emitted", DataType.Int64, 1, 1);
        if (keepWeights)
        {
            body.Node("Identity", [weightsIn!], "emitted_weights");
            body.Output("emitted_weights", DataType.Float, 1, "T");
        }

        var carried = new List<string> { first };
        carried.AddRange(prefixStates);
        if (keepWeights) carried.Add(firstWeights!);
        string[] scanned = keepWeights ? [names + "loop.tokens", names + "loop.weights"] : [names + "loop.tokens"];
        var loopOutputs = g.MultiOutputNode("Loop", [g.ScalarLong(names + "loop.max", maximumLength), g.ScalarBool(names + "loop.run", true), .. carried],
            [.. carried.Select((_, i) => $"{names}loop.final_{i}"), .. scanned], OnnxGraphBuilder.Subgraph("body", body));
        string ids = g.Node("Reshape", [loopOutputs[carried.Count], g.Longs(names + "tokens.shape", 1, -1)]);
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));
        if (keepWeights) WeightsBeforeEnd(g, names, loopOutputs[^1], ids, endId, weightsOutput!);
        return output;
    }

    /// <summary>
    /// Writes <paramref name="output"/> [1, L·T]: the rows of <paramref name="weights"/> ([L, 1, T] or [1, L, T]) of the
    /// tokens <paramref name="ids"/> [1, L] before the first end token (that token and any after it are dropped).
    /// </summary>
    internal static void WeightsBeforeEnd(OnnxGraphBuilder g, string names, string weights, string ids, int endId, string output)
    {
        string rows = g.Node("Flatten", [weights], null, OnnxGraphBuilder.Int("axis", 2));
        // Kept rows: the first end token's position, or all L when none was reached.
        string isEnd = g.Node("Cast", [g.Node("Equal", [ids, g.Longs(names + "weights.end", endId)])], null, OnnxGraphBuilder.Int("to", (long)DataType.Int32));
        string firstEnd = g.Node("ArgMax", [isEnd], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 0));
        string ended = g.Node("Cast", [g.Node("ReduceMax", [isEnd], null, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0))], null,
            OnnxGraphBuilder.Int("to", (long)DataType.Bool));
        string length = g.Node("Slice", [g.Node("Shape", [ids]), g.Longs(names + "weights.length_start", 1), g.Longs(names + "weights.length_end", 2)]);
        string kept = g.Node("Where", [ended, firstEnd, length]);
        string trimmed = g.Node("Slice", [rows, g.Longs(names + "weights.starts", 0), kept, g.Longs(names + "weights.axes", 0)]);
        g.Node("Reshape", [trimmed, g.Longs(names + "weights.shape", 1, -1)], output);
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
