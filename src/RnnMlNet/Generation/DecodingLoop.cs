using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>How the next token is chosen from the logits.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); above 0 samples from softmax(logits / temperature).</param>
/// <param name="TopK">When sampling, only the K most likely tokens are candidates; 0 means all.</param>
/// <param name="Seed">Seed of the sampler, stored in the graph: a freshly loaded model samples the same tokens for the same
/// rows in the same order. ONNX Runtime seeds its sampler once per session, so a second pass over a loaded model draws
/// on from where the first stopped. ONNX stores the seed as a float, exact below 2²⁴, so the graph's is the seed modulo 2²⁴
/// (seeds that differ by a multiple of it sample alike).</param>
/// <param name="Mask">Added to the logits before a token is chosen: −∞ at the ids training never targets (see
/// <see cref="GeneratorVocabulary.NeverTargeted"/>), which would write nothing, or a literal &lt;unk&gt;, or silently change
/// how the rest is read; null adds nothing.</param>
internal sealed record Decoding(float Temperature, int TopK, int Seed, float[]? Mask = null);

/// <summary>What a decoding loop wrote for a batch of N rows.</summary>
/// <param name="Ids">Token ids [N, L]: each row's tokens up to its end token, which is included when reached, then end
/// tokens for as long as another row goes on.</param>
/// <param name="Weights">For an attentional decoder asked for them, the attention weights [N, L, T] that chose each token;
/// otherwise null.</param>
internal sealed record DecodedTokens(string Ids, string? Weights);

/// <summary>
/// Decoding with a unidirectional network as standard ONNX, for a batch of N rows: each row's prefix (of its own length)
/// runs through every layer (from given initial states, or zeros), then an ONNX <c>Loop</c> emits each row's token, feeds
/// it back through one step of every layer and picks the next, until every row has emitted the end token or the maximum
/// length. A row that has ended emits end tokens while others go on, so each row decodes as it does alone. Weights live
/// once in the outer graph; the loop body reads them from there. Shared by generation (prefix = start + prompt) and
/// seq2seq (prefix = &lt;s&gt;, initial states from the encoder).
/// </summary>
internal static class DecodingLoop
{
    /// <param name="g">The graph to add to.</param>
    /// <param name="decoder">The decoder's weights, loaded into <paramref name="g"/>.</param>
    /// <param name="names">Prefix of the loop's names in <paramref name="g"/>.</param>
    /// <param name="prefix">Token ids [N, P] read before the loop.</param>
    /// <param name="prefixLengths">Each row's prefix length (int32 [N]), or null when every row fills P.</param>
    /// <param name="initialHidden">Each layer's initial h [1, N, H], or null for zeros.</param>
    /// <param name="initialCell">Each layer's initial c (LSTM), or null.</param>
    /// <param name="endId">The token that ends a row.</param>
    /// <param name="maximumLength">Most tokens emitted.</param>
    /// <param name="decoding">Greedy or sampling settings.</param>
    /// <param name="keepWeights">For an attentional decoder, whether to keep the attention weights of each token.</param>
    public static DecodedTokens Add(OnnxGraphBuilder g, DecoderGraph decoder, string names, string prefix, string? prefixLengths, string[]? initialHidden,
        string[]? initialCell, int endId, int maximumLength, Decoding decoding, bool keepWeights = false)
    {
        decoder.CheckWeights(keepWeights);
        int h = decoder.Stack.HiddenSize;

        // The prefix through every layer; each layer's final state seeds the loop.
        string x = RecurrentStackGraph.Embed(g, decoder.Embedding, prefix);
        string[]? statesIn = initialHidden?.SelectMany((hidden, l) => decoder.Stack.HasCell ? new[] { hidden, initialCell![l] } : [hidden]).ToArray();
        var (prefixStates, prefixTop) = decoder.Layers(g, x, statesIn, names + "prefix", prefixLengths);
        var (firstLogits, firstWeights) = decoder.Logits(g, prefixTop, 1);
        string first = Pick(g, firstLogits, decoding, decoding.Seed);

        // The loop: emit each row's current token (and the weights that chose it), or the end token for a row already
        // ended; stop once every row has ended; advance every layer one step; pick the next tokens.
        var body = new OnnxGraphBuilder("decode", "loop_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string token = body.Input("token_in", DataType.Int64, "N", 1);
        string endedBefore = body.Input("ended_in", DataType.Bool, "N", 1);
        var stateIn = prefixStates.Select((_, i) => body.Input($"state{i}_in", DataType.Float, 1, "N", h)).ToArray();
        string? weightsIn = keepWeights ? body.Input("weights_in", DataType.Float, "N", "T") : null;
        string end = body.Longs("end", endId);
        string ended = body.Node("Or", [endedBefore, body.Node("Equal", [token, end])], "ended_out");
        body.Node("Not", [AllTrue(body, ended)], "condition_out");
        string step = RecurrentStackGraph.Embed(body, decoder.Embedding, token);
        var (stateOut, top) = decoder.Layers(body, step, stateIn, "loop");
        var (logits, weights) = decoder.Logits(body, top, 1);
        body.Node("Identity", [Pick(body, logits, decoding, (long)decoding.Seed + 1)], "token_out");
        body.Node("Where", [endedBefore, end, token], "emitted");
        body.Output("condition_out", DataType.Bool);
        body.Output("token_out", DataType.Int64, "N", 1);
        body.Output("ended_out", DataType.Bool, "N", 1);
        var renamed = stateOut.Select((s, i) => body.Node("Identity", [s], $"state{i}_out")).ToList();
        foreach (var name in renamed) body.Output(name, DataType.Float, 1, "N", h);
        if (keepWeights)
        {
            body.Node("Identity", [weights!], "weights_out");
            body.Output("weights_out", DataType.Float, "N", "T");
        }
        body.Output("emitted", DataType.Int64, "N", 1);
        if (keepWeights)
        {
            body.Node("Identity", [weightsIn!], "emitted_weights");
            body.Output("emitted_weights", DataType.Float, "N", "T");
        }

        // No row has ended before the first token: false for every row (ConstantOfShape's zeros, as bool).
        string noneEnded = g.Node("Cast", [g.Node("ConstantOfShape", [g.Node("Shape", [first])])], null, OnnxGraphBuilder.Int("to", (long)DataType.Bool));
        var carried = new List<string> { first, noneEnded };
        carried.AddRange(prefixStates);
        if (keepWeights) carried.Add(firstWeights!);
        string[] scanned = keepWeights ? [names + "loop.tokens", names + "loop.weights"] : [names + "loop.tokens"];
        var loopOutputs = g.MultiOutputNode("Loop", [g.ScalarLong(names + "loop.max", maximumLength), g.ScalarBool(names + "loop.run", true), .. carried],
            [.. carried.Select((_, i) => $"{names}loop.final_{i}"), .. scanned], OnnxGraphBuilder.Subgraph("body", body));
        // Scanned per step: tokens [L, N, 1] → [N, L]; weights [L, N, T] → [N, L, T].
        string ids = g.Node("Transpose", [g.Node("Squeeze", [loopOutputs[carried.Count], g.Longs(names + "tokens.axes", 2)])], null, OnnxGraphBuilder.Ints("perm", 1, 0));
        return new DecodedTokens(ids, keepWeights ? g.Node("Transpose", [loopOutputs[^1]], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)) : null);
    }

