using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;

namespace RnnMlNet.Trainers;

/// <summary>Binary classification: a Boolean label, one logit, binary cross-entropy, Score / Probability / PredictedLabel.</summary>
internal sealed class BinaryTask(string labelColumnName, double[]? classWeights) : SingleOutputTask<BinaryLogit, BinaryOutputs>(labelColumnName,
    classWeights is [var negative, var positive] ? new BinaryCrossEntropy<float>(negative, positive) : new BinaryCrossEntropy<float>(),
    GlueColumns.Logit, BinaryOutputsFactory.ContractName, BinaryOutputsFactory.Map)
{
    public static readonly TaskDefinition Definition = new("a Boolean label", label => label.IsScalar(BooleanDataViewType.Instance),
        (input, _) => SchemaChecks.AddColumns<BinaryOutputs>(input, _ => { }),
        (label, options) => new BinaryTask(label.Name, ClassWeights(options, 2, label.Name)));

    /// <summary>
    /// Refuses training data whose labels are all one class before any training, as a network trained on it only learns to
    /// answer that class: more often a label read or mapped wrongly than meant. Reads the label column alone, up to the
    /// first row of the other class.
    /// </summary>
    public static void CheckBothClasses(IDataView data, string labelColumnName, CancellationToken cancellation)
    {
        var column = data.Schema[labelColumnName];
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<bool>(column);
        bool label = false, first = false;
        long rows = 0;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            getter(ref label);
            if (rows++ == 0) first = label;
            else if (label != first) return;
        }
        if (rows > 0)
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{labelColumnName}': all {rows:N0} training rows are {(first ? "true" : "false")}; " +
                "a binary classifier needs rows of both classes. Check how the label is loaded or mapped (e.g. a text or number column read as Boolean).");
    }

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = row.GetGetter<bool>(row.Schema[LabelColumnName]);
        bool label = false;
        return _ =>
        {
            getter(ref label);
            return [label ? 1f : 0f];
        };
    }
}
