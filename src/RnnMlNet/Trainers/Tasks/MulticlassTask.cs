using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// Multiclass classification: a key label, one logit per class, softmax cross-entropy, a Score vector of probabilities
/// and a PredictedLabel key with the label's own key values (names, numbers or Booleans), so MapKeyToValue gives them back.
/// </summary>
internal sealed class MulticlassTask : TaskAdapter
{
    public static readonly TaskDefinition Definition = new("a key label (use MapValueToKey)", label => label is { IsVector: false, IsKey: true },
        (input, label) => SchemaChecks.AddColumns<OutputColumns>(input, definition =>
        {
            var score = definition[nameof(OutputColumns.Score)];
            score.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
            // The classes' names, as the fitted Score carries them.
            score.AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(2, new ReadOnlyMemory<char>[2]), new VectorDataViewType(TextDataViewType.Instance, 2));
            WithKeyValues(definition[nameof(OutputColumns.PredictedLabel)], new KeyDataViewType(typeof(uint), 2), label);
        }),
        (label, options) => new MulticlassTask(label, options));

    private readonly LabelKeyValues _classes;

    /// <summary>One logit per class of the label's key type.</summary>
    private MulticlassTask(DataViewSchema.Column label, RecurrentTrainerOptions options)
        : this(label, KeyCount.Of(label, "class", "a key label with 2 to 1,000,000 classes (use MapValueToKey)"), options)
    {
    }

    private MulticlassTask(DataViewSchema.Column label, int classes, RecurrentTrainerOptions options)
        : base(label.Name, classes, new SoftmaxCrossEntropy<float>(ClassWeights(options, classes, label.Name))) =>
        _classes = LabelKeyValues.Of(label, Outputs);

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = KeyColumns.ScalarGetter(row, row.Schema[LabelColumnName]);
        uint key = 0;
        return position =>
        {
            getter(ref key);
            // Keys are 1-based; 0 means the value was missing or not in the label's vocabulary.
            return [ClassOf(key, position)];
        };
    }

    public override string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits)
    {
        // One row per call: the row's C probabilities as a vector of C, the shape of ML.NET's own multiclass Score
        // (an [N, C] output would be a Vector<Single, 1, C> column).
        g.Node("Squeeze", [g.Node("Softmax", [logits], null, OnnxGraphBuilder.Int("axis", 1)), g.Longs("score.row_axis", 0)], "Score");
        string best = g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1));
        g.Node("Gather", [g.Strings("class_names", _classes.Names), best], GlueColumns.PredictedLabelText);
        g.Output("Score", global::Onnx.TensorProto.Types.DataType.Float, Outputs);
        g.SlotNames("Score", _classes.Names);
        g.Output(GlueColumns.PredictedLabelText, global::Onnx.TensorProto.Types.DataType.String, "N", 1);
        return ["Score", GlueColumns.PredictedLabelText];
    }

    public override IEnumerable<ITransformer> Tail(MLContext context, IDataView scored)
    {
        var glue = context.Transforms.CustomMapping<PredictedLabelText, PredictedLabelValue>(PredictedLabelValueFactory.Map, PredictedLabelValueFactory.ContractName).Fit(scored);
        var withValue = glue.Transform(scored);
        var toKey = _classes.ToKeys(context, withValue, GlueColumns.PredictedLabelValue).ToList();
        var keyed = toKey.Aggregate(withValue, (view, transformer) => transformer.Transform(view));
        var drop = context.Transforms.DropColumns(GlueColumns.PredictedLabelText, GlueColumns.PredictedLabelValue).Fit(keyed);
        return [glue, .. toKey, drop];
    }

    /// <summary>Shape of the multiclass output columns, for schema propagation.</summary>
    public sealed class OutputColumns
    {
        /// <summary>Class probabilities.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>Predicted class key.</summary>
        public uint PredictedLabel { get; set; }
    }
}
