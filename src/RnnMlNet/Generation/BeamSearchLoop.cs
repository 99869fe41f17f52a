using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
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
    /// <returns>The name of the best beam's token texts [1, L] (trailing end tokens included; they print as nothing).</returns>
    public static string Add(OnnxGraphBuilder g, RecurrentNetwork<float> decoder, string names, string[] initialHidden, string[]? initialCell,
        string[] texts, int endId, int maximumLength, int beamWidth, string output)
    {
        var weights = decoder.Export().ToDictionary(w => w.Name);
        var options = decoder.Options;
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        string embedding = Weight("embedding");
        var layers = Enumerable.Range(0, options.Layers).Select(l => new[] { Weight($"layer{l}.W"), Weight($"layer{l}.R"), Weight($"layer{l}.B") }).ToArray();
        string headWeights = Weight("head.weights"), headBias = Weight("head.bias");
        bool hasCell = options.Cell == CellKind.Lstm;
        int v = options.Outputs, k = beamWidth, h = options.HiddenSize;

        // The loop body: one decoder step for all K beams, then the K best extensions.
        var body = new OnnxGraphBuilder("beam", "beam_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string previous = body.Input("tokens_in", DataType.Int64, k, 1);
        string scores = body.Input("scores_in", DataType.Float, k);
        string finished = body.Input("finished_in", DataType.Bool, k);
        string history = body.Input("history_in", DataType.Int64, k, "L");
        var stateIn = new List<string>();
        for (int l = 0; l < options.Layers; l++)
        {
            stateIn.Add(body.Input($"h{l}_in", DataType.Float, 1, k, h));
            if (hasCell) stateIn.Add(body.Input($"c{l}_in", DataType.Float, 1, k, h));
        }
        string x = body.Node("Gather", [embedding, body.Node("Transpose", [previous], null, OnnxGraphBuilder.Ints("perm", 1, 0))], null, OnnxGraphBuilder.Int("axis", 0));
        var stateOut = new List<string>();
        string top = "";
        int stride = hasCell ? 2 : 1;
        for (int l = 0; l < options.Layers; l++)
        {
            string[] inputs = hasCell ? [x, .. layers[l], "", stateIn[l * stride], stateIn[l * stride + 1]] : [x, .. layers[l], "", stateIn[l]];
            string op = options.Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };
            var attributes = options.Cell == CellKind.Gru
                ? new[] { OnnxGraphBuilder.Int("hidden_size", h), OnnxGraphBuilder.Int("linear_before_reset", 1) }
                : [OnnxGraphBuilder.Int("hidden_size", h)];
            var outputs = body.MultiOutputNode(op, inputs, hasCell ? [$"step{l}.Y", $"step{l}.Y_h", $"step{l}.Y_c"] : [$"step{l}.Y", $"step{l}.Y_h"], attributes);
            // Y [1, D = 1, K, H] → the next layer's X [1, K, H].
            x = body.Node("Squeeze", [outputs[0], body.Longs($"step{l}.direction_axis", 1)]);
            stateOut.AddRange(outputs.Skip(1));
            top = outputs[1];
        }
        // Candidate scores [K, V]: score + log p, or for a finished beam only </s> at its score.
        string logits = body.Node("Add", [body.Node("MatMul", [body.Node("Reshape", [top, body.Longs("logits.shape", k, -1)]), headWeights]), headBias]);
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

        // Start: every beam at <s> with the encoder's state; only beam 0 live, so the first step does not pick duplicates.
        var carried = new List<string>
        {
            g.LongTensor(names + "beam.start", [k, 1], Enumerable.Repeat((long)EncoderDecoder<float>.Start, k).ToArray()),
            g.Floats(names + "beam.scores", [k], Enumerable.Range(0, k).Select(b => b == 0 ? 0f : float.NegativeInfinity).ToArray()),
            g.BoolTensor(names + "beam.finished", [k], new bool[k]),
            g.LongTensor(names + "beam.history", [k, 0]),
        };
        string repeats = g.Longs(names + "beam.repeats", 1, k, 1);
        for (int l = 0; l < options.Layers; l++)
        {
            carried.Add(g.Node("Tile", [initialHidden[l], repeats]));
            if (hasCell) carried.Add(g.Node("Tile", [initialCell![l], repeats]));
        }
        var final = g.MultiOutputNode("Loop", [g.ScalarLong(names + "beam.max", maximumLength), g.ScalarBool(names + "beam.run", true), .. carried],
            carried.Select((_, i) => $"{names}beam.final_{i}").ToArray(), OnnxGraphBuilder.Subgraph("body", body));
        string winner = g.Node("ArgMax", [final[1]], null, OnnxGraphBuilder.Int("axis", 0), OnnxGraphBuilder.Int("keepdims", 1));
        string ids = g.Node("Gather", [final[3], winner], null, OnnxGraphBuilder.Int("axis", 0));
        g.Node("Gather", [g.Strings(names + "vocabulary.text", texts), ids], output, OnnxGraphBuilder.Int("axis", 0));
        g.Output(output, DataType.String, 1, "L");
        return output;
    }
}
