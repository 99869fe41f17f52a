using System.Text.Json;
using Onnx;
using RnnMlNet.Core.Networks;
using RnnMlNet.Trainers;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Graphs;

/// <summary>
/// The standalone graph <c>RecurrentModelFile.ExportOnnx</c> writes for another runtime: padded batches with their
/// sequence lengths, so that a row scores the same in any batch as alone. The graph ML.NET runs scores one row at a time
/// and has no lengths; this one is rebuilt from its weights and the network description stored beside them.
/// <list type="bullet">
/// <item>Inputs: <c>TokenIds</c> int64 [N, T] (key values: 0 unknown, k the vocabulary's k-th entry; ids past a row's
/// length are ignored, whatever they hold), or <c>Steps</c> float [N, T, F]; <c>SequenceLengths</c> int32 [N]; and for wide
/// and deep <c>SideFeatures</c> float [N, S].</item>
/// <item>Outputs: binary <c>Logit</c> and <c>Probability</c> [N, 1]; multiclass <c>Logits</c>, <c>Probabilities</c>
/// [N, C] and <c>PredictedClass</c> int64 [N] (an index into the class names; −1 for a refused row); regression <c>Prediction</c> [N, 1];
/// tagging <c>Logits</c> and <c>Probabilities</c> [N, T, C], of which a row's first length steps are its tags.</item>
/// <item>A row of length 0, or with a NaN or infinite value in its steps or side features, gets NaN outputs; steps past
/// <c>MaximumLength</c> are not read, as in training.</item>
/// </list>
/// </summary>
internal static class ExportGraph
{
    /// <summary>Metadata key of the network description, written with every trainer's graph.</summary>
    public const string NetworkKey = "RnnMlNet.Network";

    /// <summary>Metadata key of the vocabulary (a JSON array: entry k−1 is key k).</summary>
    public const string VocabularyKey = "RnnMlNet.Vocabulary";

    /// <summary>Metadata key of the class names (a JSON array, in the order of the class outputs).</summary>
    public const string ClassNamesKey = "RnnMlNet.ClassNames";

    /// <summary>What the export needs beside the weights: the network's options, how its input was laid out, and how many
    /// networks of this shape the graph averages (an ensemble; 0 in descriptions written before ensembles, which is one).</summary>
    internal sealed record Description(NetworkOptions Network, SequenceInputKind Input, int MaximumLength, RecurrentTask Task, int Members);

    public static string Describe(NetworkOptions network, SequenceInput input, RecurrentTask task, int members) =>
        JsonSerializer.Serialize(new Description(network, input.Kind, input.MaximumLength, task, members));

    /// <summary>The export graph of a stored model, or null for a model stored without a description (saved by an older
    /// version), whose stored graph is then exported as it is. A model on a one-hot column takes its tokens' ids as a key
    /// model does, cut as the OneHotSequence that made the column cut them (<paramref name="oneHotCut"/>, when one did).
    /// <paramref name="vocabulary"/> is asked for the key input's tokens only when they are written.</summary>
    public static byte[]? Build(ModelProto stored, Func<IReadOnlyList<string>?> vocabulary, Sequences.KeyCut? oneHotCut = null)
    {
        if (Restore(stored) is not var (description, networks)) return null;
        var initializers = stored.Graph.Initializer.ToDictionary(t => t.Name);
        // Multiclass models store their class names as "class_names", taggers as "tag_names".
        var names = initializers.GetValueOrDefault("class_names") ?? initializers.GetValueOrDefault("tag_names");
        string[]? classes = names?.StringData.Select(b => b.ToStringUtf8()).ToArray();
        // The summary and the model's kind travel along (the network description is in the graph itself now).
        var tokens = description.Input != SequenceInputKind.Features ? vocabulary() : null;
        // Tokens of another count are not this input's (a key column of that name made again later in the pipeline).
        if (tokens is not null && tokens.Count != description.Network.VocabularySize - 1) tokens = null;
        if (description.Input != SequenceInputKind.OneHotSteps) oneHotCut = null;
        return Write(networks, description, oneHotCut, tokens, classes, stored.MetadataProps.Where(p => p.Key is RecurrentModelSummary.MetadataKey or Onnx.RecurrentModelFile.ModelKindKey).ToList());
    }

