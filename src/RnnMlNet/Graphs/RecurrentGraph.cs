using RnnMlNet.Core.Networks;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Graphs;

/// <summary>
/// Writes a trained <see cref="RecurrentNetwork{T}"/> as a standard ONNX graph: token ids through a Gather
/// (embedding, or the rows of W_i for one-hot input), the standard <c>RNN</c>/<c>LSTM</c>/<c>GRU</c> operators
/// (layout 0, time-major), and the dense head as MatMul + Add. The result is logits [N, C] for a head on the last
/// hidden state, or [N, T, C] for a head on every step; callers add the task's outputs on top. A row that training would
/// refuse (an empty sequence, a key past its key type's count, or a step value that is NaN or infinite) gets NaN logits,
/// never a finite score.
/// </summary>
internal static class RecurrentGraph
{
    /// <returns>The logits; the rows the head reads (the pooled states of a many-to-one network, [N, D·H]); and [N, 1],
    /// whether each row is one training refuses.</returns>
    public static (string Logits, string Features, string Refused) AddNetwork(OnnxGraphBuilder g, RecurrentNetwork<float> network, SequenceInput input)
    {
        if (!network.HasHead) throw new ArgumentException("A network without a head (HeadKind.None) has no logits to score with.", nameof(network));
        var weights = network.Export().ToDictionary(w => w.Name);
        var options = network.Options;
        string refused;
        string x;
        if (input.Kind == SequenceInputKind.Features)
        {
            (x, refused) = NumericSteps(g, input);
        }
        else
        {
            string ids = TokenIds(g, input);
            refused = Empty(g, ids);
            // A key past the key type's count (or a UInt64 key that reads as negative): training refuses it, naming the step.
            if (input.Kind == SequenceInputKind.Keys)
                refused = g.Node("Or", [refused, AnyInRow(g, g.Node("Or", [g.Node("Greater", [ids, g.Longs("keys.count", input.Width)]), g.Node("Less", [ids, g.Longs("keys.zero", 0)])]), "keys")]);
            // A one-hot column is a float input of its own: a NaN or infinite slot, a value other than 0 or 1, or a step
            // with two 1s refuses the row as training does.
            if (input.Kind == SequenceInputKind.OneHotSteps) refused = g.Node("Or", [refused, NotOneHot(g, input)]);
            x = Gather(g, FirstSteps(g, AtLeastOneStep(g, ids, 1), input.MaximumLength), OneHotOrEmbeddingTable(g, network, weights), options.VocabularySize);
        }
        string? firstInputWeights = options.Input == InputKind.OneHotTokens ? Identity(g, "layer0.W_identity", network.Directions, weights["layer0.W"].Shape[1]) : null;
        var stack = RecurrentStackGraph.Load(g, options, weights, "", firstInputWeights);
        bool lastHidden = options.Head == HeadKind.LastHidden && options.Pooling == Pooling.Last;
        var run = stack.Run(g, x, initialStates: null, "layer", topOutput: !lastHidden);

        // Rows of [h→ | h←], as the engine's head reads them: Y_h [D, N, H] → [N, D·H]; Y [T, N, D·H] pooled over T → [N, D·H];
        // or Y → [N, T, D·H] for a head on every step.
        string features = lastHidden
            ? g.Node("Reshape", [g.Node("Transpose", [run.TopHidden], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), g.Longs("head.input_shape", 0, -1)])
            : options.Head == HeadKind.LastHidden ? Pool(g, run.Output, options.Pooling, weights)
            : g.Node("Transpose", [run.Output], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2));
        string logits = g.Affine(features, g.Floats("head.weights", weights["head.weights"].Shape, weights["head.weights"].Values),
            g.Floats("head.bias", weights["head.bias"].Shape, weights["head.bias"].Values));
        if (input.Side is not null)
        {
            logits = Wide(g, logits, input.Side, weights["wide.weights"]);
            refused = g.Node("Or", [refused, NonFinite(g, input.Side.ColumnName, "side")]);
        }
        // refused is [N, 1]; logits are [N, C] or [N, T, C].
        string perRow = refused;
        if (options.Head == HeadKind.EveryStep) refused = g.Node("Unsqueeze", [refused, g.Longs("refused.axes", 2)]);
        g.Floats(NaNName, [], [float.NaN]);
        return (NaNWhereRefused(g, refused, logits, "logits"), features, perRow);
    }

    private const string NaNName = "refused.nan";

    /// <summary><paramref name="values"/> with the rows <paramref name="refused"/> marks set to NaN (after <see cref="AddNetwork"/>).</summary>
    public static string NaNWhereRefused(OnnxGraphBuilder g, string refused, string values, string? output = null) => g.Node("Where", [refused, NaNName, values], output);

    /// <summary>[N, 1]: whether a float tensor [N, L] holds a NaN or infinite value in a row (constants named after <paramref name="use"/>).</summary>
    internal static string NonFinite(OnnxGraphBuilder g, string values, string use) =>
        AnyInRow(g, g.Node("Or", [g.Node("IsNaN", [values]), g.Node("IsInf", [values])]), use);

    /// <summary>[N, 1]: whether a one-hot column [N, T·V] holds a value other than 0 or 1 (NaN and ±∞ included) or a step
    /// with more than one 1.</summary>
    private static string NotOneHot(OnnxGraphBuilder g, SequenceInput input)
    {
        string flat = input.ColumnName, zero = g.Floats("onehot.check_zero", [], [0f]), one = g.Floats("onehot.check_one", [], [1f]);
        string other = g.Node("Not", [g.Node("Or", [g.Node("Equal", [flat, zero]), g.Node("Equal", [flat, one])])]);
        string perStep = g.Node("ReduceSum", [g.Node("Reshape", [flat, g.Longs("onehot.check_shape", -1, input.Steps, input.Width)]), g.Longs("onehot.check_axes", 2)],
            null, OnnxGraphBuilder.Int("keepdims", 0));
        return g.Node("Or", [AnyInRow(g, other, "onehot_values"), AnyInRow(g, g.Node("Greater", [perStep, one]), "onehot_steps")]);
    }

    /// <summary>[N, 1]: whether a Boolean tensor [N, L] is true anywhere in a row (constants named after <paramref name="use"/>).</summary>
    private static string AnyInRow(OnnxGraphBuilder g, string flags, string use)
    {
        string bad = g.Node("Cast", [flags], null, OnnxGraphBuilder.Int("to", (long)DataType.Float));
        // A sum, not a maximum: it is defined (0) over an empty row.
        string count = g.Node("ReduceSum", [bad, g.Longs(use + ".value_axis", 1)], null, OnnxGraphBuilder.Int("keepdims", 1));
        return g.Node("Greater", [count, g.Floats(use + ".none", [], [0f])]);
    }

    /// <summary>[1, 1]: whether a batch [N, T] has no step (T = 0), broadcast over its rows.</summary>
    private static string Empty(OnnxGraphBuilder g, string batchMajor) =>
        g.Node("Unsqueeze", [g.Node("Equal", [Length(g, batchMajor, "empty"), g.Longs("empty.zero", 0)]), g.Longs("empty.axes", 0)]);

    /// <summary>[1]: the second dimension of a batch-major tensor (constants named after <paramref name="use"/>).</summary>
    internal static string Length(OnnxGraphBuilder g, string batchMajor, string use) =>
        g.Node("Slice", [g.Node("Shape", [batchMajor]), g.Longs(use + ".length_starts", 1), g.Longs(use + ".length_ends", 2)]);

    /// <summary>
    /// A batch [N, L] with no value gets <paramref name="width"/> zeros (one step of padding: the unknown token, or zero
    /// features), since the recurrent operators and the reshapes around them fail on zero steps; its logits are NaN anyway.
    /// </summary>
    internal static string AtLeastOneStep(OnnxGraphBuilder g, string batchMajor, int width)
    {
        string missing = g.Node("Mul", [g.Node("Cast", [g.Node("Equal", [Length(g, batchMajor, "pad"), g.Longs("pad.zero", 0)])], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64)),
            g.Longs($"pad.width{width}", width)]);
        // pads: [start of dim 0, start of dim 1, end of dim 0, end of dim 1].
        string pads = g.Node("Concat", [g.Longs("pad.none", 0, 0, 0), missing], null, OnnxGraphBuilder.Int("axis", 0));
        return g.Node("Pad", [batchMajor, pads]);
    }

    /// <summary>Wide and deep: logits += s·W_s, with the side features s [N, S] as a second input.</summary>
    private static string Wide(OnnxGraphBuilder g, string deepLogits, SideInput side, NamedTensor<float> weights)
    {
        string s = g.Input(side.ColumnName, DataType.Float, "N", side.Size);
        return g.Node("Add", [deepLogits, g.Node("MatMul", [s, g.Floats("wide.weights", weights.Shape, weights.Values)])]);
    }

    /// <summary>
    /// The engine's pooling (see PoolingLayer) over the steps of Y [T, N, W] → [N, W]. A row is scored alone (N = 1), so
    /// every step of T is one of its own.
    /// </summary>
    private static string Pool(OnnxGraphBuilder g, string steps, Pooling pooling, Dictionary<string, NamedTensor<float>> weights)
    {
        var overSteps = new[] { OnnxGraphBuilder.Ints("axes", 0), OnnxGraphBuilder.Int("keepdims", 0) };
        switch (pooling)
        {
            case Pooling.Mean:
                return g.Node("ReduceMean", [steps], null, overSteps);
            case Pooling.Max:
                return g.Node("ReduceMax", [steps], null, overSteps);
            default:
                // s_t = h_t·q [T, N, 1], α = softmax over T, p = Σ_t α_t h_t.
                var query = weights["pooling.query"];
                string scores = g.Node("MatMul", [steps, g.Floats("pooling.query", [query.Values.Length, 1], query.Values)]);
                string attention = g.Node("Softmax", [scores], null, OnnxGraphBuilder.Int("axis", 0));
                return g.Node("ReduceSum", [g.Node("Mul", [attention, steps]), g.Longs("pooling.axes", 0)], null, OnnxGraphBuilder.Int("keepdims", 0));
        }
    }

    /// <summary>Token ids [N, T] as int64, from keys or from one-hot rows.</summary>
    private static string TokenIds(OnnxGraphBuilder g, SequenceInput input)
    {
        if (input.Kind == SequenceInputKind.Keys)
        {
            string keys = g.Input(input.ColumnName, input.KeyType, "N", input.LengthDimension("T"));
            return g.Node("Cast", [keys], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        }
        // One-hot rows [N, T·V] → [N, T, V]; a row's id is its hot column + 1 (keys are 1-based); zero rows are padding and dropped.
        string flat = g.Input(input.ColumnName, DataType.Float, "N", input.Steps * input.Width);
        string steps = g.Node("Reshape", [flat, g.Longs("onehot.shape", -1, input.Steps, input.Width)]);
        string hot = g.Node("ArgMax", [steps], null, OnnxGraphBuilder.Int("axis", 2), OnnxGraphBuilder.Int("keepdims", 0));
        string ids = g.Node("Add", [hot, g.Longs("onehot.key_offset", 1)]);
        string present = g.Node("Greater", [g.Node("ReduceMax", [steps], null, OnnxGraphBuilder.Ints("axes", 2), OnnxGraphBuilder.Int("keepdims", 0)), Zero(g)]);
        // Rows are scored one at a time (N = 1), so the presence mask of row 0 selects the steps.
        string mask = g.Node("Squeeze", [present, g.Longs("onehot.batch_axis", 0)]);
        return g.Node("Compress", [ids, mask], null, OnnxGraphBuilder.Int("axis", 1));
    }

    /// <summary>Gathers table rows for ids [N, T] into time-major X [T, N, width]; ids outside the table become 0 (unknown).</summary>
    private static string Gather(OnnxGraphBuilder g, string ids, string table, int rows)
    {
        string inRange = g.Node("Less", [ids, g.Longs("gather.rows", rows)]);
        string safe = g.Node("Where", [inRange, ids, g.Longs("gather.unknown", 0)]);
        return RecurrentStackGraph.Embed(g, table, safe);
    }

    /// <summary>
    /// Embedding table [V, E]; for one-hot input, the rows of W_i of every direction side by side [V, D·G·H]
    /// (a one-hot row times W_i is a row of W_i), followed in the first layer by an identity W that picks each direction's block.
    /// </summary>
    internal static string OneHotOrEmbeddingTable(OnnxGraphBuilder g, RecurrentNetwork<float> network, Dictionary<string, NamedTensor<float>> weights)
    {
        if (network.Options.Input == InputKind.EmbeddedTokens)
            return g.Floats("embedding", weights["embedding"].Shape, weights["embedding"].Values);
        var w = weights["layer0.W"];
        int dirs = w.Shape[0], gw = w.Shape[1], v = w.Shape[2];
        var table = new float[v * dirs * gw];
        for (int d = 0; d < dirs; d++)
            for (int gate = 0; gate < gw; gate++)
                for (int token = 0; token < v; token++)
                    table[token * dirs * gw + d * gw + gate] = w.Values[(d * gw + gate) * v + token];
        return g.Floats(OneHotTableName, [v, dirs * gw], table);
    }

    /// <summary>The initializer that holds the one-hot table in place of layer 0's W.</summary>
    internal const string OneHotTableName = "onehot.input_rows";

    /// <summary>Layer 0's W [D, G·H, V] back from the one-hot table [V, D·G·H] (<see cref="OneHotOrEmbeddingTable"/>),
    /// which a saved graph holds in its place.</summary>
    internal static float[] InputWeightsFromOneHotTable(ReadOnlySpan<float> table, IReadOnlyList<int> shape)
    {
        int dirs = shape[0], gw = shape[1], v = shape[2];
        var w = new float[dirs * gw * v];
        for (int d = 0; d < dirs; d++)
            for (int gate = 0; gate < gw; gate++)
                for (int token = 0; token < v; token++)
                    w[(d * gw + gate) * v + token] = table[token * dirs * gw + d * gw + gate];
        return w;
    }

    internal static string Identity(OnnxGraphBuilder g, string name, int dirs, int gw)
    {
        var identity = new float[dirs * gw * dirs * gw];
        for (int d = 0; d < dirs; d++)
            for (int i = 0; i < gw; i++)
                identity[(d * gw + i) * dirs * gw + d * gw + i] = 1;
        return g.Floats(name, [dirs, gw, dirs * gw], identity);
    }

    /// <summary>Numeric steps [N, T·F] → time-major [T, N, F], and [N, 1]: whether a row is empty, does not split into steps
    /// of F values, or holds a value that is not a finite number.</summary>
    private static (string Steps, string Refused) NumericSteps(OnnxGraphBuilder g, SequenceInput input)
    {
        // A known-size column must declare its size: ML.NET reads a symbolic dimension of a known-size column as 0.
        string flat = g.Input(input.ColumnName, DataType.Float, "N", input.LengthDimension("L"));
        // The whole steps only, so that a ragged row reaches the NaN below instead of failing in Reshape.
        string length = Length(g, flat, "steps");
        string whole = g.Node("Sub", [length, g.Node("Mod", [length, g.Longs("steps.width", input.Width)])]);
        string ragged = g.Node("Unsqueeze", [g.Node("Not", [g.Node("Equal", [whole, length])]), g.Longs("steps.ragged_axes", 0)]);
        string usable = g.Node("Slice", [flat, g.Longs("steps.starts", 0), whole, g.Longs("steps.axes", 1)]);
        string steps = g.Node("Reshape", [AtLeastOneStep(g, usable, input.Width), g.Longs("steps.shape", 0, -1, input.Width)]);
        string refused = g.Node("Or", [g.Node("Or", [NonFinite(g, flat, "steps"), Empty(g, flat)]), ragged]);
        return (g.Node("Transpose", [FirstSteps(g, steps, input.MaximumLength)], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), refused);
    }

    /// <summary>Keys (int64) with every value outside [0, <paramref name="keyCount"/>) read as 0, unknown, as ML.NET reads a
    /// key it does not know (constants named after <paramref name="use"/>).</summary>
    internal static string KnownOrUnknown(OnnxGraphBuilder g, string keys, int keyCount, string use)
    {
        string known = g.Node("And", [g.Node("Less", [keys, g.Longs(use + ".count", keyCount)]), g.Node("GreaterOrEqual", [keys, g.Longs(use + ".zero", 0)])]);
        return g.Node("Where", [known, keys, g.Longs(use + ".unknown", 0)]);
    }

    /// <summary>Lengths (int32 [N]) cut to the steps <paramref name="tensor"/> has on <paramref name="axis"/>: a length past the
    /// padded batch reads what there is, where the recurrent operators would refuse the whole batch.</summary>
    internal static string AtMostSteps(OnnxGraphBuilder g, string lengths, string tensor, int axis, string use)
    {
        string steps = g.Node("Slice", [g.Node("Shape", [tensor]), g.Longs(use + ".steps_start", axis), g.Longs(use + ".steps_end", axis + 1)]);
        return g.Node("Min", [lengths, g.Node("Cast", [steps], null, OnnxGraphBuilder.Int("to", (long)DataType.Int32))]);
    }

    /// <summary>Keeps the first <paramref name="maximumLength"/> steps (axis 1) of a batch-major tensor, as training did.</summary>
    internal static string FirstSteps(OnnxGraphBuilder g, string batchMajor, int maximumLength) => maximumLength <= 0
        ? batchMajor
        : g.Node("Slice", [batchMajor, g.Longs("truncate.starts", 0), g.Longs("truncate.ends", maximumLength), g.Longs("truncate.axes", 1)]);

    private static string Zero(OnnxGraphBuilder g) => g.Floats("onehot.zero", [], [0f]);
}
