using System.Numerics;

namespace RnnMlNet.Core.Data;

/// <summary>
/// Features of a whole sequence, beside its steps (the "wide" input of a wide-and-deep network, such as the n-gram counts
/// of a text): a sparse vector, only its non-zero slots stored.
/// </summary>
public sealed class SideFeatures<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A sparse vector: <paramref name="values"/>[k] sits at slot <paramref name="indices"/>[k].</summary>
    public SideFeatures(int[] indices, T[] values)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        if (indices.Length != values.Length)
            throw new ArgumentException($"{indices.Length} indices for {values.Length} values: each value needs its slot.", nameof(indices));
        int negative = Array.FindIndex(indices, i => i < 0);
        if (negative >= 0) throw new ArgumentOutOfRangeException(nameof(indices), indices[negative], $"Index {negative} is negative.");
        int bad = Array.FindIndex(values, v => !T.IsFinite(v));
        if (bad >= 0) throw new ArgumentException($"The value at slot {indices[bad]} is {values[bad]}: side features must be finite.", nameof(values));
        Indices = indices;
        Values = values;
    }

    /// <summary>The slots of the non-zero values.</summary>
    public int[] Indices { get; }

    /// <summary>The non-zero values.</summary>
    public T[] Values { get; }
}
