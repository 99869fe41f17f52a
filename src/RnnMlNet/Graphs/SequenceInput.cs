namespace RnnMlNet.Graphs;

/// <summary>How a feature column holds its sequences.</summary>
internal enum SequenceInputKind
{
    /// <summary>A vector of keys (1-based, 0 = unknown): one token per step.</summary>
    Keys,

    /// <summary>A [T, V] indicator vector from <c>OneHotSequence</c>: one one-hot row per step, zero rows are padding.</summary>
    OneHotSteps,

    /// <summary>A float vector of steps, <see cref="SequenceInput.Width"/> values per step.</summary>
    Features,
}

/// <summary>A float-vector column of side features beside the sequence (the wide part of wide and deep).</summary>
/// <param name="ColumnName">Name of the column, which is also the ONNX input's name.</param>
/// <param name="Size">S: slots per row (the column's known size).</param>
internal sealed record SideInput(string ColumnName, int Size);

/// <summary>The feature column as the recurrent graph reads it, with the side-feature column when there is one.</summary>
/// <param name="Kind">Layout of the column.</param>
/// <param name="ColumnName">Name of the column, which is also the ONNX input's name.</param>
/// <param name="Width">Keys: the key count; one-hot steps: V; features: values per step.</param>
/// <param name="Steps">One-hot steps: T; otherwise 0 (the length varies).</param>
/// <param name="MaximumLength">Longer sequences keep their first MaximumLength steps; 0 keeps every step.</param>
/// <param name="FixedSize">Values per row of a known-size column (the ONNX input must declare it); 0 for a variable-size column.</param>
/// <param name="Side">The side-feature column of a wide-and-deep model; null for none.</param>
/// <param name="KeyType">Keys: the ONNX element type of their raw values (UInt8 to UInt64).</param>
internal sealed record SequenceInput(SequenceInputKind Kind, string ColumnName, int Width, int Steps, int MaximumLength = 0, int FixedSize = 0, SideInput? Side = null,
    global::Onnx.TensorProto.Types.DataType KeyType = global::Onnx.TensorProto.Types.DataType.Uint32)
{
    /// <summary>The columns the graph reads: the sequence, then the side features.</summary>
    public string[] ColumnNames => Side is null ? [ColumnName] : [ColumnName, Side.ColumnName];

    /// <summary>The ONNX input's second dimension: the known size, or a symbol.</summary>
    public object LengthDimension(string symbol) => FixedSize > 0 ? FixedSize : symbol;
}
