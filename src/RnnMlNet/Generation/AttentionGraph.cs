using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// Luong attention as graph nodes, the same equations as the engine's <c>AttentionLayer</c>: the encoder's outputs of each
/// source are its memory M [T, He] and keys Kᵀ [Hd, T] (M·W_a for general scores, M for dot), formed once outside the
/// decoding loop; each step's queries h [K, Hd] of that source (K beams, or 1) give α = softmax(h·Kᵀ), c = α·M and the
/// logits tanh([c; h]·W_c + b_c)·W_o + b_o. A batch of N sources holds them as [N, T, He] and [N, Hd, T]; with source
/// lengths, the steps past a source's length get no weight (a score of −∞), so a padded batch attends as one source alone.
/// </summary>
internal sealed class AttentionGraph
{
    private AttentionGraph(string memory, string keysTransposed, string? padding, int queryWidth, string combineWeights, string combineBias, string outputWeights, string outputBias)
    {
        (Memory, KeysTransposed, Padding, QueryWidth) = (memory, keysTransposed, padding, queryWidth);
        (CombineWeights, CombineBias, OutputWeights, OutputBias) = (combineWeights, combineBias, outputWeights, outputBias);
    }

    /// <summary>M [N, T, He].</summary>
    public string Memory { get; }

    private string KeysTransposed { get; }

    /// <summary>[N, 1, T]: 0 within a source's length, −∞ past it; null when every step is a source's own.</summary>
    private string? Padding { get; }

    private int QueryWidth { get; }

    private string CombineWeights { get; }

    private string CombineBias { get; }

    private string OutputWeights { get; }

    private string OutputBias { get; }

    /// <summary>Adds the attention's weights and its memory, from the encoder's top output [T, N, He] and, for a padded
    /// batch, the sources' lengths (int32 [N]; null when each source fills its T steps).</summary>
    public static AttentionGraph Load(OnnxGraphBuilder g, EncoderDecoder<float> model, string encoderOutput, string? sourceLengths)
    {
        var layer = model.AttentionLayer ?? throw new ArgumentException("The model has no attention.", nameof(model));
        var output = model.OutputLayer!;
        var p = model.Parameters;
        string Weight(string name, Core.Parameters.Parameter parameter) => g.Floats(name, parameter.Shape.ToArray(), p.Value(parameter));
        string memory = g.Node("Transpose", [encoderOutput], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2));
        string keys = layer.ScoreWeights is { } score ? g.Node("MatMul", [memory, Weight("attention.score", score)]) : memory;
        return new AttentionGraph(memory, g.Node("Transpose", [keys], null, OnnxGraphBuilder.Ints("perm", 0, 2, 1)),
            sourceLengths is null ? null : PaddingScores(g, memory, sourceLengths), layer.QueryWidth,
            Weight("attention.combine.weights", layer.Combine.Weights), Weight("attention.combine.bias", layer.Combine.Bias),
            Weight("output.weights", output.Weights), Weight("output.bias", output.Bias));
    }

    /// <summary>[N, 1, T]: 0 where step t is within source n's length, −∞ past it.</summary>
    private static string PaddingScores(OnnxGraphBuilder g, string memory, string lengths)
    {
        string steps = g.Node("Squeeze", [g.Node("Slice", [g.Node("Shape", [memory]), g.Longs("attention.t_start", 1), g.Longs("attention.t_end", 2)]), g.Longs("attention.t_axes", 0)]);
        string t = g.Node("Cast", [g.Node("Range", [g.ScalarLong("attention.first", 0), steps, g.ScalarLong("attention.delta", 1)])], null, OnnxGraphBuilder.Int("to", (long)DataType.Int32));
        string within = g.Node("Less", [g.Node("Unsqueeze", [t, g.Longs("attention.step_axes", 0)]), g.Node("Unsqueeze", [lengths, g.Longs("attention.row_axes", 1)])]);
        string bias = g.Node("Where", [within, g.Floats("attention.kept", [], [0f]), g.Floats("attention.padding", [], [float.NegativeInfinity])]);
        return g.Node("Unsqueeze", [bias, g.Longs("attention.query_axes", 1)]);
    }

    /// <summary>The logits [R, V] and the attention weights α [R, T] for queries [R, Hd], R = N·<paramref name="perSource"/>
    /// (each source's queries together).</summary>
    public (string Logits, string Weights) Step(OnnxGraphBuilder g, string queries, int perSource)
    {
        string bySource = g.Node("Reshape", [queries, g.Longs("attention.query_shape", -1, perSource, QueryWidth)]);
        string scores = g.Node("MatMul", [bySource, KeysTransposed]);
        if (Padding is not null) scores = g.Node("Add", [scores, Padding]);
        string weights = g.Node("Softmax", [scores], null, OnnxGraphBuilder.Int("axis", 2));
        string context = g.Node("Flatten", [g.Node("MatMul", [weights, Memory])], null, OnnxGraphBuilder.Int("axis", 2));
        string joined = g.Node("Concat", [context, queries], null, OnnxGraphBuilder.Int("axis", 1));
        string attended = g.Node("Tanh", [g.Affine(joined, CombineWeights, CombineBias)]);
        return (g.Affine(attended, OutputWeights, OutputBias), g.Node("Flatten", [weights], null, OnnxGraphBuilder.Int("axis", 2)));
    }
}
