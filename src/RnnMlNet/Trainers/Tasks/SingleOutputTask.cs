using Microsoft.ML;
using RnnMlNet.Core.Losses;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// A task with one output per sequence (binary classification, regression): the graph's single value [N, 1] under
/// <paramref name="outputName"/>, turned into ML.NET's scalar columns by stateless CustomMapping glue.
/// </summary>
internal abstract class SingleOutputTask<TGlueInput, TGlueOutput>(string labelColumnName, Loss<float> loss, string outputName, string contractName,
    Action<TGlueInput, TGlueOutput> glue) : TaskAdapter(labelColumnName, outputs: 1, loss)
    where TGlueInput : class, new() where TGlueOutput : class, new()
{
    public override string[] AddOnnxOutputs(OnnxGraphBuilder g, string logits)
    {
        g.Node("Identity", [logits], outputName);
        g.Output(outputName, global::Onnx.TensorProto.Types.DataType.Float, "N", 1);
        return [outputName];
    }

    public override IEnumerable<ITransformer> Tail(MLContext context, IDataView scored)
    {
        var mapping = context.Transforms.CustomMapping(glue, contractName).Fit(scored);
        return [mapping, context.Transforms.DropColumns(outputName).Fit(mapping.Transform(scored))];
    }
}