    /// <summary>The stored model's description and networks (an ensemble's members in order), or null for a model stored
    /// without a description (saved by an older version).</summary>
    internal static (Description Description, IReadOnlyList<RecurrentNetwork<float>> Networks)? Restore(ModelProto stored)
    {
        var described = stored.MetadataProps.FirstOrDefault(p => p.Key == NetworkKey)?.Value;
        if (described is null || JsonSerializer.Deserialize<Description>(described) is not { } description) return null;
        var initializers = stored.Graph.Initializer.ToDictionary(t => t.Name);
        int members = Math.Max(1, description.Members);
        return (description, Enumerable.Range(0, members).Select(k => Restore(description.Network, initializers, members == 1 ? "" : EnsembleGraph.MemberPrefix(k))).ToList());
    }

    /// <summary>A network of the described shape with the stored weights whose names start with <paramref name="prefix"/>.</summary>
    private static RecurrentNetwork<float> Restore(NetworkOptions options, Dictionary<string, TensorProto> initializers, string prefix)
    {
        var network = new RecurrentNetwork<float>(options, seed: 0);
        // A one-hot model's graph holds layer 0's W as the table of its rows.
        bool oneHot = options.Input == InputKind.OneHotTokens;
        network.Import(network.Export().Select(t => t with
        {
            Values = oneHot && t.Name == "layer0.W"
                ? RecurrentGraph.InputWeightsFromOneHotTable(Values(initializers, prefix + RecurrentGraph.OneHotTableName, t.Values.Length), t.Shape)
                : Values(initializers, prefix + t.Name, t.Values.Length),
        }).ToList());
        return network;
    }

    internal static float[] Values(Dictionary<string, TensorProto> initializers, string name, int count)
    {
        if (!initializers.TryGetValue(name, out var tensor)) throw new InvalidDataException($"The stored graph has no weight '{name}'.");
        float[] values = tensor.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : tensor.FloatData.ToArray();
        return values.Length == count ? values : throw new InvalidDataException($"The stored weight '{name}' has {values.Length} values; the network has {count}.");
    }

    private static byte[] Write(IReadOnlyList<RecurrentNetwork<float>> networks, Description description, Sequences.KeyCut? oneHotCut,
        IReadOnlyList<string>? vocabulary, string[]? classes, IReadOnlyList<StringStringEntryProto> metadata)
    {
        var options = networks[0].Options;
        var g = new OnnxGraphBuilder("RnnMlNet.Export");
        var values = EnsembleGraph.AverageLogits(g, networks.Count, (part, k) => Logits(part, networks[k], description, oneHotCut));
        Outputs(g, description.Task, values[0], options.Outputs, values[1]);

        g.DocString("Padded batches with their lengths: a row scores the same in any batch as alone. Inputs: " +
            (description.Input == SequenceInputKind.Features ? "Steps float [N, T, F]" : "TokenIds int64 [N, T] (0 = unknown; see metadata " + VocabularyKey + ")") +
            (oneHotCut is { } cut ? $", each row's ids cut to its {(cut.Truncation == Sequences.SequenceSide.Post ? "first" : "last")} {cut.Steps} as the pipeline's OneHotSequence cut them" : "") +
            ", SequenceLengths int32 [N]" + (options.SideFeatures > 0 ? ", SideFeatures float [N, S]" : "") + ". Outputs: " + OutputsText(description.Task) +
            (networks.Count > 1 ? $"; the mean of {networks.Count} networks' logits." : "."));
        foreach (var entry in metadata) g.Metadata(entry.Key, entry.Value);
        if (vocabulary is not null) g.Metadata(VocabularyKey, JsonSerializer.Serialize(vocabulary));
        if (classes is not null) g.Metadata(ClassNamesKey, JsonSerializer.Serialize(classes));
        return g.ToBytes();
    }

