using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>Regression: a Single label, one output, mean squared error, Score.</summary>
internal sealed class RegressionTask : TaskAdapter
{
    public static readonly TaskDefinition Definition = new("a Single (float) label", label => label.IsScalar(NumberDataViewType.Single),
        input => SchemaChecks.AddColumns<RegressionOutputs>(input, _ => { }),
        (label, _) => new RegressionTask(label.Name));

    private RegressionTask(string labelColumnName) : base(labelColumnName, outputs: 1, new MeanSquaredError<float>())
    {
    }

    public override Func<long, float[]> LabelReader(DataViewRow row)
    {
        var getter = row.GetGetter<float>(row.Schema[LabelColumnName]);
        float label = 0;
        return position =>
        {
            getter(ref label);
            return float.IsFinite(label) ? [label] : throw new InvalidOperationException($"Column '{LabelColumnName}', row {position}: the label is missing ({label}).");
        };
    }

    public override string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits) => SingleOutput(g, logits, GlueColumns.Prediction);

    public override IEnumerable<ITransformer> Tail(MLContext context, IDataView scored) =>
        Glue<RegressionPrediction, RegressionOutputs>(context, scored, RegressionOutputsFactory.ContractName, RegressionOutputsFactory.Map, GlueColumns.Prediction);
}
