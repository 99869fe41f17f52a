using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Trainers;

namespace RnnMlNet.Onnx;

/// <summary>
/// A recurrent classifier read from an ONNX file exported by PyTorch or Keras (tf2onnx) with the standard operators:
/// an embedding Gather, one or more <c>LSTM</c>/<c>GRU</c>/<c>RNN</c> nodes, and a dense head (<c>Gemm</c>, or
/// <c>MatMul</c> + <c>Add</c>) on the last layer's final hidden state (forward, then backward).
/// </summary>
public sealed class ImportedRecurrentModel
{
    internal ImportedRecurrentModel(CellKind cell, int vocabularySize, int embeddingSize, int hiddenSize, int layers, bool bidirectional, int outputs, IReadOnlyList<NamedTensor<float>> weights)
    {
        Cell = cell;
        VocabularySize = vocabularySize;
        EmbeddingSize = embeddingSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        Bidirectional = bidirectional;
        Outputs = outputs;
        Weights = weights;
    }

    /// <summary>The cell of every recurrent layer.</summary>
    public CellKind Cell { get; }

    /// <summary>Rows of the embedding table: token id t of the original model is key t of an ML.NET key column.</summary>
    public int VocabularySize { get; }

    /// <summary>Embedding width.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Hidden units per direction.</summary>
    public int HiddenSize { get; }

    /// <summary>Recurrent layers.</summary>
    public int Layers { get; }

    /// <summary>Whether the layers are bidirectional.</summary>
    public bool Bidirectional { get; }

    /// <summary>Head outputs (1 for a binary logit, C for C classes).</summary>
    public int Outputs { get; }

    /// <summary>The weights in ONNX layout, as <see cref="NetworkWeights.Import{T}"/> reads them.</summary>
    public IReadOnlyList<NamedTensor<float>> Weights { get; }

    /// <summary>
    /// Trainer options whose network matches this model and starts from its weights. With <c>Epochs = 0</c> the trainer
    /// only packages the imported network for scoring; with more it fine-tunes it.
    /// The feature column must be a key column with <see cref="VocabularySize"/> − 1 keys, key k standing for token id k.
    /// A SimpleRNN or LSTM whose graph holds a recurrent bias (PyTorch's b_hh) keeps its two biases apart
    /// (<see cref="RecurrentOptions.SeparateBiases"/>), so fine-tuning takes PyTorch's steps; one with Rb = 0 (Keras keeps
    /// one bias) trains one.
    /// </summary>
    public RecurrentTrainerOptions ToTrainerOptions(string labelColumnName, string featureColumnName, int epochs = 0) => new()
    {
        LabelColumnName = labelColumnName,
        FeatureColumnName = featureColumnName,
        EmbeddingSize = EmbeddingSize,
        HiddenSize = HiddenSize,
        Layers = Layers,
        Bidirectional = Bidirectional,
        Epochs = epochs,
        InitialWeights = Weights,
        // The imported graphs read the final hidden state.
        Pooling = Pooling.Last,
        SeparateBiases = Cell != CellKind.Gru && HasRecurrentBias(),
    };

    private bool HasRecurrentBias() => Weights.Where(w => w.Name.EndsWith(".B", StringComparison.Ordinal)).Any(b =>
    {
        // [D, 2·G·H]: Wb then Rb for each direction.
        int half = b.Shape[1] / 2;
        return Enumerable.Range(0, b.Shape[0]).Any(d => b.Values.AsSpan(d * 2 * half + half, half).ContainsAnyExcept(0f));
    });
}

/// <summary>Reads recurrent classifiers exported to ONNX by other frameworks.</summary>
public static class OnnxImport
{
    /// <summary>Reads <paramref name="onnxPath"/>; throws <see cref="InvalidDataException"/> naming what is not understood,
    /// and for a damaged file, a graph with external data, or a graph RnnMlNet wrote that no longer matches its digest.</summary>
    public static ImportedRecurrentModel Read(string onnxPath)
    {
        byte[] bytes = ModelIntegrity.ReadFile(onnxPath);
        // A saved model's .zip would otherwise read as a damaged graph.
        if (bytes.AsSpan().StartsWith("PK\u0003\u0004"u8))
            throw new InvalidDataException($"'{onnxPath}' is a .zip (an ML.NET model), not an ONNX graph: OnnxImport reads graphs exported by other frameworks; " +
                "load a saved model with RecurrentModelFile.Load, or read its weights with RecurrentModelFile.ReadWeights.");
        var model = ModelIntegrity.CheckGraph(onnxPath, bytes);
        // Its batch graph (sequence lengths, padding masks) would be refused as an unsupported layout.
        if (ModelIntegrity.IsExport(model))
            throw new InvalidDataException($"'{onnxPath}' is a graph RnnMlNet wrote (RecurrentModelFile.ExportOnnx writes them for other runtimes), which OnnxImport does not " +
                "read back: OnnxImport reads graphs exported by other frameworks; read the weights of the .zip it was exported from with RecurrentModelFile.ReadWeights.");
        return ReadGraph(model, onnxPath);
    }

