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
        string promptKeys = g.Node("Cast", [g.Input(promptColumn, DataType.Uint32, "N", "T")], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        // ML.NET passes a scalar key column as [N, 1].
        string? categoryKeys = conditionColumn is null ? null
            : g.Node("Reshape", [g.Node("Cast", [g.Input(conditionColumn, DataType.Uint32, "N", 1)], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64)), g.Longs("condition.shape", -1)]);
        var numeric = features is { } f ? (g.Input(f.Column, DataType.Float, "N", f.Model.ConditionWidth), f.Model) : ((string, ConditionedDecoder<float>)?)null;
        var (decoded, check) = Decode(g, network, vocabulary, promptKeys, null, categoryKeys, conditionColumnName ?? features?.Column, maximumLength, decoding, numeric);
        string tokens = DecodingLoop.Texts(g, "", vocabulary.Texts, decoded.Ids, "RnnMlNet.GeneratedTokens");
        g.Output(tokens, DataType.String, 1, "L");
        g.Node("Identity", [check], "RnnMlNet.GenerationCheck");
        g.Output("RnnMlNet.GenerationCheck", DataType.String, 1);
        return (tokens, "RnnMlNet.GenerationCheck");
    }

    /// <summary>
    /// Generates for a batch of N prompts: prompt keys [N, T] (each row's first <paramref name="promptLengths"/>, int32 [N],
    /// or all T when null; key k is text token k, 0 unknown), each after its start token: the category's (keys [N], 0 for
    /// one never seen in training, which starts from &lt;s&gt; and is reported in the check [N]) or &lt;s&gt;; a numeric
    /// condition [N, F] starts every layer instead (a row with a value that is not finite is reported in the check).
    /// </summary>
    internal static (DecodedTokens Decoded, string Check) Decode(OnnxGraphBuilder g, RecurrentNetwork<float> network, GeneratorVocabulary vocabulary,
        string promptKeys, string? promptLengths, string? categoryKeys, string? conditionColumnName, int maximumLength, Decoding decoding,
        (string Condition, ConditionedDecoder<float> Model)? numeric)
    {
        // Prefix: [start, prompt ids]. Prompt key k is text token k; key 0 (not in the vocabulary) is <unk>.
        string promptIds = g.Node("Where", [g.Node("Equal", [promptKeys, g.Longs("prompt.zero", 0)]), g.Longs("prompt.unknown", GeneratorVocabulary.Unknown),
            g.Node("Add", [promptKeys, g.Longs("prompt.offset", vocabulary.FirstTextId - 1)])]);
        string rows = g.Node("Slice", [g.Node("Shape", [promptKeys]), g.Longs("prompt.n_start", 0), g.Longs("prompt.n_end", 1)]);
        string start, check;
        if (categoryKeys is null)
        {
            start = g.Node("Expand", [g.Longs("start.bos", GeneratorVocabulary.Start), rows]);
            check = numeric is { } given ? FiniteCheck(g, given.Condition, conditionColumnName!) : g.Node("Expand", [g.Strings("condition.ok", [""]), rows]);
        }
        else
        {
            // Category key k is category token k; key 0 is a category never seen in training.
            start = g.Node("Add", [categoryKeys, g.Longs("start.offset", GeneratorVocabulary.FirstCategoryId - 1)]);
            string known = g.Node("Greater", [categoryKeys, g.Longs("condition.zero", 0)]);
            string message = $"Column '{conditionColumnName}': unknown conditioning category; expected one of: {string.Join(", ", vocabulary.Categories)}.";
            check = g.Node("Where", [known, g.Strings("condition.ok", [""]), g.Strings("condition.unknown", [message])]);
            // A row with an unknown category starts from <s> so the graph still runs; the check column reports it.
            start = g.Node("Where", [known, start, g.Longs("start.fallback", GeneratorVocabulary.Start)]);
        }
        string prefix = g.Node("Concat", [g.Node("Reshape", [start, g.Longs("start.shape", -1, 1)]), promptIds], null, OnnxGraphBuilder.Int("axis", 1));
        string? prefixLengths = promptLengths is null ? null : g.Node("Add", [promptLengths, g.Ints32("prompt.start_step", 1)]);

        var (hidden, cell) = numeric is { } condition ? InitialStates(g, condition.Condition, condition.Model) : (null, null);
        return (DecodingLoop.Add(g, DecoderGraph.Load(g, network, ""), "", prefix, prefixLengths, hidden, cell, GeneratorVocabulary.End, maximumLength, decoding), check);
    }

    /// <summary>"" for each row of the numeric condition c [N, F] whose values are all finite, else the message: training
    /// refused such rows, and NaN states would generate arbitrary tokens. (c − c is 0 for a finite value, NaN otherwise.)</summary>
    private static string FiniteCheck(OnnxGraphBuilder g, string c, string columnName)
    {
        string finite = g.Node("Equal", [g.Node("Sub", [c, c]), g.Floats("condition.finite_zero", [], [0f])]);
        string allFinite = g.Node("Cast", [g.Node("ReduceMin", [g.Node("Cast", [finite], null, OnnxGraphBuilder.Int("to", (long)DataType.Int32))], null,
            OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0))], null, OnnxGraphBuilder.Int("to", (long)DataType.Bool));
        string message = $"Column '{columnName}': a value is not a finite number; expected finite values, as in training.";
        return g.Node("Where", [allFinite, g.Strings("condition.ok", [""]), g.Strings("condition.not_finite", [message])]);
    }

    /// <summary>Every layer's initial state from a numeric condition c [N, F]: h₀ = tanh(c·W + b), sliced per layer; C₀ = 0.</summary>
    private static (string[] Hidden, string[]? Cell) InitialStates(OnnxGraphBuilder g, string c, ConditionedDecoder<float> model)
    {
        var options = model.Decoder.Options;
        var (weights, bias) = model.Condition;
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
