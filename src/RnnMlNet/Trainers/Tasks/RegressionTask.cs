using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;

namespace RnnMlNet.Trainers;

/// <summary>Regression: a Single label, one output, mean squared error, Score. For training, the label is read standardised
/// by the training rows' mean and standard deviation (<see cref="LabelStandardisation"/>).</summary>
internal sealed class RegressionTask(string labelColumnName, LabelStandardisation? standardisation = null)
    : SingleOutputTask<RegressionPrediction, RegressionOutputs>(labelColumnName, new MeanSquaredError<float>(),
    GlueColumns.Prediction, RegressionOutputsFactory.ContractName, RegressionOutputsFactory.Map)
{
    public static readonly TaskDefinition Definition = new("a Single (float) label", label => label.IsScalar(NumberDataViewType.Single),
        (input, _) => SchemaChecks.AddColumns<RegressionOutputs>(input, _ => { }),
        (label, _) => new RegressionTask(label.Name));

    public override LabelStandardisation? Standardisation => standardisation;

    public override bool StandardisesLabel => true;

    public override TaskAdapter WithStandardisation(LabelStandardisation label) => new RegressionTask(LabelColumnName, label);

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = row.GetGetter<float>(row.Schema[LabelColumnName]);
        float label = 0;
        return position =>
        {
            getter(ref label);
            if (!float.IsFinite(label))
                throw new InvalidOperationException($"Column '{LabelColumnName}', row {position}: the label is {(float.IsNaN(label) ? "missing (NaN)" : $"{label}")}; expected a finite number.");
            return [standardisation is null ? label : standardisation.Standardise(label)];
        };
    }
}
