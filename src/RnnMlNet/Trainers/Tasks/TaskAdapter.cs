using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// Everything that differs between binary classification, multiclass classification, regression and tagging lives in
/// the task's adapter (one file each): the label rule, the loss, the graph's outputs, the output columns, and the
/// built-in transformers that turn the graph's outputs into ML.NET's standard columns. ("Head" in the engine is the dense
/// output layer; an adapter decides what that layer's logits mean.)
/// </summary>
internal abstract class TaskAdapter
{
    protected TaskAdapter(string labelColumnName, int outputs, Loss<float> loss)
    {
        LabelColumnName = labelColumnName;
        Outputs = outputs;
        Loss = loss;
    }

    public string LabelColumnName { get; }

    /// <summary>Whether the label has one value per step (tagging) rather than one per sequence.</summary>
    public virtual bool PerStep => false;

    /// <summary>Number of logits (per step, for tagging).</summary>
    public int Outputs { get; }

    public Loss<float> Loss { get; }

    /// <summary>Whether training reads the label standardised (a regressor's: <see cref="LabelStandardisation"/>).</summary>
    public virtual bool StandardisesLabel => false;

    /// <summary>The task reading its label standardised by <paramref name="label"/>, for a task that <see cref="StandardisesLabel"/>.</summary>
    public virtual TaskAdapter WithStandardisation(LabelStandardisation label) =>
        throw new InvalidOperationException("Only a regressor's label is standardised.");

    /// <summary>How the label is standardised for training (<see cref="WithStandardisation"/>); null otherwise.</summary>
    public virtual LabelStandardisation? Standardisation => null;

    /// <summary>The label of the current row as the loss wants it, or an error naming the column and row.</summary>
    public abstract Func<long, float[]> LabelReader(DataViewRow row);

    /// <summary>The 0-based class of a 1-based label key, or an error naming the column, the row (and the step, for a tag):
    /// key 0 is a missing value, and a key past the label's classes can come from data that never went through
    /// MapValueToKey (ML.NET does not check key vectors that a class's [KeyType] property fills).</summary>
    protected float ClassOf(uint key, long position, int? step = null)
    {
        string where = $"Column '{LabelColumnName}', row {position}" + (step is { } t ? $", step {t}" : "");
        string what = step is null ? "label" : "tag";
        if (key == 0) throw new InvalidOperationException($"{where}: the {what} is missing (key 0: no value, or one that the fitted MapValueToKey did not see).");
        if (key > Outputs) throw new InvalidOperationException($"{where}: key {KeyColumns.Text(key)} is past the {Outputs} {what}s of the column's key type.");
        return key - 1;
    }

    /// <summary>The label as training reads it for a row of <paramref name="steps"/> steps (before MaximumLength cuts them),
    /// or an error naming the row when it does not fit them.</summary>
    public virtual float[] FitLabel(float[] label, int steps, long position, string featureColumnName) => label;