    private static ImportedRecurrentModel ReadGraph(ModelProto model, string source)
    {
        var graph = model.Graph ?? throw new InvalidDataException($"'{source}' has no graph.");
        InvalidDataException Unsupported(string what) => new($"'{source}': {what}. Expected Gather (embedding) → LSTM/GRU/RNN nodes → Gemm or MatMul+Add.");
        var initializers = new Dictionary<string, TensorProto>();
        foreach (var weight in graph.Initializer)
            if (!initializers.TryAdd(weight.Name, weight)) throw Unsupported($"two weights are named '{weight.Name}'");

        var recurrent = graph.Node.Where(n => n.OpType is "LSTM" or "GRU" or "RNN").ToList();
        if (recurrent.Count == 0) throw Unsupported("no LSTM, GRU or RNN node");
        if (recurrent.Select(n => n.OpType).Distinct().Count() > 1) throw Unsupported("layers of different cell types");
        var cell = recurrent[0].OpType switch { "LSTM" => CellKind.Lstm, "GRU" => CellKind.Gru, _ => CellKind.SimpleRnn };

        var flow = new OnnxDataFlow(graph, initializers, Unsupported);
        // The first layer reads the embedding, and each next layer the step outputs of the one before, through reshaping alone.
        var embeddingNode = flow.Source(recurrent[0].Input[0]) is ({ OpType: "Gather" } gather, _) && initializers.TryGetValue(gather.Input[0], out var table) && table.Dims.Count == 2
            && gather.Attribute.FirstOrDefault(a => a.Name == "axis") is null or { I: 0 }
            ? gather
            : throw Unsupported($"the first {recurrent[0].OpType} node reads {Describe(flow.Source(recurrent[0].Input[0]), recurrent[0].Input[0])}, not an embedding (a Gather from a 2-D weight table)");
        for (int l = 1; l < recurrent.Count; l++)
            if (flow.Source(recurrent[l].Input[0]) is not var (previous, output) || previous != recurrent[l - 1] || output != 0)
                throw Unsupported($"{recurrent[l].OpType} node '{recurrent[l].Name}' reads {Describe(flow.Source(recurrent[l].Input[0]), recurrent[l].Input[0])}, not the step outputs of the layer before");
        var embedding = Floats(initializers[embeddingNode.Input[0]], 2, Unsupported);

        var weights = new List<NamedTensor<float>> { new("embedding", embedding.Shape, embedding.Values) };
        int hidden = 0, directions = 0;
        for (int l = 0; l < recurrent.Count; l++)
        {
            var node = recurrent[l];
            var w = Floats(Initializer(node, 1, initializers, Unsupported), 3, Unsupported);
            var r = Floats(Initializer(node, 2, initializers, Unsupported), 3, Unsupported);
            if (l > 0 && (r.Shape[2], r.Shape[0]) != (hidden, directions))
                throw Unsupported($"layer {l + 1} has {r.Shape[0]} direction(s) of {r.Shape[2]} units, layer {l} {directions} of {hidden}; every layer must have the same");
            hidden = r.Shape[2];
            directions = r.Shape[0];
            CheckAttributes(node, cell, directions, flow, Unsupported);
            int gateWidth = r.Shape[1];
            var b = node.Input.Count > 3 && node.Input[3].Length > 0
                ? Floats(Initializer(node, 3, initializers, Unsupported), 2, Unsupported)
                : new TensorData([directions, 2 * gateWidth], new float[directions * 2 * gateWidth]);
            weights.Add(new($"layer{l}.W", w.Shape, w.Values));
            weights.Add(new($"layer{l}.R", r.Shape, r.Values));
            weights.Add(new($"layer{l}.B", b.Shape, b.Values));
        }
        var (headInput, headWeights, headBias) = Head(graph, initializers, Unsupported);
        if (headWeights.Shape[0] != directions * hidden)
            throw Unsupported($"the head reads {headWeights.Shape[0]} values, not the last layer's final state ({directions}×{hidden})");
        CheckHeadReadsFinalStates(flow.States(headInput, n => Floats(Initializer(n, 2, initializers, Unsupported), 3, Unsupported).Shape[0]), recurrent, directions, Unsupported);
        weights.Add(new("head.weights", headWeights.Shape, headWeights.Values));
        weights.Add(new("head.bias", headBias.Shape, headBias.Values));
        return new ImportedRecurrentModel(cell, embedding.Shape[0], embedding.Shape[1], hidden, recurrent.Count, directions == 2, headWeights.Shape[1], weights);
    }

