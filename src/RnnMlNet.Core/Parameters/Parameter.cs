namespace RnnMlNet.Core.Parameters;

/// <summary>A named tensor inside a <see cref="ParameterSet{T}"/>: where it starts in the flat buffer, and its shape.</summary>
public sealed class Parameter
{
    internal Parameter(string name, int offset, int[] shape)
    {
        Name = name;
        Offset = offset;
        Shape = shape;
        Length = shape.Aggregate(1, (product, dimension) => checked(product * dimension));
    }

    /// <summary>Dotted name, e.g. <c>layer0.forward.recurrent</c>.</summary>
    public string Name { get; }

    /// <summary>Position of the first element in <see cref="ParameterSet{T}.Values"/>.</summary>
    public int Offset { get; }

    /// <summary>Row-major shape in the engine's own layout.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}
