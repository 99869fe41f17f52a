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
    /// Refuses training rows whose labels are all one class, before any training, as a network trained on them only learns
    /// to answer that class: the rows <paramref name="split"/> leaves for training (by position, or by the group of
    /// <paramref name="groups"/>), which <paramref name="member"/> of an ensemble names. Reads the label (and group) column
    /// alone, up to the first training row of the other class.
    /// </summary>
    public static void CheckBothClasses(IDataView data, string labelColumnName, ValidationSplit split, DataViewSchema.Column? groups,
        string? member, CancellationToken cancellation)
    {
        var label = data.Schema[labelColumnName];
        using var cursor = data.GetRowCursor(groups is { } key ? [label, key] : [label]);
        var getter = cursor.GetGetter<bool>(label);
        var readGroup = groups is { } column ? SamplingKey.Reader(cursor, column) : null;
        bool value = false, first = false;
        long rows = 0;
        var heldOut = new HashSet<bool>();
        for (long position = 0; cursor.MoveNext(); position++)
        {
            cancellation.ThrowIfCancellationRequested();
            getter(ref value);
            if (split.IsValidation(readGroup?.Invoke() ?? position)) heldOut.Add(value);
            else if (rows++ == 0) first = value;
            else if (value != first) return;
        }
        if (rows == 0) return;
        string only = first ? "true" : "false";
        throw new ArgumentOutOfRangeException("trainData", heldOut.Contains(!first)
            ? $"Column '{labelColumnName}': the rows held out for validation{(member is null ? "" : $" by {member},")} took every {(first ? "false" : "true")} one, " +
                FormattableString.Invariant($"leaving {rows:N0} training rows that are all {only}; a binary classifier needs rows of both classes. Hold out otherwise (ValidationFraction, ") +
                "HoldOutLastRows, Seed) or give Fit(train, validation) validation data."
            : FormattableString.Invariant($"Column '{labelColumnName}': all {rows:N0} training rows are {only}; a binary classifier needs rows of both classes. Check how the label is loaded ") +
                "or mapped (e.g. a text or number column read as Boolean); a split or cross-validation fold of imbalanced data can also leave one class (stratify, or use fewer folds).");
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