    /// <summary>The engine's head reads the last layer's final states, forward then backward (PyTorch's h_n[-1], or
    /// cat(h_n[-2], h_n[-1]) when bidirectional); with one direction, a step of its outputs (out[:, -1]) is taken as the last.</summary>
    private static void CheckHeadReadsFinalStates(List<OnnxDataFlow.StatePiece> read, List<NodeProto> recurrent, int directions, Func<string, InvalidDataException> unsupported)
    {
        var last = recurrent[^1];
        bool finalStates = read.Count == directions && read.Select((p, d) => p.Node == last && p.Output == 1 && p.Direction == d).All(ok => ok);
        bool lastStep = directions == 1 && read.Count == 1 && read[0].Node == last && read[0].Output == 0 && read[0].LastStep;
        if (finalStates || lastStep) return;
        string Piece(OnnxDataFlow.StatePiece p) =>
            $"layer {recurrent.IndexOf(p.Node) + 1}'s {(p.Output == 1 ? "final" : "step")} {(p.Direction == 0 ? "forward" : "backward")} state{(p.Output == 0 ? "s" : "")}";
        throw unsupported($"the head reads {string.Join(", then ", read.Select(Piece))}{(read.Any(p => p.Output == 0 && !p.LastStep) ? " (every step's)" : "")}; expected the last layer's final state" +
            (directions == 2 ? "s, forward then backward (a bidirectional layer's step outputs hold the backward state after the first step only)" : ""));
    }

    private static string Describe((NodeProto Node, int Output)? source, string tensor) =>
        source is var (node, _) ? $"{node.OpType} node '{node.Name}'" : $"'{tensor}'";

    private static void CheckAttributes(NodeProto node, CellKind cell, int directions, OnnxDataFlow flow, Func<string, InvalidDataException> unsupported)
    {
        string direction = node.Attribute.FirstOrDefault(a => a.Name == "direction")?.S.ToStringUtf8() ?? "forward";
        if (direction != (directions == 2 ? "bidirectional" : "forward"))
            throw unsupported($"{node.OpType} node '{node.Name}' runs {direction} with {directions} direction(s) of weights; only forward and bidirectional layers are supported");
        // Inputs 5 and 6: initial_h and (LSTM) initial_c. The engine starts every sequence from zeros.
        foreach (int slot in new[] { 5, 6 })
            if (node.Input.Count > slot && node.Input[slot].Length > 0 && !flow.IsZeros(node.Input[slot]))
                throw unsupported($"{node.OpType} node '{node.Name}' starts from a given initial state ({(slot == 5 ? "initial_h" : "initial_c")}); only zeros are supported");
        foreach (var attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "hidden_size" or "direction":
                    break;
                case "linear_before_reset" when cell == CellKind.Gru && attribute.I == 1:
                    break;
                case "layout" when attribute.I == 0:
                    break;
                case "activations":
                    var expected = cell switch { CellKind.Lstm => new[] { "Sigmoid", "Tanh", "Tanh" }, CellKind.Gru => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
                    var given = attribute.Strings.Select(s => s.ToStringUtf8()).ToArray();
                    if (!given.SequenceEqual(expected) && !given.SequenceEqual(expected.Concat(expected)))
                        throw unsupported($"{node.OpType} node '{node.Name}' uses activations {string.Join(", ", given)}");
                    break;
                default:
                    string value = attribute.Type switch
                    {
                        AttributeProto.Types.AttributeType.Float => attribute.F.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                        AttributeProto.Types.AttributeType.String => attribute.S.ToStringUtf8(),
                        AttributeProto.Types.AttributeType.Floats => string.Join(", ", attribute.Floats),
                        _ => attribute.I.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    };
                    throw unsupported($"{node.OpType} node '{node.Name}' has attribute {attribute.Name} = {value}");
            }
        }
        if (node.Input.Count > 4 && node.Input[4].Length > 0) throw unsupported($"{node.OpType} node '{node.Name}' uses sequence_lens");
        if (cell == CellKind.Lstm && node.Input.Count > 7 && node.Input[7].Length > 0) throw unsupported($"LSTM node '{node.Name}' uses peepholes");
        if (cell == CellKind.Gru && !node.Attribute.Any(a => a.Name == "linear_before_reset" && a.I == 1))
            throw unsupported($"GRU node '{node.Name}' has linear_before_reset = 0 (Keras's reset_after=False); only PyTorch's variant (1) is supported");
    }

    /// <summary>The last Gemm, or MatMul followed by Add, with constant weights: the head, as its input, W [in, out] and b [out].</summary>
    private static (string Input, TensorData Weights, TensorData Bias) Head(GraphProto graph, Dictionary<string, TensorProto> initializers, Func<string, InvalidDataException> unsupported)
    {
        var gemm = graph.Node.LastOrDefault(n => n.OpType == "Gemm");
        if (gemm is not null)
        {
            if (gemm.Attribute.Any(a => (a.Name is "alpha" or "beta" && a.F != 1) || (a.Name == "transA" && a.I != 0)))
                throw unsupported("the head Gemm scales or transposes its input");
            var w = Floats(initializers.GetValueOrDefault(gemm.Input[1]) ?? throw unsupported("the head's weights are not constant"), 2, unsupported);
            bool transposed = gemm.Attribute.Any(a => a.Name == "transB" && a.I == 1);
            var weights = transposed ? w.Transposed() : w;
            var bias = gemm.Input.Count > 2 && gemm.Input[2].Length > 0
                ? Floats(initializers.GetValueOrDefault(gemm.Input[2]) ?? throw unsupported("the head's bias is not constant"), null, unsupported)
                : new TensorData([weights.Shape[1]], new float[weights.Shape[1]]);
            return (gemm.Input[0], weights, bias);
        }
        var matMul = graph.Node.LastOrDefault(n => n.OpType == "MatMul" && initializers.ContainsKey(n.Input[1])) ?? throw unsupported("no dense head");
        var add = graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Contains(matMul.Output[0]));
        var matrix = Floats(initializers[matMul.Input[1]], 2, unsupported);
        string? biasName = add?.Input.FirstOrDefault(i => i != matMul.Output[0]);
        if (biasName is not null && !initializers.ContainsKey(biasName)) throw unsupported("the head's bias is not constant");
        return (matMul.Input[0], matrix, biasName is null ? new TensorData([matrix.Shape[1]], new float[matrix.Shape[1]]) : Floats(initializers[biasName], null, unsupported));
    }

