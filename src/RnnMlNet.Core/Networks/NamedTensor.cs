namespace RnnMlNet;

/// <summary>A named tensor: row-major values and their shape (weights in ONNX layout, as the engine exports and imports them).</summary>
public sealed record NamedTensor<T>(string Name, int[] Shape, T[] Values);