    /// <summary>Each row's known ids (1 to <paramref name="vocabularySize"/> − 1; 0 and any other id are unknown) within its
    /// length [N], moved to the front of the row in their order, and how many there are: a stable sort by the key T − t for
    /// a known step and −1 for the others.</summary>
    private static (string Ids, string Lengths) KnownFirst(OnnxGraphBuilder g, string ids, string lengths, int vocabularySize)
    {
        string steps = g.Node("Slice", [g.Node("Shape", [ids]), g.Longs("known.t_start", 1), g.Longs("known.t_end", 2)]);
        string positions = g.Node("Range", [g.ScalarLong("known.first", 0), g.Node("Squeeze", [steps, g.Longs("known.t_axes", 0)]), g.ScalarLong("known.delta", 1)]);
        string within = g.Node("Less", [g.Node("Unsqueeze", [positions, g.Longs("known.row_axes", 0)]),
            g.Node("Unsqueeze", [g.Node("Cast", [lengths], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64)), g.Longs("known.length_axes", 1)])]);
        string inVocabulary = g.Node("And", [g.Node("Greater", [ids, g.Longs("known.unknown", 0)]), g.Node("Less", [ids, g.Longs("known.vocabulary", vocabularySize)])]);
        string known = g.Node("And", [within, inVocabulary]);
        string key = g.Node("Cast", [g.Node("Where", [known, g.Node("Sub", [steps, positions]), g.Longs("known.last", -1)])], null, OnnxGraphBuilder.Int("to", (long)DataType.Float));
        string order = g.MultiOutputNode("TopK", [key, steps], ["known.keys", "known.order"], OnnxGraphBuilder.Int("axis", 1))[1];
        string count = g.Node("ReduceSum", [g.Node("Cast", [known], null, OnnxGraphBuilder.Int("to", (long)DataType.Int32)), g.Longs("known.count_axes", 1)], null, OnnxGraphBuilder.Int("keepdims", 0));
        return (g.Node("GatherElements", [ids, order], null, OnnxGraphBuilder.Int("axis", 1)), count);
    }

    /// <summary>Each row's ids [N, T] within its length cut as <paramref name="cut"/> says, to its first or its last steps
    /// (OneHotSequence's cut, unknown ids included), and the lengths cut alike.</summary>
    private static (string Ids, string Lengths) Cut(OnnxGraphBuilder g, string ids, string lengths, Sequences.KeyCut cut)
    {
        int steps = cut.Steps;
        string cutLengths = g.Node("Min", [lengths, g.Ints32("cut.steps", steps)]);
        if (cut.Truncation == Sequences.SequenceSide.Post)
            return (g.Node("Slice", [ids, g.Longs("cut.starts", 0), g.Longs("cut.ends", steps), g.Longs("cut.axes", 1)]), cutLengths);
        // Row n reads from max(length − T, 0): index [N, T] = start + t, clamped into the padded batch (steps past the cut
        // length are never read).
        string start = g.Node("Max", [g.Node("Sub", [g.Node("Cast", [lengths], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64)), g.Longs("cut.steps_long", steps)]),
            g.Longs("cut.zero", 0)]);
        string index = g.Node("Add", [g.Node("Unsqueeze", [start, g.Longs("cut.start_axes", 1)]),
            g.Node("Unsqueeze", [g.Node("Range", [g.ScalarLong("cut.first", 0), g.ScalarLong("cut.count", steps), g.ScalarLong("cut.delta", 1)]), g.Longs("cut.t_axes", 0)])]);
        string last = g.Node("Sub", [g.Node("Slice", [g.Node("Shape", [ids]), g.Longs("cut.width_start", 1), g.Longs("cut.width_end", 2)]), g.Longs("cut.one", 1)]);
        return (g.Node("GatherElements", [ids, g.Node("Min", [index, last])], null, OnnxGraphBuilder.Int("axis", 1)), cutLengths);
    }

    /// <summary>One network over the padded batch: its logits, NaN for a refused row, and [N, 1] (or [N, 1, 1] for a head on
    /// every step), whether each row is refused.</summary>
    private static string[] Logits(OnnxGraphBuilder g, RecurrentNetwork<float> network, Description description, Sequences.KeyCut? oneHotCut)
    {
        var options = network.Options;
        var weights = network.Export().ToDictionary(w => w.Name);
        string given = g.Input("SequenceLengths", DataType.Int32, "N");
        string x;
        string? nonFinite = null;
        if (description.Input == SequenceInputKind.Features)
        {
            // At least one step (of zeros) for a batch of none, which the operators refuse; its rows stay refused, as their
            // lengths are first cut to the steps given.
            string steps = g.Input("Steps", DataType.Float, "N", "T", options.FeaturesPerStep);
            given = RecurrentGraph.AtMostSteps(g, given, steps, 1, "given_steps");
            string all = g.Node("Reshape", [RecurrentGraph.AtLeastOneStep(g, g.Node("Reshape", [steps, g.Longs("steps.flat", 0, -1)]), options.FeaturesPerStep),
                g.Longs("steps.shape", 0, -1, options.FeaturesPerStep)]);
            // As in the saved model, a NaN or infinite value anywhere in a row's steps (even past MaximumLength) refuses it;
            // padding past the row's length is never read.
            string allTimeMajor = g.Node("Transpose", [all], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2));
            string read = g.Node("Where", [Mask(g, allTimeMajor, RecurrentGraph.AtMostSteps(g, given, all, 1, "given"), "steps"), allTimeMajor, g.Floats("steps.unread", [], [0f])]);
            nonFinite = RecurrentGraph.NonFinite(g, g.Node("Reshape", [g.Node("Transpose", [read], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), g.Longs("steps.row_shape", 0, -1)]), "steps");
            x = g.Node("Transpose", [RecurrentGraph.FirstSteps(g, all, description.MaximumLength)], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2));
        }
        else
        {
            // Keys, or the tokens of a one-hot column (its hot slot + 1), through the embedding or the rows of W_i.
            // At least one step (id 0) for a batch of none, which the operators refuse; its rows stay refused, as their
            // lengths are first cut to the steps given.
            string givenIds = g.Input("TokenIds", DataType.Int64, "N", "T");
            given = RecurrentGraph.AtMostSteps(g, given, givenIds, 1, "given_ids");
            string tokenIds = RecurrentGraph.AtLeastOneStep(g, givenIds, 1);
            // OneHotSequence cut the keys before anything else, unknown ones included; then a one-hot column has no step for
            // an unknown word (an all-zero row, which the ML.NET model drops): so neither here.
            if (oneHotCut is { } cut) (tokenIds, given) = Cut(g, tokenIds, given, cut);
            if (description.Input == SequenceInputKind.OneHotSteps) (tokenIds, given) = KnownFirst(g, tokenIds, given, options.VocabularySize);
            string ids = RecurrentGraph.FirstSteps(g, tokenIds, description.MaximumLength);
            x = RecurrentStackGraph.Embed(g, RecurrentGraph.OneHotOrEmbeddingTable(g, network, weights), RecurrentGraph.KnownOrUnknown(g, ids, options.VocabularySize, "ids"));
        }
        string? firstInputWeights = options.Input == InputKind.OneHotTokens ? RecurrentGraph.Identity(g, "layer0.W_identity", network.Directions, weights["layer0.W"].Shape[1]) : null;
        // The steps read: at most MaximumLength (x is cut already) and at most the padded batch's.
        string lengths = RecurrentGraph.AtMostSteps(g, given, x, 0, "lengths");
        // The operators need at least one step: a row of length 0 (or less) runs one, and its outputs become NaN below.
        string refused = g.Node("Unsqueeze", [g.Node("Not", [g.Node("Greater", [lengths, g.Ints32("lengths.zero", 0)])]), g.Longs("empty.axes", 1)]);
        if (nonFinite is not null) refused = g.Node("Or", [refused, nonFinite]);
        // A NaN or infinite side feature refuses its row too.
        string? side = options.SideFeatures > 0 ? g.Input("SideFeatures", DataType.Float, "N", options.SideFeatures) : null;
        if (side is not null) refused = g.Node("Or", [refused, RecurrentGraph.NonFinite(g, side, "side")]);
        string running = g.Node("Max", [lengths, g.Ints32("lengths.one", 1)]);
        bool lastHidden = options.Head == HeadKind.LastHidden && options.Pooling == Pooling.Last;
        var run = RecurrentStackGraph.Load(g, options, weights, "", firstInputWeights).Run(g, x, initialStates: null, "layer", topOutput: !lastHidden, running);
        string features = lastHidden
            ? g.Node("Reshape", [g.Node("Transpose", [run.TopHidden], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), g.Longs("head.input_shape", 0, -1)])
            : options.Head == HeadKind.LastHidden ? Pool(g, run.Output, Mask(g, run.Output, running, "pooling"), running, options.Pooling, weights)
            : g.Node("Transpose", [run.Output], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2));
        string logits = g.Affine(features, g.Floats("head.weights", weights["head.weights"].Shape, weights["head.weights"].Values),
            g.Floats("head.bias", weights["head.bias"].Shape, weights["head.bias"].Values));
        if (side is not null)
            logits = g.Node("Add", [logits, g.Node("MatMul", [side, g.Floats("wide.weights", weights["wide.weights"].Shape, weights["wide.weights"].Values)])]);
        if (options.Head == HeadKind.EveryStep) refused = g.Node("Unsqueeze", [refused, g.Longs("refused.step_axes", 2)]);
        return [g.Node("Where", [refused, g.Floats("refused.nan", [], [float.NaN]), logits]), refused];
    }

    /// <summary>[T, N, 1]: whether step t is within row n's length (constants named after <paramref name="use"/>).</summary>
    private static string Mask(OnnxGraphBuilder g, string timeMajor, string lengths, string use)
    {
        string steps = g.Node("Slice", [g.Node("Shape", [timeMajor]), g.Longs(use + ".mask.starts", 0), g.Longs(use + ".mask.ends", 1)]);
        string t = g.Node("Cast", [g.Node("Range", [g.ScalarLong(use + ".mask.first", 0), g.Node("Squeeze", [steps, g.Longs(use + ".mask.squeeze", 0)]), g.ScalarLong(use + ".mask.delta", 1)])],
            null, OnnxGraphBuilder.Int("to", (long)DataType.Int32));
        string within = g.Node("Less", [g.Node("Unsqueeze", [t, g.Longs(use + ".mask.t_axes", 1)]), g.Node("Unsqueeze", [lengths, g.Longs(use + ".mask.n_axes", 0)])]);
        return g.Node("Unsqueeze", [within, g.Longs(use + ".mask.w_axes", 2)]);
    }

    /// <summary>The engine's pooling (PoolingLayer) over each row's own steps of Y [T, N, W] → [N, W].</summary>
    private static string Pool(OnnxGraphBuilder g, string steps, string mask, string lengths, Pooling pooling, Dictionary<string, NamedTensor<float>> weights)
    {
        var keepNoSteps = OnnxGraphBuilder.Int("keepdims", 0);
        switch (pooling)
        {
            case Pooling.Mean:
                // Masked rather than trusting Y to be zero past a row's length, which the operators leave undefined.
                string count = g.Node("Unsqueeze", [g.Node("Cast", [lengths], null, OnnxGraphBuilder.Int("to", (long)DataType.Float)), g.Longs("pooling.count_axes", 1)]);
                string kept = g.Node("Where", [mask, steps, g.Floats("pooling.none", [], [0f])]);
                return g.Node("Div", [g.Node("ReduceSum", [kept, g.Longs("pooling.axes", 0)], null, keepNoSteps), count]);
            case Pooling.Max:
                return g.Node("ReduceMax", [g.Node("Where", [mask, steps, g.Floats("pooling.lowest", [], [float.NegativeInfinity])])], null, OnnxGraphBuilder.Ints("axes", 0), keepNoSteps);
            default:
                var query = weights["pooling.query"];
                string scores = g.Node("MatMul", [steps, g.Floats("pooling.query", [query.Values.Length, 1], query.Values)]);
                string attention = g.Node("Softmax", [g.Node("Where", [mask, scores, g.Floats("pooling.excluded", [], [float.NegativeInfinity])])], null, OnnxGraphBuilder.Int("axis", 0));
                return g.Node("ReduceSum", [g.Node("Mul", [attention, steps]), g.Longs("pooling.axes", 0)], null, keepNoSteps);
        }
    }

    /// <summary>The task's outputs; <paramref name="refused"/> [N, 1] marks the refused rows, whose predicted class is −1.</summary>
    private static void Outputs(OnnxGraphBuilder g, RecurrentTask task, string logits, int classes, string refused)
    {
        switch (task)
        {
            case RecurrentTask.BinaryClassification:
                g.Node("Identity", [logits], "Logit");
                g.Node("Sigmoid", [logits], "Probability");
                g.Output("Logit", DataType.Float, "N", 1);
                g.Output("Probability", DataType.Float, "N", 1);
                break;
            case RecurrentTask.MulticlassClassification:
                g.Node("Identity", [logits], "Logits");
                g.Node("Softmax", [logits], "Probabilities", OnnxGraphBuilder.Int("axis", 1));
                string best = g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 0));
                g.Node("Where", [g.Node("Squeeze", [refused, g.Longs("refused.class_axes", 1)]), g.Longs("refused.class", -1), best], "PredictedClass");
                g.Output("Logits", DataType.Float, "N", classes);
                g.Output("Probabilities", DataType.Float, "N", classes);
                g.Output("PredictedClass", DataType.Int64, "N");
                break;
            case RecurrentTask.Regression:
                g.Node("Identity", [logits], "Prediction");
                g.Output("Prediction", DataType.Float, "N", 1);
                break;
            default:
                g.Node("Identity", [logits], "Logits");
                g.Node("Softmax", [logits], "Probabilities", OnnxGraphBuilder.Int("axis", 2));
                g.Output("Logits", DataType.Float, "N", "T", classes);
                g.Output("Probabilities", DataType.Float, "N", "T", classes);
                break;
        }
    }

    private static string OutputsText(RecurrentTask task) => task switch
    {
        RecurrentTask.BinaryClassification => "Logit and Probability float [N, 1]",
        RecurrentTask.MulticlassClassification => "Logits and Probabilities float [N, C], PredictedClass int64 [N] (see metadata " + ClassNamesKey + "; -1 for a refused row)",
        RecurrentTask.Regression => "Prediction float [N, 1]",
        _ => "Logits and Probabilities float [N, T, C]; a row's first SequenceLengths steps are its tags (see metadata " + ClassNamesKey + ")",
    };
}