    /// <summary>A scalar bool: whether every value of the bool tensor is true.</summary>
    internal static string AllTrue(OnnxGraphBuilder g, string values) =>
        g.Node("Equal", [g.Node("ReduceMin", [g.Node("Cast", [values], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64))], null, OnnxGraphBuilder.Int("keepdims", 0)),
            g.ScalarLong("all.one", 1)]);

    /// <summary>The texts [N, L] of token ids [N, L].</summary>
    internal static string Texts(OnnxGraphBuilder g, string names, string[] texts, string ids, string output) =>
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));

    /// <summary>
    /// Writes <paramref name="output"/> [1, L·T]: the rows of one row's <paramref name="weights"/> [1, L, T] of the
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

    /// <summary>The next tokens [N, 1]: the arg-max, or a sample from the (top-K) softmax at the given temperature.</summary>
    private static string Pick(OnnxGraphBuilder g, string logits, Decoding decoding, long seed)
    {
        if (decoding.Mask is { } mask) logits = g.Node("Add", [logits, g.Floats($"pick{seed}.mask", [mask.Length], mask)]);
        if (decoding.Temperature <= 0)
            return g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1));
        string scaled = g.Node("Div", [logits, g.Floats($"pick{seed}.temperature", [], [decoding.Temperature])]);
        const long exactFloats = 1 << 24;
        float samplerSeed = ((seed % exactFloats) + exactFloats) % exactFloats;
        var sampling = new[] { OnnxGraphBuilder.Int("sample_size", 1), OnnxGraphBuilder.Int("dtype", (long)DataType.Int64), OnnxGraphBuilder.Float("seed", samplerSeed) };
        if (decoding.TopK <= 0) return g.Node("Multinomial", [scaled], null, sampling);
        var best = g.MultiOutputNode("TopK", [scaled, g.Longs($"pick{seed}.k", decoding.TopK)], [$"pick{seed}.values", $"pick{seed}.indices"], OnnxGraphBuilder.Int("axis", 1));
        string choice = g.Node("Multinomial", [best[0]], null, sampling);
        return g.Node("GatherElements", [best[1], choice], null, OnnxGraphBuilder.Int("axis", 1));
    }
}
