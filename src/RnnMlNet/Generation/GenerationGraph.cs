using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>How the next token is chosen from the logits.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); above 0 samples from softmax(logits / temperature).</param>
/// <param name="TopK">When sampling, only the K most likely tokens are candidates; 0 means all.</param>
/// <param name="Seed">Seed of the sampler, stored in the graph: a saved and reloaded model samples the same tokens for the same rows.</param>
internal sealed record Decoding(float Temperature, int TopK, int Seed);

/// <summary>
/// A language model's generation loop as a standard ONNX graph, so it runs inside the saved model:
/// the start token (a category token, or &lt;s&gt;) and the prompt go through the recurrent layers, then an ONNX
/// <c>Loop</c> emits a token, feeds it back through one step of every layer, and picks the next, until &lt;/s&gt;
/// or the maximum length. Weights live once in the outer graph; the loop body reads them from there.
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
    /// <returns>The names of the generated token strings [N, L] and of the condition check message [N].</returns>
    public static (string Tokens, string Check) Add(OnnxGraphBuilder g, RecurrentNetwork<float> network, GeneratorVocabulary vocabulary,
        string promptColumn, string? conditionColumn, string? conditionColumnName, int maximumLength, Decoding decoding)
    {
        var weights = network.Export().ToDictionary(w => w.Name);
        var options = network.Options;
        string embedding = g.Floats("embedding", weights["embedding"].Shape, weights["embedding"].Values);
        var layers = Enumerable.Range(0, options.Layers).Select(l => new[]
        {
            g.Floats($"layer{l}.W", weights[$"layer{l}.W"].Shape, weights[$"layer{l}.W"].Values),
            g.Floats($"layer{l}.R", weights[$"layer{l}.R"].Shape, weights[$"layer{l}.R"].Values),
            g.Floats($"layer{l}.B", weights[$"layer{l}.B"].Shape, weights[$"layer{l}.B"].Values),
        }).ToArray();
        string headWeights = g.Floats("head.weights", weights["head.weights"].Shape, weights["head.weights"].Values);
        string headBias = g.Floats("head.bias", weights["head.bias"].Shape, weights["head.bias"].Values);
        bool hasCell = options.Cell == CellKind.Lstm;

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

        // Run the prefix through every layer; keep each layer's final state for the loop.
        string x = g.Node("Gather", [embedding, g.Node("Transpose", [prefix], null, OnnxGraphBuilder.Ints("perm", 1, 0))], null, OnnxGraphBuilder.Int("axis", 0));
        var hidden = new string[options.Layers];
        var cell = new string[options.Layers];
        for (int l = 0; l < options.Layers; l++)
        {
            var outputs = g.MultiOutputNode(Op(options), [x, .. layers[l]], hasCell ? [$"prefix{l}.Y", $"prefix{l}.Y_h", $"prefix{l}.Y_c"] : [$"prefix{l}.Y", $"prefix{l}.Y_h"], Attributes(options));
            x = g.Node("Reshape", [outputs[0], g.Longs($"prefix{l}.next_shape", 0, 0, -1)]);
            hidden[l] = outputs[1];
            if (hasCell) cell[l] = outputs[2];
        }
        string first = Pick(g, Logits(g, hidden[^1], headWeights, headBias), decoding, decoding.Seed);

        // The loop: emit the current token, stop after </s>, advance every layer one step, pick the next token.
        var body = new OnnxGraphBuilder("generate", "loop_");
        body.Input("iteration", DataType.Int64);
        body.Input("condition_in", DataType.Bool);
        string token = body.Input("token_in", DataType.Int64, 1, 1);
        var stateIn = Enumerable.Range(0, options.Layers).SelectMany(l => hasCell
            ? new[] { body.Input($"h{l}_in", DataType.Float, 1, 1, options.HiddenSize), body.Input($"c{l}_in", DataType.Float, 1, 1, options.HiddenSize) }
            : [body.Input($"h{l}_in", DataType.Float, 1, 1, options.HiddenSize)]).ToArray();
        string isEnd = body.Node("Equal", [token, body.Longs("end", GeneratorVocabulary.End)]);
        body.Node("Not", [body.Node("Reshape", [isEnd, body.Longs("scalar", Array.Empty<long>())])], "condition_out");
        string step = body.Node("Gather", [embedding, token], null, OnnxGraphBuilder.Int("axis", 0));
        var stateOut = new List<string>();
        string top = "";
        for (int l = 0; l < options.Layers; l++)
        {
            int stride = hasCell ? 2 : 1;
            string[] inputs = hasCell ? [step, .. layers[l], "", stateIn[l * stride], stateIn[l * stride + 1]] : [step, .. layers[l], "", stateIn[l]];
            var outputs = body.MultiOutputNode(Op(options), inputs, hasCell ? [$"loop{l}.Y", $"h{l}_out", $"c{l}_out"] : [$"loop{l}.Y", $"h{l}_out"], Attributes(options));
            step = body.Node("Reshape", [outputs[0], body.Longs($"loop{l}.next_shape", 0, 0, -1)]);
            stateOut.AddRange(outputs.Skip(1));
            top = outputs[1];
        }
        body.Node("Identity", [Pick(body, Logits(body, top, headWeights, headBias), decoding, decoding.Seed + 1)], "token_out");
        body.Node("Identity", [token], "emitted");
        body.Output("condition_out", DataType.Bool);
        body.Output("token_out", DataType.Int64, 1, 1);
        foreach (var name in stateOut) body.Output(name, DataType.Float, 1, 1, options.HiddenSize);
        body.Output("emitted", DataType.Int64, 1, 1);

        var carried = new List<string> { first };
        for (int l = 0; l < options.Layers; l++)
        {
            carried.Add(hidden[l]);
            if (hasCell) carried.Add(cell[l]);
        }
        var loopOutputs = g.MultiOutputNode("Loop", [g.ScalarLong("loop.max", maximumLength), g.ScalarBool("loop.run", true), .. carried],
            [.. carried.Select((_, i) => $"loop.final_{i}"), "loop.tokens"], OnnxGraphBuilder.Subgraph("body", body));
        string ids = g.Node("Reshape", [loopOutputs[^1], g.Longs("tokens.shape", 1, -1)]);
        string tokens = g.Node("Gather", [g.Strings("vocabulary.text", vocabulary.Texts), ids], "RnnMlNet.GeneratedTokens", OnnxGraphBuilder.Int("axis", 0));
        g.Node("Identity", [check], "RnnMlNet.GenerationCheck");
        g.Output(tokens, DataType.String, 1, "L");
        g.Output("RnnMlNet.GenerationCheck", DataType.String, 1);
        return (tokens, "RnnMlNet.GenerationCheck");
    }

    private static string Op(NetworkOptions options) => options.Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };

    private static AttributeProto[] Attributes(NetworkOptions options) => options.Cell == CellKind.Gru
        ? [OnnxGraphBuilder.Int("hidden_size", options.HiddenSize), OnnxGraphBuilder.Int("linear_before_reset", 1)]
        : [OnnxGraphBuilder.Int("hidden_size", options.HiddenSize)];

    /// <summary>Logits [1, V] from the top layer's state [1, 1, H].</summary>
    private static string Logits(OnnxGraphBuilder g, string topState, string headWeights, string headBias) =>
        g.Node("Add", [g.Node("MatMul", [g.Node("Reshape", [topState, g.Longs("logits.state_shape", 1, -1)]), headWeights]), headBias]);

    /// <summary>The next token [1, 1]: the arg-max, or a sample from the (top-K) softmax at the given temperature.</summary>
    private static string Pick(OnnxGraphBuilder g, string logits, Decoding decoding, int seed)
    {
        if (decoding.Temperature <= 0)
            return g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1));
        string scaled = g.Node("Div", [logits, g.Floats($"pick{seed}.temperature", [], [decoding.Temperature])]);
        var sampling = new[] { OnnxGraphBuilder.Int("sample_size", 1), OnnxGraphBuilder.Int("dtype", (long)DataType.Int64), OnnxGraphBuilder.Float("seed", seed) };
        if (decoding.TopK <= 0) return g.Node("Multinomial", [scaled], null, sampling);
        var best = g.MultiOutputNode("TopK", [scaled, g.Longs($"pick{seed}.k", decoding.TopK)], [$"pick{seed}.values", $"pick{seed}.indices"], OnnxGraphBuilder.Int("axis", 1));
        string choice = g.Node("Multinomial", [best[0]], null, sampling);
        return g.Node("GatherElements", [best[1], choice], null, OnnxGraphBuilder.Int("axis", 1));
    }
}
