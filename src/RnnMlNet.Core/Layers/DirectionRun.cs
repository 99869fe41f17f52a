using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// What one direction's pass over a batch reads and produces, the same for training and for scoring: its input in its
/// own time order, and h_t (and C_t) of every step, slot t+1 holding step t and slot 0 the initial state, [(T+1)·B, H].
/// A reverse direction reads its input reversed within each sequence's length, so its "final" state is the state after
/// the first step, as in the ONNX operators.
/// </summary>
internal sealed class DirectionRun<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _reversedDense, _hidden, _cell;
    private int[]? _reversedTokens;

    public DirectionRun(int hiddenSize, bool hasCellState, bool reverse)
    {
        H = hiddenSize;
        HasCellState = hasCellState;
        Reverse = reverse;
    }

    public int H { get; }

    public bool HasCellState { get; }

    public bool Reverse { get; }

    public SequenceBatch<T> Batch { get; private set; } = null!;

    /// <summary>The input of the current pass in this direction's own time order.</summary>
    public LayerInput<T> Input { get; private set; }

    /// <summary>Starts a pass: reverses the input if needed and sets slot 0 from <paramref name="initialHidden"/> and
    /// <paramref name="initialCell"/> ([B, H], or empty for zeros).</summary>
    public void Start(LayerInput<T> input, SequenceBatch<T> batch, ReadOnlySpan<T> initialHidden, ReadOnlySpan<T> initialCell)
    {
        Batch = batch;
        int b = batch.Count;
        long slots = ((long)batch.MaxLength + 1) * b * H;
        Input = Reverse ? ReverseInput(input, batch) : input;
        Buffers.Ensure(ref _hidden, slots);
        CopyOrClear(initialHidden, _hidden.AsSpan(0, b * H));
        if (!HasCellState) return;
        Buffers.Ensure(ref _cell, slots);
        CopyOrClear(initialCell, _cell.AsSpan(0, b * H));
    }

    /// <summary>
    /// Runs <paramref name="step"/>(t, first, rows) for every step in order, for the rows still inside their sequence.
    /// Row r of h_t depends only on row r of h_{t-1}: each thread runs every step for its own rows, with no
    /// synchronisation between steps.
    /// </summary>
    public void ForEachStep(long workPerRowStep, int threads, Action<int, int, int> step)
    {
        var batch = Batch;
        int b = batch.Count, steps = batch.MaxLength;
        StepCancellation.ForRows(b, steps * workPerRowStep, threads, (first, end, cancelled) =>
        {
            for (int t = 0; t < steps && !cancelled(); t++)
            {
                int n = Math.Clamp(batch.ActiveRows[t], first, end);
                // Finished rows output zeros, as the ONNX operators do with sequence_lens.
                Hidden(t + 1, n, end - n).Clear();
                if (HasCellState) Cell(t + 1, n, end - n).Clear();
                if (n > first) step(t, first, n - first);
            }
        });
    }

    /// <summary>h in slot <paramref name="slot"/> (step slot − 1) for the rows [first, first + rows).</summary>
    public Span<T> Hidden(int slot, int first, int rows) => _hidden.AsSpan((slot * Batch.Count + first) * H, rows * H);

    /// <summary>C in slot <paramref name="slot"/> for the rows [first, first + rows); LSTM only.</summary>
    public Span<T> Cell(int slot, int first, int rows) => _cell.AsSpan((slot * Batch.Count + first) * H, rows * H);

    /// <summary>Sets the state spans of step t for the rows [first, first + rows): h_{t-1}, h_t (and C_{t-1}, C_t).</summary>
    public void SetStates(ref CellStep<T> step, int t, int first, int rows)
    {
        step.HiddenPrev = Hidden(t, first, rows);
        step.Hidden = Hidden(t + 1, first, rows);
        if (!HasCellState) return;
        step.CellPrev = Cell(t, first, rows);
        step.Cell = Cell(t + 1, first, rows);
    }

    /// <summary>Copies each row's final state (after its own last step) into columns [offset, offset + H) of rows of width
    /// <paramref name="width"/>; <paramref name="cell"/> may be empty.</summary>
    public void CopyFinalState(Span<T> hidden, Span<T> cell, int width, int offset)
    {
        for (int row = 0; row < Batch.Count; row++)
        {
            int slot = Batch.Lengths[row];
            Hidden(slot, row, 1).CopyTo(hidden.Slice(row * width + offset, H));
            if (HasCellState && !cell.IsEmpty) Cell(slot, row, 1).CopyTo(cell.Slice(row * width + offset, H));
        }
    }

    /// <summary>Writes h_t, in natural time order, into columns [offset, offset + H) of rows of width <paramref name="width"/>.</summary>
    public void CopyOutputs(Span<T> output, int width, int offset)
    {
        int b = Batch.Count;
        for (int t = 0; t < Batch.MaxLength; t++)
        {
            for (int row = 0; row < b; row++)
            {
                Span<T> to = output.Slice((t * b + row) * width + offset, H);
                int own = OwnStep(t, row);
                if (own < 0) to.Clear();
                else Hidden(own + 1, row, 1).CopyTo(to);
            }
        }
    }

    /// <summary>The step of this direction's own run that corresponds to natural step t of a row, or -1 on padding.</summary>
    public int OwnStep(int t, int row)
    {
        int length = Batch.Lengths[row];
        if (t >= length) return -1;
        return Reverse ? length - 1 - t : t;
    }

    public static void CopyOrClear(ReadOnlySpan<T> source, Span<T> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.Slice(0, destination.Length).CopyTo(destination);
    }

    private LayerInput<T> ReverseInput(LayerInput<T> input, SequenceBatch<T> batch)
    {
        long rows = (long)batch.MaxLength * batch.Count;
        if (input.IsTokens)
        {
            var reversed = Buffers.Ensure(ref _reversedTokens, rows);
            SequenceReversal.Reverse<int>(input.Tokens, reversed, 1, batch.Lengths, batch.MaxLength, -1);
            return input with { Tokens = reversed };
        }
        var dense = Buffers.Ensure(ref _reversedDense, rows * input.Width);
        SequenceReversal.Reverse<T>(input.Dense, dense, input.Width, batch.Lengths, batch.MaxLength, T.Zero);
        return input with { Dense = dense };
    }
}