    private static TensorProto Initializer(NodeProto node, int slot, Dictionary<string, TensorProto> initializers, Func<string, InvalidDataException> unsupported) =>
        node.Input.Count > slot && initializers.TryGetValue(node.Input[slot], out var tensor)
            ? tensor
            : throw unsupported($"input {slot} of {node.OpType} node '{node.Name}' is not a constant weight");

    /// <summary>A float weight of <paramref name="rank"/> dimensions (any, when null), or an error naming the file and the weight.</summary>
    private static TensorData Floats(TensorProto tensor, int? rank, Func<string, InvalidDataException> unsupported)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw unsupported($"weight '{tensor.Name}' is of type {(TensorProto.Types.DataType)tensor.DataType}; expected float (export in float32)");
        if (rank is { } dimensions && tensor.Dims.Count != dimensions)
            throw unsupported($"weight '{tensor.Name}' has {tensor.Dims.Count} dimensions; expected {dimensions}");
        int[] shape = tensor.Dims.Select(d => checked((int)d)).ToArray();
        float[] values = tensor.FloatData.Count > 0 ? tensor.FloatData.ToArray() : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        if (values.Length != shape.Aggregate(1, (a, b) => a * b))
            throw unsupported($"weight '{tensor.Name}' has {values.Length} values for shape [{string.Join(", ", shape)}]");
        return new TensorData(shape, values);
    }

    private sealed record TensorData(int[] Shape, float[] Values)
    {
        public TensorData Transposed()
        {
            int rows = Shape[0], cols = Shape[1];
            var result = new float[Values.Length];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    result[j * rows + i] = Values[i * cols + j];
            return new TensorData([cols, rows], result);
        }
    }
}
