using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;

namespace RnnMlNet.Trainers;

/// <summary>Regression: a Single label, one output, mean squared error, Score.</summary>
internal sealed class RegressionTask(string labelColumnName) : SingleOutputTask<RegressionPrediction, RegressionOutputs>(labelColumnName, new MeanSquaredError<float>(),
    GlueColumns.Prediction, RegressionOutputsFactory.ContractName, RegressionOutputsFactory.Map)
{
    public static readonly TaskDefinition Definition = new("a Single (float) label", label => label.IsScalar(NumberDataViewType.Single),
        (input, _) => SchemaChecks.AddColumns<RegressionOutputs>(input, _ => { }),
        (label, _) => new RegressionTask(label.Name));

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = row.GetGetter<float>(row.Schema[LabelColumnName]);
        float label = 0;
        return position =>
        {
            getter(ref label);
            return float.IsFinite(label) ? [label] : throw new InvalidOperationException($"Column '{LabelColumnName}', row {position}: the label is {(float.IsNaN(label) ? "missing (NaN)" : $"{label}")}; expected a finite number.");
        };
    }
}
