using Google.Protobuf;
using Onnx;

namespace RnnMlNet.Graphs;

/// <summary>
/// Builds an ONNX model in memory from standard operators (opset 14, IR version 8): named inputs with
/// symbolic or fixed dimensions, initializers, nodes and outputs. Every initializer added is used by a node,
/// since ONNX Runtime warns about unused ones.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const int OpsetVersion = 14;

    /// <summary>The ONNX-ML operator set, imported only by graphs that use one of its operators.</summary>
    private const string MachineLearningDomain = "ai.onnx.ml";

    private bool _usesMachineLearningDomain;
    private readonly GraphProto _graph;
    private readonly Dictionary<string, string> _metadata = new();
    private readonly HashSet<string> _initializers = new();
    private readonly string _namePrefix;
    private int _nextName;

    /// <summary>Starts a graph. A subgraph (a Loop body) gets its own <paramref name="namePrefix"/> so its names never clash with the outer graph's.</summary>
    public OnnxGraphBuilder(string name, string namePrefix = "")
    {
        _graph = new GraphProto { Name = name };
        _namePrefix = namePrefix;
    }

    /// <summary>Declares a graph input. A dimension is an int (fixed) or a string (symbolic).</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a graph output produced by a node.</summary>
    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    public string Floats(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Float, shape);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int32 constant of one dimension.</summary>
    public string Ints32(string name, params int[] values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Int32, [values.Length]);
        tensor.Int32Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>The graph's description, which tools such as Netron show.</summary>
    public void DocString(string text) => _graph.DocString = text;

    /// <summary>A 0-dimensional int64 constant.</summary>
    public string ScalarLong(string name, long value)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Int64, []);
        tensor.Int64Data.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 constant with the given shape and values (a dimension may be 0).</summary>
    public string LongTensor(string name, int[] shape, params long[] values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Int64, shape);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A bool constant with the given shape and values.</summary>
    public string BoolTensor(string name, int[] shape, params bool[] values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Bool, shape);
        tensor.Int32Data.AddRange(values.Select(v => v ? 1 : 0));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 0-dimensional bool constant.</summary>
    public string ScalarBool(string name, bool value)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Bool, []);
        tensor.Int32Data.Add(value ? 1 : 0);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Longs(string name, params long[] values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.Int64, [values.Length]);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Strings(string name, IReadOnlyList<string> values)
    {
        var tensor = Tensor(name, TensorProto.Types.DataType.String, [values.Count]);
        tensor.StringData.AddRange(values.Select(ByteString.CopyFromUtf8));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name (given, or a fresh one).</summary>
    public string Node(string opType, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes) =>
        MultiOutputNode(opType, inputs, [output ?? Fresh(opType)], attributes)[0];

    /// <summary>Adds a node with several outputs (an empty name skips an optional output).</summary>
    public string[] MultiOutputNode(string opType, IEnumerable<string> inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType + "_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>
    /// Names the slots of the vector output <paramref name="output"/> for ML.NET. ML.NET's OnnxTransformer gives a
    /// column the slot names it finds in a node named <c>mlnet.{output}.SlotNames</c> (the <c>keys_strings</c> of a
    /// LabelEncoder, the form ML.NET's own ONNX export writes); nothing reads the node's result, which is not an output.
    /// </summary>
    public void SlotNames(string output, IReadOnlyList<string> names)
    {
        _usesMachineLearningDomain = true;
        string name = $"mlnet.{output}.SlotNames";
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        keys.Strings.AddRange(names.Select(ByteString.CopyFromUtf8));
        var node = new NodeProto { OpType = "LabelEncoder", Domain = MachineLearningDomain, Name = name };
        node.Input.Add(Strings($"{name}.input", [names[0]]));
        node.Output.Add($"{name}.unused");
        node.Attribute.Add(keys);
        node.Attribute.Add(Ints("values_int64s", Enumerable.Range(0, names.Count).Select(i => (long)i).ToArray()));
        _graph.Node.Add(node);
    }

    /// <summary>
    /// Copies the nodes and initializers of <paramref name="part"/>, a graph built on its own with this graph's input names,
    /// into this graph with every name but the inputs' prefixed by <paramref name="prefix"/>: several networks built by the
    /// same code, with the same constant names, live side by side this way. The part's inputs become this graph's (once);
    /// its outputs are not declared. Returns the name a part's value has here.
    /// </summary>
    public Func<string, string> Include(OnnxGraphBuilder part, string prefix)
    {
        var inputs = part._graph.Input.Select(i => i.Name).ToHashSet();
        string Renamed(string name) => name.Length == 0 || inputs.Contains(name) ? name : prefix + name;
        foreach (var input in part._graph.Input)
            if (_graph.Input.All(i => i.Name != input.Name)) _graph.Input.Add(input.Clone());
        foreach (var initializer in part._graph.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = Renamed(initializer.Name);
            if (!_initializers.Add(copy.Name)) throw new InvalidOperationException($"Graph '{_graph.Name}' already has an initializer named '{copy.Name}'.");
            _graph.Initializer.Add(copy);
        }
        foreach (var node in part._graph.Node)
        {
            // A subgraph reads outer names that the renaming would have to follow into it; the parts included have none.
            if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
                throw new NotSupportedException($"Node '{node.Name}' holds a subgraph, which Include does not rename.");
            var copy = node.Clone();
            copy.Name = prefix + node.Name;
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(Renamed));
            copy.Output.Clear();
            copy.Output.AddRange(node.Output.Select(Renamed));
            _graph.Node.Add(copy);
        }
        _usesMachineLearningDomain |= part._usesMachineLearningDomain;
        return Renamed;
    }

    /// <summary>Stores a key/value pair in the model's metadata (metadata_props).</summary>
    public void Metadata(string key, string value) => _metadata[key] = value;

    /// <summary>Copies <paramref name="stored"/>'s metadata but its digest: <see cref="ToBytes"/> seals this graph with a
    /// digest of its own, and a second, stale one made the written file read as altered.</summary>
    public void MetadataFrom(ModelProto stored)
    {
        foreach (var entry in stored.MetadataProps.Where(p => p.Key != Onnx.ModelIntegrity.DigestKey)) Metadata(entry.Key, entry.Value);
    }

    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "RnnMlNet", ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (_usesMachineLearningDomain)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MachineLearningDomain, Version = 2 });
        foreach (var (key, value) in _metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Onnx.ModelIntegrity.Seal(model);
        return model.ToByteArray();
    }

    /// <summary>x·W + b (MatMul then Add): the output layer of the engine, in ONNX.</summary>
    public string Affine(string x, string weights, string bias, string? output = null) => Node("Add", [Node("MatMul", [x, weights]), bias], output);

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A graph-valued attribute, such as a Loop's body.</summary>
    public static AttributeProto Subgraph(string name, OnnxGraphBuilder body) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = body._graph };

    public static AttributeProto Text(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private string Fresh(string prefix) => $"{_namePrefix}{prefix}_{_nextName++}";

    private TensorProto Tensor(string name, TensorProto.Types.DataType type, IReadOnlyList<int> shape)
    {
        // ONNX Runtime takes the last of two initializers of one name (with a warning): two constants meant apart would merge.
        if (!_initializers.Add(name)) throw new InvalidOperationException($"Graph '{_graph.Name}' already has an initializer named '{name}'.");
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (var dim in dims)
        {
            tensorType.Shape.Dim.Add(dim switch
            {
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => throw new ArgumentException($"Dimension {dim} is neither an int nor a string."),
            });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