    /// <summary>Adds the task's outputs to the graph and returns their names.</summary>
    public abstract string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits);

    /// <summary>The transformers after the ONNX one that produce the standard columns (glue, then drop temporaries).</summary>
    public abstract IEnumerable<ITransformer> Tail(MLContext context, IDataView scored);

    /// <summary>What a task knows before any data: which labels it takes, which columns it adds, and how to bind to a schema.</summary>
    /// <param name="Label">A description of the label, for errors ("a Boolean label").</param>
    /// <param name="Accepts">Whether a label column of this shape will do.</param>
    /// <param name="AddOutputs">The output columns added to an input shape, given the label column (sizes are not part of a shape).</param>
    /// <param name="Create">The adapter for a label column that passed the check, with the trainer's options.</param>
    public sealed record TaskDefinition(string Label, Func<LabelShape, bool> Accepts, Func<SchemaShape, SchemaShape.Column, SchemaShape> AddOutputs,
        Func<DataViewSchema.Column, RecurrentTrainerOptions, TaskAdapter> Create)
    {
        /// <summary>The adapter for the data's label column, or an error naming the column and what was expected.</summary>
        public TaskAdapter Bind(DataViewSchema schema, RecurrentTrainerOptions options) => Create(FindLabel(schema, options.LabelColumnName), options);

        /// <summary>The label column, or an error naming it and what was expected.</summary>
        public SchemaShape.Column CheckLabel(SchemaShape schema, string labelColumnName)
        {
            var column = SchemaChecks.Find(schema, labelColumnName, Label);
            return Accepts(LabelShape.Of(column)) ? column
                : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{labelColumnName}' is {SchemaChecks.Describe(column)}; expected {Label}.");
        }

        /// <summary>The column after the same check as <see cref="CheckLabel"/>, on a schema with full types.</summary>
        private DataViewSchema.Column FindLabel(DataViewSchema schema, string labelColumnName)
        {
            var column = SchemaChecks.Find(schema, labelColumnName, Label);
            return Accepts(LabelShape.Of(column.Type)) ? column
                : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{labelColumnName}' is {column.Type}; expected {Label}.");
        }
    }

    /// <summary>The one place a task is mapped to its adapter.</summary>
    public static TaskDefinition For(RecurrentTask task) => task switch
    {
        RecurrentTask.BinaryClassification => BinaryTask.Definition,
        RecurrentTask.MulticlassClassification => MulticlassTask.Definition,
        RecurrentTask.Regression => RegressionTask.Definition,
        RecurrentTask.SequenceTagging => TaggingTask.Definition,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
    };

    /// <summary>A label column's shape, the same whether read from a schema shape or from a schema.</summary>
    public readonly record struct LabelShape(bool IsVector, bool IsKey, DataViewType ItemType)
    {
        public static LabelShape Of(SchemaShape.Column column) =>
            new(column.Kind != SchemaShape.Column.VectorKind.Scalar, column.IsKey, column.ItemType);

        public static LabelShape Of(DataViewType type)
        {
            var item = type is VectorDataViewType vector ? vector.ItemType : type;
            return new(type is VectorDataViewType, item is KeyDataViewType, item);
        }

        /// <summary>A scalar of exactly this (non-key) type.</summary>
        public bool IsScalar(DataViewType itemType) => !IsVector && !IsKey && ItemType == itemType;
    }

    /// <summary>The options' class weights, one per class in key order, or an error naming the label column.</summary>
    protected static double[]? ClassWeights(RecurrentTrainerOptions options, int classes, string label) => options.ClassWeights switch
    {
        null => null,
        { Count: var count } weights when count == classes => weights.ToArray(),
        var weights => throw new ArgumentOutOfRangeException(nameof(options),
            $"ClassWeights has {weights.Count} weights; column '{label}' has {classes} classes, so one weight per class is expected, in key order."),
    };

    /// <summary>Classes of a key label (or of each step's key, for a key vector).</summary>
    protected static class KeyCount
    {
        public static int Of(DataViewSchema.Column label, string unit, string expected)
        {
            var item = label.Type is VectorDataViewType vector ? vector.ItemType : label.Type;
            // A key type's count is its number of classes (or tags); ML.NET writes one as "0-0".
            string classes = item is KeyDataViewType { Count: > 0 } counted ? FormattableString.Invariant($" ({counted.Count:N0} {unit}{(counted.Count == 1 ? "" : unit.EndsWith('s') ? "es" : "s")})") : "";
            return item is KeyDataViewType { Count: >= 2 and <= 1_000_000 } key ? (int)key.Count
                : throw new ArgumentOutOfRangeException("schema", $"Column '{label.Name}' is {label.Type}{classes}; expected {expected}.");
        }
    }

    /// <summary>Output columns whose types carry two placeholder key values of the type the fitted model's have (the label's
    /// value type), so a MapKeyToValue after the trainer accepts them and promises the type it will give.</summary>
    protected static void WithKeyValues(SchemaDefinition.Column column, DataViewType type, SchemaShape.Column label)
    {
        column.ColumnType = type;
        LabelKeyValues.AddPlaceholders(column, label.Annotations.Where(annotation => annotation.Name == "KeyValues").Select(annotation => annotation.ItemType).FirstOrDefault());
    }
}
