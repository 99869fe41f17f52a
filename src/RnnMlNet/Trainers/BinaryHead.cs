using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Glue;
using RnnMlNet.Onnx;

namespace RnnMlNet.Trainers;

/// <summary>Binary classification: one logit, binary cross-entropy, Score / Probability / PredictedLabel.</summary>
internal sealed class BinaryHead : TaskHead
{
    public BinaryHead(DataViewSchema schema, string labelColumnName) : base(labelColumnName) =>
        CheckScalar(schema, labelColumnName, BooleanDataViewType.Instance, "a Boolean label");

    public override int Outputs => 1;

    public override Loss<float> Loss { get; } = new BinaryCrossEntropy<float>();

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
