using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>
/// Luong attention as graph nodes, the same equations as the engine's <c>AttentionLayer</c>: the encoder's outputs of one
/// source are the memory M [T, He] and its keys Kᵀ [Hd, T] (M·W_a for general scores, M for dot), formed once outside
/// the decoding loop; each step's queries h [R, Hd] give α = softmax(h·Kᵀ), c = α·M and the logits
/// tanh([c; h]·W_c + b_c)·W_o + b_o. One source per graph run, so no step is padding and nothing is masked.
/// </summary>
internal sealed class AttentionGraph
{
    private AttentionGraph(string memory, string keysTransposed, string combineWeights, string combineBias, string outputWeights, string outputBias)
    {
        (Memory, KeysTransposed, CombineWeights, CombineBias, OutputWeights, OutputBias) = (memory, keysTransposed, combineWeights, combineBias, outputWeights, outputBias);
    }

    /// <summary>M [T, He].</summary>
    public string Memory { get; }

    private string KeysTransposed { get; }

    private string CombineWeights { get; }

    private string CombineBias { get; }

    private string OutputWeights { get; }

    private string OutputBias { get; }

    /// <summary>Adds the attention's weights and its memory, from the encoder's top output [T, 1, He].</summary>
    public static AttentionGraph Load(OnnxGraphBuilder g, EncoderDecoder<float> model, string encoderOutput)
    {
        var layer = model.AttentionLayer ?? throw new ArgumentException("The model has no attention.", nameof(model));
        var output = model.OutputLayer!;
        var p = model.Parameters;
        string Weight(string name, Core.Parameters.Parameter parameter) => g.Floats(name, parameter.Shape.ToArray(), p.Value(parameter));
        string memory = g.Node("Reshape", [encoderOutput, g.Longs("attention.memory_shape", -1, layer.MemoryWidth)]);
        string keys = layer.ScoreWeights is { } score ? g.Node("MatMul", [memory, Weight("attention.score", score)]) : memory;
        return new AttentionGraph(memory, g.Node("Transpose", [keys], null, OnnxGraphBuilder.Ints("perm", 1, 0)),
            Weight("attention.combine.weights", layer.Combine.Weights), Weight("attention.combine.bias", layer.Combine.Bias),
            Weight("output.weights", output.Weights), Weight("output.bias", output.Bias));
    }

    /// <summary>The logits [R, V] and the attention weights α [R, T] for queries [R, Hd].</summary>
    public (string Logits, string Weights) Step(OnnxGraphBuilder g, string queries)
    {
        string weights = g.Node("Softmax", [g.Node("MatMul", [queries, KeysTransposed])], null, OnnxGraphBuilder.Int("axis", 1));
        string joined = g.Node("Concat", [g.Node("MatMul", [weights, Memory]), queries], null, OnnxGraphBuilder.Int("axis", 1));
        string attended = g.Node("Tanh", [g.Affine(joined, CombineWeights, CombineBias)]);
        return (g.Affine(attended, OutputWeights, OutputBias), weights);
    }
}
