using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Maths;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// The rows a cell's steps write besides the states: gate pre-activations [·, G·H] (the input projection going in),
/// GRU's recurrent gates [·, G·H] and the cache [·, CacheWidth]. Training keeps rows for every step, for backward;
/// scoring keeps one step's, reused by the next.
/// </summary>
internal sealed class StepBuffers<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentCell<T> _cell;
    private T[]? _gates, _recurrentGates, _cache;

    public StepBuffers(RecurrentCell<T> cell) => _cell = cell;

    /// <summary>Gate pre-activations, or their gradients after backward.</summary>
    public T[] Gates => _gates!;

    /// <summary>GRU only: h_{t-1}·W_h + b_h, or its gradient after backward.</summary>
    public T[] RecurrentGates => _recurrentGates!;

    /// <summary>Grows the buffers to <paramref name="gateRows"/> rows of gates and <paramref name="scratchRows"/> rows of the
    /// others; returns <see cref="Gates"/>.</summary>
    public T[] Ensure(long gateRows, long scratchRows)
    {
        int gw = _cell.GateWidth;
        Buffers.Ensure(ref _cache, scratchRows * _cell.CacheWidth);
        if (_cell.RecurrentBias is not null) Buffers.Ensure(ref _recurrentGates, scratchRows * gw);
        return Buffers.Ensure(ref _gates, gateRows * gw);
    }

    /// <summary>A step of <paramref name="rows"/> rows reading gates from row <paramref name="gateRow"/> on and the other
    /// buffers from row <paramref name="scratchRow"/> on; the caller sets the states.</summary>
    public CellStep<T> At(int gateRow, int scratchRow, int rows, PackedWeights<T> recurrentWeights)
    {
        int gw = _cell.GateWidth;
        return new CellStep<T>
        {
            Rows = rows,
            Gates = _gates.AsSpan(gateRow * gw, rows * gw),
            RecurrentGates = _cell.RecurrentBias is null ? default : _recurrentGates.AsSpan(scratchRow * gw, rows * gw),
            Cache = _cache.AsSpan(scratchRow * _cell.CacheWidth, rows * _cell.CacheWidth),
            RecurrentWeights = recurrentWeights,
        };
    }
}
