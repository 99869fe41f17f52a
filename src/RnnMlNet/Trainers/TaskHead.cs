using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Onnx;

namespace RnnMlNet.Trainers;

/// <summary>
/// What differs between binary classification, multiclass classification and regression: the label column,
/// the loss, the graph's outputs, and the built-in transformers that turn them into ML.NET's standard columns.
/// </summary>
internal abstract class TaskHead
{
    protected TaskHead(string labelColumnName) => LabelColumnName = labelColumnName;

    public string LabelColumnName { get; }

    /// <summary>Whether the label has one value per step (tagging) rather than one per sequence.</summary>
    public virtual bool PerStep => false;

    /// <summary>Number of logits.</summary>
    public abstract int Outputs { get; }

    public abstract Loss<float> Loss { get; }

    /// <summary>The label of the current row as the loss wants it, or an error naming the column and row.</summary>
    public abstract Func<long, float[]> LabelReader(DataViewRow row);

    /// <summary>Adds the task's outputs to the graph and returns their names.</summary>
    public abstract string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits);

    /// <summary>The transformers after the ONNX one that produce the standard columns (glue, then drop temporaries).</summary>
    public abstract IEnumerable<ITransformer> Tail(MLContext context, IDataView scored);

    public static TaskHead Create(RecurrentTask task, DataViewSchema schema, string labelColumnName, int maximumLength) => task switch
    {
        RecurrentTask.SequenceTagging => new SequenceTaggingHead(schema, labelColumnName, maximumLength),
        RecurrentTask.BinaryClassification => new BinaryHead(schema, labelColumnName),
        RecurrentTask.MulticlassClassification => new MulticlassHead(schema, labelColumnName),
        RecurrentTask.Regression => new RegressionHead(schema, labelColumnName),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
    };

    public static void CheckLabel(RecurrentTask task, SchemaShape schema, string labelColumnName)
    {
        if (task == RecurrentTask.SequenceTagging)
        {
            var tags = SchemaChecks.Find(schema, labelColumnName, "a vector of key labels, one per step (use MapValueToKey)");
            if (!tags.IsKey || tags.Kind == SchemaShape.Column.VectorKind.Scalar)
                throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{labelColumnName}' is {SchemaChecks.Describe(tags)}; expected a vector of key labels, one per step (use MapValueToKey).");
            return;
        }
        var (expectKey, itemType, description) = task switch
        {
            RecurrentTask.BinaryClassification => (false, (DataViewType)BooleanDataViewType.Instance, "a Boolean label"),
            RecurrentTask.MulticlassClassification => (true, (DataViewType)NumberDataViewType.UInt32, "a key label (use MapValueToKey)"),
            _ => (false, (DataViewType)NumberDataViewType.Single, "a Single (float) label"),
        };
        var column = SchemaChecks.Find(schema, labelColumnName, description);
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.IsKey != expectKey || (!expectKey && column.ItemType != itemType))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{labelColumnName}' is {SchemaChecks.Describe(column)}; expected {description}.");
    }

    /// <summary>
    /// The input shape plus the columns a task adds (sizes are not part of a shape). PredictedLabel carries key values,
    /// as ML.NET's own multiclass trainers' does, so a MapKeyToValue after the trainer accepts it.
    /// </summary>
    public static SchemaShape OutputSchema(RecurrentTask task, SchemaShape input) => task switch
    {
        RecurrentTask.BinaryClassification => SchemaChecks.AddColumns<Glue.BinaryOutputs>(input, _ => { }),
        RecurrentTask.Regression => SchemaChecks.AddColumns<Glue.RegressionOutputs>(input, _ => { }),
        RecurrentTask.SequenceTagging => SchemaChecks.AddColumns<TaggingColumns>(input, definition =>
        {
            definition[nameof(TaggingColumns.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single);
            WithKeyValues(definition[nameof(TaggingColumns.PredictedLabel)], new VectorDataViewType(new KeyDataViewType(typeof(uint), 2)));
        }),
        _ => SchemaChecks.AddColumns<MulticlassColumns>(input, definition =>
        {
            definition[nameof(MulticlassColumns.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
            WithKeyValues(definition[nameof(MulticlassColumns.PredictedLabel)], new KeyDataViewType(typeof(uint), 2));
        }),
    };

    private static void WithKeyValues(SchemaDefinition.Column column, DataViewType type)
    {
        column.ColumnType = type;
        var names = new VBuffer<ReadOnlyMemory<char>>(2, ["1".AsMemory(), "2".AsMemory()]);
        column.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, 2));
    }

    /// <summary>Shape of the tagging output columns, for schema propagation.</summary>
    public sealed class TaggingColumns
    {
        /// <summary>Per-step class probabilities.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>Predicted tag keys, one per step.</summary>
        public uint[] PredictedLabel { get; set; } = [];
    }

    /// <summary>Shape of the multiclass output columns, for schema propagation.</summary>
    public sealed class MulticlassColumns
    {
        /// <summary>Class probabilities.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>Predicted class key.</summary>
        public uint PredictedLabel { get; set; }
    }

    /// <summary>The single logit [N, 1] as a graph output of the given name.</summary>
    protected static string[] SingleOutput(OnnxGraphBuilder g, string logits, string name)
    {
        g.Node("Identity", [logits], name);
        g.Output(name, global::Onnx.TensorProto.Types.DataType.Float, "N", 1);
        return [name];
    }

    /// <summary>ML.NET's ValueToKey from predicted names to a PredictedLabel key (or key vector) carrying those names in label order.</summary>
    protected static ITransformer ToKeys(MLContext context, IDataView scored, string namesColumn, string[] names)
    {
        var keyData = context.Data.LoadFromEnumerable(names.Select(name => new Glue.PredictedLabelValue { Value = name }));
        return context.Transforms.Conversion.MapValueToKey("PredictedLabel", namesColumn,
            keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData).Fit(scored);
    }

    protected IEnumerable<ITransformer> Glue<TIn, TOut>(MLContext context, IDataView scored, string contractName, Action<TIn, TOut> map, params string[] temporaries)
        where TIn : class, new() where TOut : class, new()
    {
        var glue = context.Transforms.CustomMapping(map, contractName).Fit(scored);
        return [glue, context.Transforms.DropColumns(temporaries).Fit(glue.Transform(scored))];
    }

    protected static void CheckScalar(DataViewSchema schema, string name, DataViewType expected, string description)
    {
        var column = SchemaChecks.Find(schema, name, description);
        if (column.Type != expected) throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {description}.");
    }
}
