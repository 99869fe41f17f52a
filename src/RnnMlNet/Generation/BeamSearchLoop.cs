using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>How a sequence-to-sequence graph decodes: greedily (<paramref name="Width"/> 1) or by beam search over
/// <paramref name="Width"/> beams, answering with the beam <see cref="EncoderDecoder{T}.RankOfOutput"/> ranks first for
/// <paramref name="LengthPenalty"/>.</summary>
internal sealed record BeamSearch(int Width, double LengthPenalty);

/// <summary>
/// Beam search as a standard ONNX <c>Loop</c>, the same search as <see cref="EncoderDecoder{T}.DecodeBeam"/>, for a batch of
/// N sources: each source's K beams (rows n·K to n·K + K − 1) run as a batch of N·K through one step of every decoder
/// layer; each beam's log-probabilities are added to its score (a finished beam may only add &lt;/s&gt;, at no cost); TopK
/// over the source's K·V candidates keeps its best K; each survivor takes its parent's state and history. The loop ends
/// when every beam of every source has ended, or after the maximum length; a source's best beam (by
/// <see cref="EncoderDecoder{T}.RankOfOutput"/>) is its answer.
/// </summary>
internal static class BeamSearchLoop
{
    /// <param name="g">The graph to add to.</param>
    /// <param name="graph">The decoder's weights, loaded into <paramref name="g"/>.</param>
    /// <param name="names">Prefix of the loop's names in <paramref name="g"/>.</param>
    /// <param name="initialHidden">Each layer's initial h [1, N, H], from each source's encoding.</param>
    /// <param name="initialCell">Each layer's initial c (LSTM), or null.</param>
    /// <param name="endId">The token that ends a beam.</param>
    /// <param name="maximumLength">Most tokens emitted.</param>
    /// <param name="beamWidth">K, the beams kept per source.</param>
    /// <param name="lengthPenalty">The answer is the beam whose score divided by its length to this power is highest.</param>
    /// <param name="keepWeights">For an attentional decoder, whether to keep the attention weights of each token.</param>
    /// <returns>Each source's best beam: token ids [N, L] (trailing end tokens included), and for an attentional decoder asked
    /// for them, the attention weights [N, L, T] that chose each token.</returns>
    public static DecodedTokens Add(OnnxGraphBuilder g, DecoderGraph graph, string names, string[] initialHidden, string[]? initialCell,
        int endId, int maximumLength, int beamWidth, double lengthPenalty, bool keepWeights = false)
    {
        graph.CheckWeights(keepWeights);
        int v = graph.Vocabulary, k = beamWidth, h = graph.Stack.HiddenSize;

        // The loop body: one decoder step for all N·K beams, then each source's K best extensions.
        var body = new OnnxGraphBuilder("beam", "beam_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string previous = body.Input("tokens_in", DataType.Int64, "NK", 1);
        string scores = body.Input("scores_in", DataType.Float, "NK");
        string finished = body.Input("finished_in", DataType.Bool, "NK");
        string history = body.Input("history_in", DataType.Int64, "NK", "L");
        int states = graph.Stack.Layers * graph.Stack.StatesPerLayer;
        var stateIn = Enumerable.Range(0, states).Select(i => body.Input($"state{i}_in", DataType.Float, 1, "NK", h)).ToArray();
        string? weightsIn = keepWeights ? body.Input("weights_in", DataType.Float, "NK", "L", "T") : null;
        string x = RecurrentStackGraph.Embed(body, graph.Embedding, previous);
        var (stateOut, top) = graph.Layers(body, x, stateIn, "step");
        // Candidate scores [N·K, V]: score + log p, or for a finished beam only </s> at its score.
        var (logits, weights) = graph.Logits(body, top, k);
        string column = body.Node("Unsqueeze", [scores, body.Longs("column.axes", 1)]);
        string extended = body.Node("Add", [body.Node("LogSoftmax", [logits], null, OnnxGraphBuilder.Int("axis", 1)), column]);
        string endOnly = body.Node("Where", [body.BoolTensor("end.column", [1, v], Enumerable.Range(0, v).Select(t => t == endId).ToArray()), column,
            body.Floats("minus_infinity", [], [float.NegativeInfinity])]);
        string candidates = body.Node("Where", [body.Node("Unsqueeze", [finished, body.Longs("finished.axes", 1)]), endOnly, extended]);
        // Each source's K best of its K·V [N, K], then parent beam = n·K + index / V and token = index % V.
        var best = body.MultiOutputNode("TopK", [body.Node("Reshape", [candidates, body.Longs("by_source.shape", -1, k * v)]), body.Longs("k", k)],
            ["best.scores", "best.indices"], OnnxGraphBuilder.Int("axis", 1));
        string parent = body.Node("Reshape", [body.Node("Add", [body.Node("Div", [best[1], body.Longs("v", v)]), FirstBeams(body, best[1], k, "parent")]),
            body.Longs("parent.shape", -1)]);
        string token = body.Node("Reshape", [body.Node("Mod", [best[1], body.Longs("v_mod", v)]), body.Longs("token.shape", -1)]);
        body.Node("Reshape", [best[0], body.Longs("scores.shape", -1)], "scores_out");
        string ended = body.Node("Or", [body.Node("Gather", [finished, parent], null, OnnxGraphBuilder.Int("axis", 0)), body.Node("Equal", [token, body.Longs("end", endId)])], "finished_out");
        string tokenColumn = body.Node("Unsqueeze", [token, body.Longs("token.axes", 1)], "tokens_out");
        body.Node("Concat", [body.Node("Gather", [history, parent], null, OnnxGraphBuilder.Int("axis", 0)), tokenColumn], "history_out", OnnxGraphBuilder.Int("axis", 1));
        var reordered = stateOut.Select((s, i) => body.Node("Gather", [s, parent], $"state{i}_out", OnnxGraphBuilder.Int("axis", 1))).ToList();
        body.Node("Not", [DecodingLoop.AllTrue(body, ended)], "condition_out");
        body.Output("condition_out", DataType.Bool);
        body.Output("tokens_out", DataType.Int64, "NK", 1);
        body.Output("scores_out", DataType.Float, "NK");
        body.Output("finished_out", DataType.Bool, "NK");
        body.Output("history_out", DataType.Int64, "NK", "L1");
        foreach (var name in reordered) body.Output(name, DataType.Float, 1, "NK", h);
        if (keepWeights)
        {
            // Each survivor's weights: its parent's rows, then the row its parent's step attended with.
            string newRow = body.Node("Unsqueeze", [body.Node("Gather", [weights!, parent], null, OnnxGraphBuilder.Int("axis", 0)), body.Longs("weights.axes", 1)]);
            body.Node("Concat", [body.Node("Gather", [weightsIn!, parent], null, OnnxGraphBuilder.Int("axis", 0)), newRow], "weights_out", OnnxGraphBuilder.Int("axis", 1));
            body.Output("weights_out", DataType.Float, "NK", "L1", "T");
        }

        // Start: every beam at <s> with its source's encoder state; only each source's first beam live, so the first step
        // does not pick duplicates.
        string sources = g.Node("Slice", [g.Node("Shape", [initialHidden[0]]), g.Longs(names + "beam.n_start", 1), g.Longs(names + "beam.n_end", 2)]);
        string beams = g.Node("Mul", [sources, g.Longs(names + "beam.k", k)]);
        string start = g.Node("Expand", [g.LongTensor(names + "beam.start", [1, 1], EncoderDecoder<float>.Start), g.Node("Concat", [beams, g.Longs(names + "beam.column", 1)], null, OnnxGraphBuilder.Int("axis", 0))]);
        var carried = new List<string>
        {
            start,
            g.Node("Tile", [g.Floats(names + "beam.scores", [k], Enumerable.Range(0, k).Select(b => b == 0 ? 0f : float.NegativeInfinity).ToArray()), sources]),
            g.Node("Cast", [g.Node("ConstantOfShape", [beams])], null, OnnxGraphBuilder.Int("to", (long)DataType.Bool)),
            // No tokens yet: [N·K, 0].
            g.Node("Slice", [start, g.Longs(names + "beam.no_tokens", 0), g.Longs(names + "beam.no_tokens_end", 0), g.Longs(names + "beam.token_axis", 1)]),
        };
        // A source's state [1, N, H] → [1, N·K, H]: each row repeated for its K beams.
        string stateAxes = g.Longs(names + "beam.state_axes", 2), repeats = g.Longs(names + "beam.repeats", 1, 1, k, 1), stateShape = g.Longs(names + "beam.state_shape", 1, -1, h);
        string PerBeam(string state) => g.Node("Reshape", [g.Node("Expand", [g.Node("Unsqueeze", [state, stateAxes]), repeats]), stateShape]);
        for (int l = 0; l < graph.Stack.Layers; l++)
        {
            carried.Add(PerBeam(initialHidden[l]));
            if (graph.Stack.HasCell) carried.Add(PerBeam(initialCell![l]));
        }
        if (keepWeights)
        {
            // No rows yet: [N·K, 0, T], T being the sources' padded length. ConstantOfShape's default value is a float 0.
            string sourceLength = g.Node("Slice", [g.Node("Shape", [graph.Attention!.Memory]), g.Longs(names + "beam.t_start", 1), g.Longs(names + "beam.t_end", 2)]);
            carried.Add(g.Node("ConstantOfShape", [g.Node("Concat", [beams, g.Longs(names + "beam.no_rows", 0), sourceLength], null, OnnxGraphBuilder.Int("axis", 0))]));
        }
        var final = g.MultiOutputNode("Loop", [g.ScalarLong(names + "beam.max", maximumLength), g.ScalarBool(names + "beam.run", true), .. carried],
            carried.Select((_, i) => $"{names}beam.final_{i}").ToArray(), OnnxGraphBuilder.Subgraph("body", body));
        // Each source's best beam: the first of its highest ranks.
        string ranks = lengthPenalty == 0 ? final[1] : Ranks(g, final[1], final[2], final[3], endId, lengthPenalty, names + "beam.rank");
        string bySource = g.Node("Reshape", [ranks, g.Longs(names + "beam.final_shape", -1, k)]);
        string winner = g.Node("Add", [g.Node("ArgMax", [bySource], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1)), FirstBeams(g, bySource, k, names + "winner")]);
        string winners = g.Node("Reshape", [winner, g.Longs(names + "beam.winner_shape", -1)]);
        return new DecodedTokens(g.Node("Gather", [final[3], winners], null, OnnxGraphBuilder.Int("axis", 0)),
            keepWeights ? g.Node("Gather", [final[^1], winners], null, OnnxGraphBuilder.Int("axis", 0)) : null);
    }

