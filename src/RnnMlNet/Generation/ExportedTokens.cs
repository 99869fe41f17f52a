using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>The text outputs of an exported generator or sequence-to-sequence graph: <c>Tokens</c> string [N, L], each row's
/// tokens before its end token then "", and <c>OutputLengths</c> int64 [N].</summary>
internal static class ExportedTokens
{
    /// <param name="g">The graph to add to.</param>
    /// <param name="ids">Decoded token ids [N, L].</param>
    /// <param name="texts">Token text by id.</param>
    /// <param name="endId">The token that ends a row.</param>
    /// <param name="produces">bool [N]: the rows that have an output at all (the others get none); null for every row.</param>
    /// <returns>bool [N, L]: whether each step is one of its row's tokens.</returns>
    public static string Write(OnnxGraphBuilder g, string ids, string[] texts, int endId, string? produces = null)
    {
        string isEnd = g.Node("Cast", [g.Node("Equal", [ids, g.Longs("output.end", endId)])], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        string steps = g.Node("Slice", [g.Node("Shape", [ids]), g.Longs("output.l_start", 1), g.Longs("output.l_end", 2)]);
        // ArgMax finds the first end token; a row that never ended (all zeros) keeps every step.
        string ended = g.Node("Cast", [g.Node("ReduceMax", [isEnd], null, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0))], null, OnnxGraphBuilder.Int("to", (long)DataType.Bool));
        string firstEnd = g.Node("Where", [ended, g.Node("ArgMax", [isEnd], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 0)), steps]);
        string lengths = produces is null ? g.Node("Identity", [firstEnd], "OutputLengths") : g.Node("Where", [produces, firstEnd, g.Longs("output.none", 0)], "OutputLengths");
        string position = g.Node("Range", [g.ScalarLong("output.first", 0), g.Node("Squeeze", [steps, g.Longs("output.l_axes", 0)]), g.ScalarLong("output.delta", 1)]);
        string kept = g.Node("Less", [g.Node("Unsqueeze", [position, g.Longs("output.position_axes", 0)]), g.Node("Unsqueeze", [lengths, g.Longs("output.row_axes", 1)])]);
        g.Node("Where", [kept, DecodingLoop.Texts(g, "output.", texts, ids, "output.texts"), g.Strings("output.nothing", [""])], "Tokens");
        g.Output("Tokens", DataType.String, "N", "L");
        g.Output("OutputLengths", DataType.Int64, "N");
        return kept;
    }
}
