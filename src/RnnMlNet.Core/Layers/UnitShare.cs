using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Units [First, First + Count) of a frozen cell, as a cell of their own, for scoring one sequence split by units between
/// two threads: the columns of W_h (and b_h) that feed them, gate block by gate block, packed for products with all H
/// units of h_{t-1}, and one step's scratch. The share runs its own cell's equations, so each unit goes through the same
/// arithmetic as in the whole cell.
/// </summary>
internal sealed class UnitShare<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentCell<T> _cell;
    private readonly PackedWeights<T> _weights = new();
    private readonly T[] _gates, _recurrentGates, _cache;

    public UnitShare(RecurrentCell<T> full, int first, int count)
    {
        First = first;
        Count = count;
        int h = full.HiddenSize, g = full.GateCount, width = g * count;
        var parameters = new ParameterSet<T>();
        _cell = RecurrentCell<T>.Create(full.Kind, parameters, "share", inputSize: 1, hiddenSize: count);
        var columns = new T[h * width];
        ReadOnlySpan<T> recurrent = full.Parameters.Value(full.RecurrentWeights);
        for (int k = 0; k < h; k++)
            for (int gate = 0; gate < g; gate++)
                recurrent.Slice(k * full.GateWidth + gate * h + first, count).CopyTo(columns.AsSpan(k * width + gate * count, count));
        _weights.Pack(columns, transposed: false, h, width, oneRowProducts: true);
        if (full.RecurrentBias is { } bias)
            for (int gate = 0; gate < g; gate++)
                full.Parameters.Value(bias).Slice(gate * h + first, count).CopyTo(parameters.Value(_cell.RecurrentBias!).Slice(gate * count, count));
        _gates = new T[width];
        _recurrentGates = new T[width];
        _cache = new T[_cell.CacheWidth];
    }

    public int First { get; }

    public int Count { get; }

    /// <summary>One step of a one-row batch for this share's units. <paramref name="projection"/> is the whole row's
    /// x_t·W_i + b [G·H]; the states are the whole layer's [H] rows, of which this share reads h_{t-1} entirely and
    /// writes only its own units.</summary>
    public void Forward(ReadOnlySpan<T> projection, ReadOnlySpan<T> hiddenPrev, Span<T> hidden, ReadOnlySpan<T> cellPrev, Span<T> cell)
    {
        int h = hiddenPrev.Length;
        for (int gate = 0; gate < _cell.GateCount; gate++)
            projection.Slice(gate * h + First, Count).CopyTo(_gates.AsSpan(gate * Count, Count));
        var step = new CellStep<T>
        {
            Rows = 1,
            Gates = _gates,
            RecurrentGates = _recurrentGates,
            RecurrentInput = hiddenPrev,
            HiddenPrev = hiddenPrev.Slice(First, Count),
            Hidden = hidden.Slice(First, Count),
            Cache = _cache,
            RecurrentWeights = _weights,
        };
        if (_cell.HasCellState)
        {
            step.CellPrev = cellPrev.Slice(First, Count);
            step.Cell = cell.Slice(First, Count);
        }
        _cell.Forward(ref step, threads: 1);
    }
}