    /// <summary>
    /// Each beam's score [N·K] divided by length^<paramref name="lengthPenalty"/>, as <see cref="EncoderDecoder{T}.RankOfOutput"/>:
    /// the length counts the history's tokens before &lt;/s&gt; (a finished beam only adds &lt;/s&gt; after it) and the
    /// &lt;/s&gt; of a finished beam, and is at least 1.
    /// </summary>
    private static string Ranks(OnnxGraphBuilder g, string scores, string finished, string history, int endId, double lengthPenalty, string names)
    {
        string AsFloat(string values) => g.Node("Cast", [values], null, OnnxGraphBuilder.Int("to", (long)DataType.Float));
        string tokens = g.Node("ReduceSum", [AsFloat(g.Node("Not", [g.Node("Equal", [history, g.Longs(names + ".end", endId)])])), g.Longs(names + ".axes", 1)],
            null, OnnxGraphBuilder.Int("keepdims", 0));
        string length = g.Node("Max", [g.Node("Add", [tokens, AsFloat(finished)]), g.Floats(names + ".one", [], [1f])]);
        return g.Node("Div", [scores, g.Node("Pow", [length, g.Floats(names + ".penalty", [], [(float)lengthPenalty])])]);
    }

    /// <summary>[N, 1]: n·K, the index of source n's first beam, for a tensor [N, …] of one row per source.</summary>
    private static string FirstBeams(OnnxGraphBuilder g, string perSource, int k, string names)
    {
        string sources = g.Node("Squeeze", [g.Node("Slice", [g.Node("Shape", [perSource]), g.Longs(names + ".n_start", 0), g.Longs(names + ".n_end", 1)]), g.Longs(names + ".n_axes", 0)]);
        string first = g.Node("Mul", [g.Node("Range", [g.ScalarLong(names + ".first", 0), sources, g.ScalarLong(names + ".delta", 1)]), g.ScalarLong(names + ".k", k)]);
        return g.Node("Unsqueeze", [first, g.Longs(names + ".axes", 1)]);
    }
}
