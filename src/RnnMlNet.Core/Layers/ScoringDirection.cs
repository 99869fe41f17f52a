using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Runs one cell over a batch in one direction for scoring, with weights that no longer change: nothing is kept for
/// back-propagation, so one step of gate buffers is reused by every step, and W_h is packed once.
/// <para>Token input can gather its projection x·W_i + b from a table [V, G·H] built once (for embedded tokens, E·W_i + b),
/// so a step costs only the recurrent product and the gate arithmetic. Dense input forms its projection as training does
/// (<see cref="InputProjection"/>).</para>
/// <para>One sequence on a large enough cell is split by units between this thread and the <see cref="PartnerThread"/>
/// (<see cref="UnitShare{T}"/>).</para>
/// </summary>
internal sealed class ScoringDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Multiply-adds of a one-row step below which two threads meeting every step cost more than they save.</summary>
    private const long MinimumSplitWork = 1 << 15;

    private readonly RecurrentCell<T> _cell;
    private readonly DirectionRun<T> _run;
    private readonly PackedWeights<T> _recurrentWeights = new();
    private readonly T[]? _tokenTable;
    private readonly UnitShare<T>[]? _shares;
    private readonly Action<int>? _stepShare;
    private readonly Action<int, int, int> _step;
    private readonly StepBuffers<T> _steps;
    private T[]? _foldedTable;
    private bool _gatherEachStep;
    private int _splitStep;

    /// <param name="cell">A cell whose weights must not change afterwards.</param>
    /// <param name="reverse">Whether this is the backward direction of a bidirectional layer.</param>
    /// <param name="tokenTable">For token input: precompute x·W_i + b of every token id, gathered at each step.</param>
    /// <param name="embedding">The embedding E [V, E] the token ids are looked up in; null for one-hot ids.</param>
    /// <param name="threads">With two or more, and a step large enough, one sequence is scored on two threads.</param>
    public ScoringDirection(RecurrentCell<T> cell, bool reverse, bool tokenTable, Parameter? embedding, int threads)
    {
        _cell = cell;
        _run = new DirectionRun<T>(cell.HiddenSize, cell.HasCellState, reverse);
        _steps = new StepBuffers<T>(cell);
        _step = Step;
        if (tokenTable) _tokenTable = TokenTable(cell, embedding, threads);
        _recurrentWeights.Pack(cell.Parameters.Value(cell.RecurrentWeights), transposed: false, H, cell.GateWidth);
        if (threads >= 2 && (long)H * cell.GateWidth >= MinimumSplitWork)
        {
            _shares = [new UnitShare<T>(cell, 0, H / 2), new UnitShare<T>(cell, H / 2, H - H / 2)];
            _stepShare = StepShare;
        }
    }

    private int H => _cell.HiddenSize;

    /// <summary>x·W_i + b of every token id, [V, G·H]: rows of W_i for one-hot ids, of E·W_i for embedded ones.</summary>
    private static T[] TokenTable(RecurrentCell<T> cell, Parameter? embedding, int threads)
    {
        var p = cell.Parameters;
        int gw = cell.GateWidth, v = embedding?.Shape[0] ?? cell.InputSize;
        var table = new T[(long)v * gw];
        if (embedding is null) p.Value(cell.InputWeights).CopyTo(table);
        else InputProjection.FoldEmbedding(cell, embedding, table, threads);
        ReadOnlySpan<T> bias = cell.GateBias();
        for (int token = 0; token < v; token++)
        {
            Span<T> row = table.AsSpan(token * gw, gw);
            TensorPrimitives.Add<T>(row, bias, row);
        }
        return table;
    }

    /// <summary>Runs the direction over <paramref name="batch"/> from zero states. Token input reads the table when there is
    /// one (its ids index the table, whatever the width of <paramref name="input"/>).</summary>
    public void Forward(LayerInput<T> input, SequenceBatch<T> batch, int threads)
    {
        _run.Start(input, batch, default, default);
        int b = batch.Count, gw = _cell.GateWidth;
        long rows = (long)batch.MaxLength * b;
        _gatherEachStep = _tokenTable is not null && input.IsTokens;
        // Gathered projections need one step of rows; formed ones are made for every step at once, in one product.
        var projection = _steps.Ensure(_gatherEachStep ? b : rows, b);
        if (!_gatherEachStep) InputProjection.Form(_cell, _run.Input, projection, checked((int)rows), ref _foldedTable, threads);

        if (_shares is not null && b == 1)
        {
            ForwardSplitByUnits(batch.MaxLength);
            return;
        }
        _run.ForEachStep((long)H * gw, threads, _step);
    }

    /// <summary>Step t for the rows [first, first + rows): the gate and cache rows are scratch, reused by the next step.</summary>
    private void Step(int t, int first, int rows)
    {
        int gateRow = first;
        if (_gatherEachStep) GatherProjection(t, first, rows);
        else gateRow += t * _run.Batch.Count;
        var step = _steps.At(gateRow, scratchRow: first, rows, _recurrentWeights);
        _run.SetStates(ref step, t, first, rows);
        _cell.Forward(ref step, threads: 1);
    }

    /// <summary>The projection rows of step t, looked up by token id in the table.</summary>
    private void GatherProjection(int t, int first, int rows)
    {
        int b = _run.Batch.Count, gw = _cell.GateWidth;
        int[] tokens = _run.Input.Tokens!;
        for (int r = first; r < first + rows; r++)
            _tokenTable.AsSpan(tokens[t * b + r] * gw, gw).CopyTo(_steps.Gates.AsSpan(r * gw, gw));
    }

    /// <summary>
    /// Scoring one sequence on two threads: each runs the cell for its half of the units (reading all of h_{t-1}), and
    /// the two meet once per step, since the next step needs every unit. Each unit goes through the same arithmetic as on
    /// one thread, so the results are bit-identical. When another caller holds the partner thread, this one runs both
    /// halves itself.
    /// </summary>
    private void ForwardSplitByUnits(int steps)
    {
        bool partner = PartnerThread.TryAcquire();
        try
        {
            for (int t = 0; t < steps; t++)
            {
                _splitStep = t;
                if (partner) PartnerThread.Run(_stepShare!);
                else
                {
                    _stepShare!(0);
                    _stepShare(1);
                }
            }
        }
        finally
        {
            if (partner) PartnerThread.Release();
        }
    }

    /// <summary>Step <see cref="_splitStep"/> of the one-row batch for the units of share <paramref name="index"/>.</summary>
    private void StepShare(int index)
    {
        int t = _splitStep, gw = _cell.GateWidth;
        ReadOnlySpan<T> projection = _gatherEachStep ? _tokenTable.AsSpan(_run.Input.Tokens![t] * gw, gw) : _steps.Gates.AsSpan(t * gw, gw);
        bool cell = _cell.HasCellState;
        _shares![index].Forward(projection, _run.Hidden(t, 0, 1), _run.Hidden(t + 1, 0, 1),
            cell ? _run.Cell(t, 0, 1) : default, cell ? _run.Cell(t + 1, 0, 1) : default);
    }

    /// <summary>Writes each row's final h into columns [offset, offset + H) of rows of width <paramref name="width"/>.</summary>
    public void CopyFinalHidden(Span<T> rows, int width, int offset) => _run.CopyFinalState(rows, default, width, offset);

    /// <summary>Writes h_t, in natural time order, into columns [offset, offset + H) of rows of width <paramref name="width"/>.</summary>
    public void CopyOutputs(Span<T> output, int width, int offset) => _run.CopyOutputs(output, width, offset);
}
