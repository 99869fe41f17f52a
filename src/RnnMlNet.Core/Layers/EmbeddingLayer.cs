using System.Numerics;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Token ids to dense vectors: x_t = E[token_t]. Forward is a row gather, backward a scatter-add into ∂E.
/// Padding (-1) gives a zero row.
/// </summary>
internal sealed class EmbeddingLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;
    private T[]? _output;
    private int[] _tokens = Array.Empty<int>();

    public EmbeddingLayer(ParameterSet<T> parameters, string name, int vocabularySize, int width)
    {
        _parameters = parameters;
        Width = width;
        Table = parameters.Register(name, vocabularySize, width);
    }

    public Parameter Table { get; }

    public int Width { get; }

    public T[] Forward(int[] tokens)
    {
        _tokens = tokens;
        var output = Buffers.Ensure(ref _output, (long)tokens.Length * Width);
        ReadOnlySpan<T> table = _parameters.Value(Table);
        for (int r = 0; r < tokens.Length; r++)
        {
            Span<T> row = output.AsSpan(r * Width, Width);
            if (tokens[r] < 0) row.Clear();
            else table.Slice(tokens[r] * Width, Width).CopyTo(row);
        }
        return output;
    }

    public void Backward(ReadOnlySpan<T> outputGrad)
    {
        Span<T> tableGrad = _parameters.Gradient(Table);
        for (int r = 0; r < _tokens.Length; r++)
        {
            if (_tokens[r] < 0) continue;
            Span<T> row = tableGrad.Slice(_tokens[r] * Width, Width);
            System.Numerics.Tensors.TensorPrimitives.Add<T>(row, outputGrad.Slice(r * Width, Width), row);
        }
    }
}
