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
