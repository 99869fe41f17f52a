namespace RnnMlNet.Graphs;

/// <summary>
/// An ensemble in one ONNX graph (see <see cref="Core.Networks.RecurrentEnsemble{T}"/>): each member is written by the same
/// code as a lone network, in a graph of its own, then included under the prefix <c>member{k}.</c>; the members read the
/// same inputs, and an ONNX <c>Mean</c> averages their logits. A single network is written as it always was, unprefixed.
/// </summary>
internal static class EnsembleGraph
{
    /// <summary>The prefix of member <paramref name="k"/>'s weights and values in an ensemble's graph.</summary>
    public static string MemberPrefix(int k) => $"member{k}.";

    /// <summary>Writes <paramref name="members"/> networks into <paramref name="g"/> through <paramref name="member"/>, which
    /// writes member k into the graph it is given and returns its logits, then any other values the caller wants back.</summary>
    /// <returns>The mean logits, then the first member's other values, as named in <paramref name="g"/>.</returns>
    public static string[] AverageLogits(OnnxGraphBuilder g, int members, Func<OnnxGraphBuilder, int, string[]> member)
    {
        if (members == 1) return member(g, 0);
        var logits = new string[members];
        string[] first = [];
        for (int k = 0; k < members; k++)
        {
            var part = new OnnxGraphBuilder(MemberPrefix(k) + "graph");
            string[] values = member(part, k);
            var named = g.Include(part, MemberPrefix(k));
            logits[k] = named(values[0]);
            if (k == 0) first = values.Select(named).ToArray();
        }
        return [g.Node("Mean", logits), .. first.Skip(1)];
    }
}
