using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// Sequence tagging (many-to-many, same length): one key label per step, softmax cross-entropy at every step,
/// a PredictedLabel key vector aligned with the input (with the label's tag names) and the per-step class
/// probabilities as Score, T × C values row after row. MaximumLength cuts what training reads; the saved model tags every
/// step of a longer row, the steps past it carrying on from the state the network reached.
/// </summary>
internal sealed class TaggingTask : TaskAdapter
{
    public static readonly TaskDefinition Definition = new("a vector of key labels, one per step (use MapValueToKey)", label => label is { IsVector: true, IsKey: true },
        (input, label) => SchemaChecks.AddColumns<OutputColumns>(input, definition =>
        {
            definition[nameof(OutputColumns.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single);
            WithKeyValues(definition[nameof(OutputColumns.PredictedLabel)], new VectorDataViewType(new KeyDataViewType(typeof(uint), 2)), label);
        }),
        (label, options) => new TaggingTask(label, KeyCount.Of(label, "tag", "a vector of key labels with 2 to 1,000,000 tags, one per step (use MapValueToKey)"), options));

    private readonly LabelKeyValues _tags;
    private readonly int _maximumLength;

    /// <summary>One logit per tag of the label's key type, at every step.</summary>
    private TaggingTask(DataViewSchema.Column label, int tags, RecurrentTrainerOptions options)
        : base(label.Name, tags, new SoftmaxCrossEntropy<float>(ClassWeights(options, tags, label.Name)))
    {
        _tags = LabelKeyValues.Of(label, Outputs);
        _maximumLength = options.MaximumLength;
    }

    public override bool PerStep => true;

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = KeyColumns.VectorGetter(row, row.Schema[LabelColumnName]);
        VBuffer<uint> keys = default;
        return position =>
        {
            getter(ref keys);
            var tags = new float[keys.Length];
            int t = 0;
            foreach (uint key in keys.DenseValues()) tags[t] = ClassOf(key, position, t++);
            return tags;
        };
    }

    /// <summary>One tag per step of the whole row, compared before MaximumLength cuts both, so a misaligned long row is
    /// refused as a short one is; then the tags of the steps kept.</summary>
    public override float[] FitLabel(float[] label, int steps, long position, string featureColumnName)
    {
        if (label.Length != steps)
            throw new InvalidOperationException($"Column '{LabelColumnName}', row {position}: {label.Length} tags for the {steps} steps of column '{featureColumnName}'; expected one tag per step.");
        return _maximumLength > 0 && label.Length > _maximumLength ? label[.._maximumLength] : label;
    }

    public override string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits)
    {
        // logits [N, T, C] → Score [N, T·C] (probabilities step after step) and the tag names [N, T].
        string probabilities = g.Node("Softmax", [logits], null, OnnxGraphBuilder.Int("axis", 2));
        g.Node("Reshape", [probabilities, g.Longs("score.shape", 0, -1)], "Score");
        string best = g.Node("ArgMax", [logits], null, OnnxGraphBuilder.Int("axis", 2), OnnxGraphBuilder.Int("keepdims", 0));
        g.Node("Gather", [g.Strings("tag_names", _tags.Names), best], GlueColumns.PredictedLabelText);
        g.Output("Score", global::Onnx.TensorProto.Types.DataType.Float, "N", "TC");
        g.Output(GlueColumns.PredictedLabelText, global::Onnx.TensorProto.Types.DataType.String, "N", "T");
        return ["Score", GlueColumns.PredictedLabelText];
    }

    public override IEnumerable<ITransformer> Tail(MLContext context, IDataView scored)
    {
        // ValueToKey maps the vector of tag names straight to a key vector with the label's values; no glue is needed.
        var toKeys = _tags.ToKeys(context, scored, GlueColumns.PredictedLabelText).ToList();
        var drop = context.Transforms.DropColumns(GlueColumns.PredictedLabelText).Fit(toKeys.Aggregate(scored, (view, transformer) => transformer.Transform(view)));
        return [.. toKeys, drop];
    }

    /// <summary>Shape of the tagging output columns, for schema propagation.</summary>
    public sealed class OutputColumns
    {
        /// <summary>Per-step class probabilities.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>Predicted tag keys, one per step.</summary>
        public uint[] PredictedLabel { get; set; } = [];
    }
}
