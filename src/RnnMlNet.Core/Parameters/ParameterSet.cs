using System.Numerics;

namespace RnnMlNet.Core.Parameters;

/// <summary>
/// Every weight of a network in one flat buffer, with a gradient buffer of the same layout.
/// One buffer makes the optimizers, gradient clipping, the global norm, finite-difference
/// checks and "keep the last good weights" single loops over contiguous memory.
/// </summary>
public sealed class ParameterSet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Parameter> _entries = new();
    private T[] _values = Array.Empty<T>();
    private T[] _gradients = Array.Empty<T>();
    private int _length;

    /// <summary>The parameters in registration order.</summary>
    public IReadOnlyList<Parameter> Entries => _entries;

    /// <summary>Total number of trainable scalars.</summary>
    public int Count => _length;

    /// <summary>All values, flat.</summary>
    public T[] Values => _values;

    /// <summary>All gradients, flat, in the same layout as <see cref="Values"/>.</summary>
    public T[] Gradients => _gradients;

    /// <summary>Looks a parameter up by name.</summary>
    public Parameter this[string name] =>
        _entries.FirstOrDefault(e => e.Name == name)
        ?? throw new KeyNotFoundException($"No parameter named '{name}'. Known: {string.Join(", ", _entries.Select(e => e.Name))}.");

    internal Parameter Register(string name, params int[] shape)
    {
        if (shape.Any(d => d < 1))
            throw new ArgumentException($"Parameter '{name}' has a non-positive dimension: [{string.Join(", ", shape)}].");
        // Every weight lives in one array: a network past its largest length is refused here, before any of it is allocated.
        long total = _length + shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (total > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(shape), $"The network is too large: its weight '{name}' [{string.Join(", ", shape)}] brings it to " +
                FormattableString.Invariant($"{total:N0} values, more than one array holds ({Array.MaxLength:N0}). Lower HiddenSize, EmbeddingSize, Layers, the vocabulary or FeaturesPerStep."));
        var parameter = new Parameter(name, _length, shape);
        _entries.Add(parameter);
        _length = checked(_length + parameter.Length);
        Array.Resize(ref _values, _length);
        Array.Resize(ref _gradients, _length);
        return parameter;
    }

    /// <summary>The values of one parameter.</summary>
    public Span<T> Value(Parameter p) => _values.AsSpan(p.Offset, p.Length);

    /// <summary>The gradient of one parameter.</summary>
    public Span<T> Gradient(Parameter p) => _gradients.AsSpan(p.Offset, p.Length);

    /// <summary>Sets every gradient to zero, before a new backward pass accumulates into them.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);
}
