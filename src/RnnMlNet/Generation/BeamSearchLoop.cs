using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// Beam search as a standard ONNX <c>Loop</c>, the same search as <see cref="EncoderDecoder{T}.DecodeBeam"/>: K beams
/// run as a batch of K through one step of every decoder layer; each beam's log-probabilities are added to its score
/// (a finished beam may only add &lt;/s&gt;, at no cost); TopK over all K·V candidates keeps the best K; each survivor
/// takes its parent's state and history. The loop ends when every beam has ended, or after the maximum length.
/// </summary>
internal static class BeamSearchLoop
{
    /// <returns>The name of the best beam's token texts [1, L] (trailing end tokens included; they print as nothing). For an
    /// attentional decoder, a non-null weightsOutput also names an output of the best beam's attention weights [1, L·T]: one
    /// row of T source weights per token before the end token. The caller declares the graph's outputs.</returns>
    public static string Add(OnnxGraphBuilder g, DecoderGraph graph, string names, string[] initialHidden, string[]? initialCell,
        string[] texts, int endId, int maximumLength, int beamWidth, string output, string? weightsOutput = null)
    {
        graph.CheckWeightsOutput(weightsOutput);
        int v = graph.Vocabulary, k = beamWidth, h = graph.Stack.HiddenSize;
        bool keepWeights = weightsOutput is not null;

        // The loop body: one decoder step for all K beams, then the K best extensions.
        var body = new OnnxGraphBuilder("beam", "beam_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string previous = body.Input("tokens_in", DataType.Int64, k, 1);
        string scores = body.Input("scores_in", DataType.Float, k);
        string finished = body.Input("finished_in", DataType.Bool, k);
        string history = body.Input("history_in", DataType.Int64, k, "L");
        int states = graph.Stack.Layers * graph.Stack.StatesPerLayer;
        var stateIn = Enumerable.Range(0, states).Select(i => body.Input($"state{i}_in", DataType.Float, 1, k, h)).ToArray();
        string? weightsIn = keepWeights ? body.Input("weights_in", DataType.Float, k, "L", "T") : null;
        string x = RecurrentStackGraph.Embed(body, graph.Embedding, previous);
        var (stateOut, top) = graph.Layers(body, x, stateIn, "step");
        // Candidate scores [K, V]: score + log p, or for a finished beam only </s> at its score.
        var (logits, weights) = graph.Logits(body, top, k);
        string column = body.Node("Unsqueeze", [scores, body.Longs("column.axes", 1)]);
        string extended = body.Node("Add", [body.Node("LogSoftmax", [logits], null, OnnxGraphBuilder.Int("axis", 1)), column]);
        string endOnly = body.Node("Where", [body.BoolTensor("end.column", [1, v], Enumerable.Range(0, v).Select(t => t == endId).ToArray()), column,
            body.Floats("minus_infinity", [], [float.NegativeInfinity])]);
        string candidates = body.Node("Where", [body.Node("Unsqueeze", [finished, body.Longs("finished.axes", 1)]), endOnly, extended]);
        // The K best of all K·V, then parent beam = index / V and token = index % V.
        var best = body.MultiOutputNode("TopK", [body.Node("Reshape", [candidates, body.Longs("flat.shape", 1, -1)]), body.Longs("k", k)], ["best.scores", "best.indices"], OnnxGraphBuilder.Int("axis", 1));
        string flat = body.Node("Reshape", [best[1], body.Longs("indices.shape", -1)]);
        string parent = body.Node("Div", [flat, body.Longs("v", v)]);
        string token = body.Node("Mod", [flat, body.Longs("v_mod", v)]);
        body.Node("Reshape", [best[0], body.Longs("scores.shape", -1)], "scores_out");
        string ended = body.Node("Or", [body.Node("Gather", [finished, parent], null, OnnxGraphBuilder.Int("axis", 0)), body.Node("Equal", [token, body.Longs("end", endId)])], "finished_out");
        string tokenColumn = body.Node("Unsqueeze", [token, body.Longs("token.axes", 1)], "tokens_out");
        body.Node("Concat", [body.Node("Gather", [history, parent], null, OnnxGraphBuilder.Int("axis", 0)), tokenColumn], "history_out", OnnxGraphBuilder.Int("axis", 1));
        var reordered = stateOut.Select((s, i) => body.Node("Gather", [s, parent], $"state{i}_out", OnnxGraphBuilder.Int("axis", 1))).ToList();
        string allEnded = body.Node("Equal", [body.Node("ReduceMin", [body.Node("Cast", [ended], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64))], null, OnnxGraphBuilder.Int("keepdims", 0)), body.ScalarLong("one", 1)]);
        body.Node("Not", [allEnded], "condition_out");
        body.Output("condition_out", DataType.Bool);
        body.Output("tokens_out", DataType.Int64, k, 1);
        body.Output("scores_out", DataType.Float, k);
        body.Output("finished_out", DataType.Bool, k);
        body.Output("history_out", DataType.Int64, k, "L1");
        foreach (var name in reordered) body.Output(name, DataType.Float, 1, k, h);
        if (keepWeights)
        {
            // Each survivor's weights: its parent's rows, then the row its parent's step attended with.
            string newRow = body.Node("Unsqueeze", [body.Node("Gather", [weights!, parent], null, OnnxGraphBuilder.Int("axis", 0)), body.Longs("weights.axes", 1)]);
            body.Node("Concat", [body.Node("Gather", [weightsIn!, parent], null, OnnxGraphBuilder.Int("axis", 0)), newRow], "weights_out", OnnxGraphBuilder.Int("axis", 1));
            body.Output("weights_out", DataType.Float, k, "L1", "T");
        }

        // Start: every beam at <s> with the encoder's state; only beam 0 live, so the first step does not pick duplicates.
        var carried = new List<string>
        {
            g.LongTensor(names + "beam.start", [k, 1], Enumerable.Repeat((long)EncoderDecoder<float>.Start, k).ToArray()),
            g.Floats(names + "beam.scores", [k], Enumerable.Range(0, k).Select(b => b == 0 ? 0f : float.NegativeInfinity).ToArray()),
            g.BoolTensor(names + "beam.finished", [k], new bool[k]),
            g.LongTensor(names + "beam.history", [k, 0]),
        };
        string repeats = g.Longs(names + "beam.repeats", 1, k, 1);
        for (int l = 0; l < graph.Stack.Layers; l++)
        {
            carried.Add(g.Node("Tile", [initialHidden[l], repeats]));
            if (graph.Stack.HasCell) carried.Add(g.Node("Tile", [initialCell![l], repeats]));
        }
        if (keepWeights)
        {
            // No rows yet: [K, 0, T], T being the source's length.
            string sourceLength = g.Node("Slice", [g.Node("Shape", [graph.Attention!.Memory]), g.Longs(names + "beam.t_start", 0), g.Longs(names + "beam.t_end", 1)]);
            // ConstantOfShape's default value is a float 0.
            carried.Add(g.Node("ConstantOfShape", [g.Node("Concat", [g.Longs(names + "beam.no_rows", k, 0), sourceLength], null, OnnxGraphBuilder.Int("axis", 0))]));
        }
        var final = g.MultiOutputNode("Loop", [g.ScalarLong(names + "beam.max", maximumLength), g.ScalarBool(names + "beam.run", true), .. carried],
            carried.Select((_, i) => $"{names}beam.final_{i}").ToArray(), OnnxGraphBuilder.Subgraph("body", body));
        string winner = g.Node("ArgMax", [final[1]], null, OnnxGraphBuilder.Int("axis", 0), OnnxGraphBuilder.Int("keepdims", 1));
        string ids = g.Node("Gather", [final[3], winner], null, OnnxGraphBuilder.Int("axis", 0));
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));
        if (keepWeights) DecodingLoop.WeightsBeforeEnd(g, names, g.Node("Gather", [final[^1], winner], null, OnnxGraphBuilder.Int("axis", 0)), ids, endId, weightsOutput!);
        return output;
    }
}
