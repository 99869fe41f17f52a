using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>Binary classification: a Boolean label, one logit, binary cross-entropy, Score / Probability / PredictedLabel.</summary>
internal sealed class BinaryTask : TaskAdapter
{
    public static readonly TaskDefinition Definition = new("a Boolean label", label => label.IsScalar(BooleanDataViewType.Instance),
        input => SchemaChecks.AddColumns<BinaryOutputs>(input, _ => { }),
        (label, _) => new BinaryTask(label.Name));

    private BinaryTask(string labelColumnName) : base(labelColumnName, outputs: 1, new BinaryCrossEntropy<float>())
    {
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

    public override string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits) => SingleOutput(g, logits, GlueColumns.Logit);

    public override IEnumerable<ITransformer> Tail(MLContext context, IDataView scored) =>
        Glue<BinaryLogit, BinaryOutputs>(context, scored, BinaryOutputsFactory.ContractName, BinaryOutputsFactory.Map, GlueColumns.Logit);
}
