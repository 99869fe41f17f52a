using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace RnnMlNet.Core.Tests;

/// <summary>Builds a one-node ONNX graph around a standard operator and runs it in ONNX Runtime: an implementation nobody here wrote.</summary>
internal sealed class OnnxOperatorHarness
{
    private readonly GraphProto _graph = new() { Name = "operator_under_test" };
    private readonly List<NamedOnnxValue> _feeds = new();

    public OnnxOperatorHarness(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = opType };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        foreach (var output in outputs.Where(o => o.Length > 0))
            _graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public void Initializer(string name, int[] shape, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        tensor.FloatData.AddRange(values);
        _graph.Initializer.Add(tensor);
    }

    public void Input(string name, int[] shape, float[] values) => AddInput(name, shape, TensorProto.Types.DataType.Float, new DenseTensor<float>(values, shape));

    public void Input(string name, int[] shape, int[] values) => AddInput(name, shape, TensorProto.Types.DataType.Int32, new DenseTensor<int>(values, shape));

    public Dictionary<string, float[]> Run()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "RnnMlNet.Tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 14 });
        using var session = new InferenceSession(model.ToByteArray());
        using var results = session.Run(_feeds);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    private void AddInput<TValue>(string name, int[] shape, TensorProto.Types.DataType type, DenseTensor<TValue> value)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (var d in shape) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        _graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } });
        _feeds.Add(NamedOnnxValue.CreateFromTensor(name, value));
    }
}
