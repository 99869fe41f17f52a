using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// A language model's generation as a standard ONNX graph, so it runs inside the saved model: the start token
/// (a category token, or &lt;s&gt;) and the prompt form the prefix of a <see cref="DecodingLoop"/>.
/// </summary>
internal static class GenerationGraph
{
    /// <param name="g">The graph to add to.</param>
    /// <param name="network">A unidirectional network with a per-step head over the vocabulary.</param>
    /// <param name="vocabulary">The generator's vocabulary.</param>
    /// <param name="promptColumn">ONNX input: prompt keys [N, T] (T may be 0), key k being vocabulary text token k.</param>
    /// <param name="conditionColumn">ONNX input: category key [N, 1], or null for an unconditional model.</param>
    /// <param name="conditionColumnName">The user's category column, named in the error for an unknown category.</param>
    /// <param name="maximumLength">Most tokens generated.</param>
    /// <param name="decoding">Greedy or sampling settings.</param>
    /// <param name="features">For a numeric condition: its ONNX input column and the model whose projection turns it into
    /// every layer's initial state; null otherwise.</param>
    /// <returns>The names of the generated token strings [N, L] and of the condition check message [N].</returns>
    public static (string Tokens, string Check) Add(OnnxGraphBuilder g, RecurrentNetwork<float> network, GeneratorVocabulary vocabulary,
        string promptColumn, string? conditionColumn, string? conditionColumnName, int maximumLength, Decoding decoding,
        (string Column, ConditionedDecoder<float> Model)? features = null)
    {
        // Prefix: [start, prompt ids]. Prompt key k is text token k; key 0 (not in the vocabulary) is <unk>.
        string promptKeys = g.Node("Cast", [g.Input(promptColumn, DataType.Uint32, "N", "T")], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        string promptIds = g.Node("Where", [g.Node("Equal", [promptKeys, g.Longs("prompt.zero", 0)]), g.Longs("prompt.unknown", GeneratorVocabulary.Unknown),
            g.Node("Add", [promptKeys, g.Longs("prompt.offset", vocabulary.FirstTextId - 1)])]);
        string start, check;
        if (conditionColumn is null)
        {
            start = g.Longs("start.bos", GeneratorVocabulary.Start);
            check = g.Strings("condition.ok", [""]);
        }
        else
        {
            // Category key k is category token k; key 0 is a category never seen in training.
            // ML.NET passes a scalar key column as [N, 1].
            string key = g.Node("Reshape", [g.Node("Cast", [g.Input(conditionColumn, DataType.Uint32, "N", 1)], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64)), g.Longs("condition.shape", -1)]);
            start = g.Node("Add", [key, g.Longs("start.offset", GeneratorVocabulary.FirstCategoryId - 1)]);
            string known = g.Node("Greater", [key, g.Longs("condition.zero", 0)]);
            string message = $"Column '{conditionColumnName}': unknown conditioning category; expected one of: {string.Join(", ", vocabulary.Categories)}.";
            check = g.Node("Where", [known, g.Strings("condition.ok", [""]), g.Strings("condition.unknown", [message])]);
            // A row with an unknown category starts from <s> so the graph still runs; the check column reports it.
            start = g.Node("Where", [known, start, g.Longs("start.fallback", GeneratorVocabulary.Start)]);
        }
        string prefix = g.Node("Concat", [g.Node("Reshape", [start, g.Longs("start.shape", -1, 1)]), promptIds], null, OnnxGraphBuilder.Int("axis", 1));

        var (hidden, cell) = features is { } numeric ? InitialStates(g, numeric.Column, numeric.Model) : (null, null);
        var decoded = DecodingLoop.Add(g, DecoderGraph.Load(g, network, ""), "", prefix, null, hidden, cell, GeneratorVocabulary.End, maximumLength, decoding);
        string tokens = DecodingLoop.Texts(g, "", vocabulary.Texts, decoded.Ids, "RnnMlNet.GeneratedTokens");
        g.Output(tokens, DataType.String, 1, "L");
        g.Node("Identity", [check], "RnnMlNet.GenerationCheck");
        g.Output("RnnMlNet.GenerationCheck", DataType.String, 1);
        return (tokens, "RnnMlNet.GenerationCheck");
    }

    /// <summary>Every layer's initial state from a numeric condition c [N, F]: h₀ = tanh(c·W + b), sliced per layer; C₀ = 0.</summary>
    private static (string[] Hidden, string[]? Cell) InitialStates(OnnxGraphBuilder g, string column, ConditionedDecoder<float> model)
    {
        var options = model.Decoder.Options;
        var (weights, bias) = model.Condition;
        string c = g.Input(column, DataType.Float, "N", model.ConditionWidth);
        string projected = g.Node("Tanh", [g.Affine(c, g.Floats("condition.weights", weights.Shape.ToArray(), model.Parameters.Value(weights)),
            g.Floats("condition.bias", bias.Shape.ToArray(), model.Parameters.Value(bias)))]);
        int h = options.HiddenSize;
        var hidden = Enumerable.Range(0, options.Layers).Select(l => g.Node("Reshape", [
            g.Node("Slice", [projected, g.Longs($"condition{l}.starts", l * h), g.Longs($"condition{l}.ends", (l + 1) * h), g.Longs($"condition{l}.axes", 1)]),
            g.Longs($"condition{l}.shape", 1, -1, h)])).ToArray();
        // ConstantOfShape's default value is a float 0.
        string[]? cell = options.Cell == CellKind.Lstm ? hidden.Select(state => g.Node("ConstantOfShape", [g.Node("Shape", [state])])).ToArray() : null;
        return (hidden, cell);
    }
}
