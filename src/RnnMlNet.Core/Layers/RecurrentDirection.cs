using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Runs one cell over a whole batch in one direction for training, and back-propagates through time.
/// <para>Forward: the input projection x·W_i + b for all T·B rows is one product (or a row gather for tokens,
/// <see cref="InputProjection"/>); then each step adds h_{t-1}·W_h for the rows still inside their sequence. Every step's
/// gate buffers and cache are kept for backward.</para>
/// <para>Backward: each step turns ∂L/∂h_t into gate gradients; the weight gradients of all steps are then
/// formed by one product each: ∂W_h = Σ_t h_{t-1}ᵀ·∂z_t, ∂W_i = Σ_t x_tᵀ·∂z_t, ∂b = Σ_t ∂z_t.</para>
/// Scoring, which keeps nothing for backward, is <see cref="ScoringDirection{T}"/>.
/// </summary>
internal sealed class RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _foldedTable, _reversedInputGrad, _hiddenGrad, _carryHidden, _carryCell, _inputGrad;
    private readonly PackedWeights<T> _recurrentWeights = new();
    private readonly DirectionRun<T> _run;
    private readonly StepBuffers<T> _steps;
    private readonly Action<int, int, int> _forwardStep;

    public RecurrentDirection(RecurrentCell<T> cell, bool reverse)
    {
        Cell = cell;
        _run = new DirectionRun<T>(cell.HiddenSize, cell.HasCellState, reverse);
        _steps = new StepBuffers<T>(cell);
        _forwardStep = ForwardStep;
    }

    public RecurrentCell<T> Cell { get; }

    /// <summary>Whether this is the backward direction of a bidirectional layer: it reads each sequence from its end.</summary>
    public bool Reverse => _run.Reverse;

    private int H => Cell.HiddenSize;

    private SequenceBatch<T> Batch => _run.Batch;

    private LayerInput<T> Input => _run.Input;

    /// <summary>∂L/∂x of the last backward pass, [T·B, I], in natural time order.</summary>
    public ReadOnlySpan<T> InputGradient => _inputGrad;

    /// <summary>∂L/∂h_0 of the last backward pass, [B, H].</summary>
    public ReadOnlySpan<T> InitialHiddenGradient => _carryHidden.AsSpan(0, Batch.Count * H);

    /// <summary>∂L/∂C_0 of the last backward pass, [B, H] (LSTM).</summary>
    public ReadOnlySpan<T> InitialCellGradient => _carryCell.AsSpan(0, Batch.Count * H);

    public void Forward(LayerInput<T> input, SequenceBatch<T> batch, ReadOnlySpan<T> initialHidden, ReadOnlySpan<T> initialCell, int threads)
    {
        _run.Start(input, batch, initialHidden, initialCell);
        int gw = Cell.GateWidth;
        long rows = (long)batch.MaxLength * batch.Count;
        var projection = _steps.Ensure(rows, rows);
        InputProjection.Form(Cell, Input, projection, checked((int)rows), ref _foldedTable, threads);
        _recurrentWeights.Pack(Cell.Parameters.Value(Cell.RecurrentWeights), transposed: false, H, gw);
        _run.ForEachStep((long)H * gw, threads, _forwardStep);
    }

    private void ForwardStep(int t, int first, int rows)
    {
        var step = StepAt(t, first, rows);
        Cell.Forward(ref step, threads: 1);
    }

    /// <summary>The buffers of step t for the rows [first, first + rows) that forward and backward share.</summary>
    private CellStep<T> StepAt(int t, int first, int rows)
    {
        int row = t * Batch.Count + first;
        var step = _steps.At(row, row, rows, _recurrentWeights);
        _run.SetStates(ref step, t, first, rows);
        return step;
    }

    /// <summary>Copies each row's final state (after its own last step) into [B, H] spans.</summary>
    public void CopyFinalState(Span<T> hidden, Span<T> cell) => _run.CopyFinalState(hidden, cell, H, 0);

    /// <summary>Writes this direction's h_t, in natural time order, into columns [offset, offset+H) of rows of width <paramref name="width"/>.</summary>
    public void CopyOutputs(Span<T> output, int width, int offset) => _run.CopyOutputs(output, width, offset);

    /// <summary>
    /// Back-propagates through time. <paramref name="outputGrad"/> is ∂L/∂h_t for every step in natural order,
    /// read from columns [offset, offset+H) of rows of width <paramref name="width"/> (empty when only final states are used).
    /// <paramref name="finalHiddenGrad"/> and <paramref name="finalCellGrad"/> are ∂L/∂(final state), [B, H] or empty.
    /// Accumulates weight gradients; computes ∂L/∂x when <paramref name="needInputGrad"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<T> outputGrad, int width, int offset, ReadOnlySpan<T> finalHiddenGrad, ReadOnlySpan<T> finalCellGrad, bool needInputGrad, int threads)
    {
        int b = Batch.Count, steps = Batch.MaxLength, gw = Cell.GateWidth;
        long rows = (long)steps * b;
        var hiddenGrad = Buffers.Ensure(ref _hiddenGrad, rows * H);
        var carryHidden = Buffers.Ensure(ref _carryHidden, b * H);
        var carryCell = Buffers.Ensure(ref _carryCell, b * H);
        GatherOutputGrad(outputGrad, width, offset, hiddenGrad);
        // Each row starts its backward pass at its own last step, from the gradient of its final state;
        // rows are untouched before that step, so the carries can hold those gradients from the start.
        DirectionRun<T>.CopyOrClear(finalHiddenGrad, carryHidden.AsSpan(0, b * H));
        DirectionRun<T>.CopyOrClear(Cell.HasCellState ? finalCellGrad : default, carryCell.AsSpan(0, b * H));
        _recurrentWeights.Pack(Cell.Parameters.Value(Cell.RecurrentWeights), transposed: true, gw, H);

        // As in forward, each thread back-propagates its own rows through every step.
        StepCancellation.ForRows(b, (long)steps * H * gw, threads, (first, end, cancelled) =>
        {
            for (int t = steps - 1; t >= 0 && !cancelled(); t--)
            {
                int n = Math.Clamp(Batch.ActiveRows[t], first, end), rows = n - first;
                // Finished rows contribute nothing to the weight gradients formed below.
                _steps.Gates.AsSpan((t * b + n) * gw, (end - n) * gw).Clear();
                if (Cell.RecurrentBias is not null) _steps.RecurrentGates.AsSpan((t * b + n) * gw, (end - n) * gw).Clear();
                if (rows == 0) continue;

                // ∂L/∂h_t = from above (outputs) + from step t+1 (carry)
                Span<T> dHidden = hiddenGrad.AsSpan((t * b + first) * H, rows * H);
                System.Numerics.Tensors.TensorPrimitives.Add<T>(dHidden, carryHidden.AsSpan(first * H, rows * H), dHidden);
                var step = StepAt(t, first, rows);
                step.HiddenGrad = dHidden;
                step.CellGrad = carryCell.AsSpan(first * H, rows * H);
                step.HiddenPrevGrad = carryHidden.AsSpan(first * H, rows * H);
                Cell.Backward(ref step, threads: 1);
            }
        });

        AccumulateWeightGradients(rows, threads);
        if (needInputGrad) ComputeInputGradient(rows, threads);
    }

    /// <summary>
    /// After <see cref="Backward"/>: ‖∂L/∂h_t‖ (the whole gradient of the hidden state, from the output above and from
    /// the next step) for each step t in natural order, averaged over the sequences that have step t.
    /// </summary>
    public double[] HiddenGradientNorms()
    {
        int b = Batch.Count;
        var norms = new double[Batch.MaxLength];
        for (int t = 0; t < Batch.MaxLength; t++)
        {
            int counted = 0;
            for (int row = 0; row < b; row++)
            {
                int own = _run.OwnStep(t, row);
                if (own < 0) continue;
                // Squares summed in double: a float gradient of 1e-20 squares to below float's range.
                double squares = 0;
                foreach (T g in _hiddenGrad.AsSpan((own * b + row) * H, H)) squares += double.CreateChecked(g) * double.CreateChecked(g);
                norms[t] += Math.Sqrt(squares);
                counted++;
            }
            if (counted > 0) norms[t] /= counted;
        }
        return norms;
    }

    private void AccumulateWeightGradients(long rows, int threads)
    {
        var p = Cell.Parameters;
        int gw = Cell.GateWidth, m = checked((int)rows);
        ReadOnlySpan<T> dGates = _steps.Gates.AsSpan(0, m * gw);
        ReadOnlySpan<T> dRecurrent = Cell.RecurrentBias is null ? dGates : _steps.RecurrentGates.AsSpan(0, m * gw);
        // ∂W_h = Σ_t h_{t-1}ᵀ·∂(recurrent pre-activation): slots 0..T-1 are h_{t-1} for t = 0..T-1.
        Gemm.AddProductTransposedA<T>(_run.Hidden(0, 0, m), dRecurrent, p.Gradient(Cell.RecurrentWeights), m, H, gw, threads);
        Gemm.AddColumnSums(dGates, p.Gradient(Cell.Bias), m, gw);
        // b_hh enters every pre-activation as b does: the same gradient.
        if (Cell.HiddenBias is { } hiddenBias) Gemm.AddColumnSums(dGates, p.Gradient(hiddenBias), m, gw);
        if (Cell.RecurrentBias is { } recurrentBias) Gemm.AddColumnSums(dRecurrent, p.Gradient(recurrentBias), m, gw);

        Span<T> dInputWeights = p.Gradient(Cell.InputWeights);
        if (Input.IsTokens)
        {
            // A token's row selects one row of W_i (one-hot) or of E·W_i (embedded), so the gradient of that row is a
            // scatter-add of ∂z: S[v] = Σ over the steps reading token v of ∂z.
            int[] tokens = Input.Tokens!;
            Span<T> byToken = dInputWeights;
            if (Input.Embedding is not null)
            {
                byToken = _foldedTable.AsSpan(0, checked((int)((long)InputProjection.VocabularyOf(Input) * gw)));
                byToken.Clear();
            }
            for (int r = 0; r < m; r++)
            {
                if (tokens[r] < 0) continue;
                Span<T> row = byToken.Slice(tokens[r] * gw, gw);
                System.Numerics.Tensors.TensorPrimitives.Add<T>(row, dGates.Slice(r * gw, gw), row);
            }
            if (Input.Embedding is { } embedding)
            {
                // ∂W_i = Eᵀ·S and ∂E = S·W_iᵀ: products over the vocabulary, not over every step.
                int v = InputProjection.VocabularyOf(Input), width = Input.Width;
                Gemm.AddProductTransposedA<T>(p.Value(embedding), byToken, dInputWeights, v, width, gw, threads);
                Gemm.AddProductTransposedB<T>(byToken, p.Value(Cell.InputWeights), p.Gradient(embedding), v, gw, width, threads);
            }
        }
        else
        {
            Gemm.AddProductTransposedA(Input.Dense.AsSpan(0, m * Input.Width), dGates, dInputWeights, m, Input.Width, gw, threads);
        }
    }

    private void ComputeInputGradient(long rows, int threads)
    {
        if (Input.IsTokens) throw new InvalidOperationException("Token input has no input gradient.");
        int m = checked((int)rows), width = Input.Width, gw = Cell.GateWidth;
        var inputGrad = Buffers.Ensure(ref _inputGrad, rows * width);
        Span<T> ownOrder = _run.Reverse ? Buffers.Ensure(ref _reversedInputGrad, rows * width).AsSpan(0, m * width) : inputGrad.AsSpan(0, m * width);
        ownOrder.Clear();
        // ∂L/∂x = ∂z·W_iᵀ
        Gemm.AddProductTransposedB(_steps.Gates.AsSpan(0, m * gw), Cell.Parameters.Value(Cell.InputWeights), ownOrder, m, gw, width, threads);
        if (_run.Reverse) SequenceReversal.Reverse<T>(ownOrder, inputGrad, width, Batch.Lengths, Batch.MaxLength, T.Zero);
    }

    private void GatherOutputGrad(ReadOnlySpan<T> outputGrad, int width, int offset, T[] hiddenGrad)
    {
        int b = Batch.Count;
        for (int t = 0; t < Batch.MaxLength; t++)
        {
            for (int row = 0; row < b; row++)
            {
                int own = _run.OwnStep(t, row);
                if (own < 0) continue;
                Span<T> to = hiddenGrad.AsSpan((own * b + row) * H, H);
                if (outputGrad.IsEmpty) to.Clear();
                else outputGrad.Slice((t * b + row) * width + offset, H).CopyTo(to);
            }
        }
    }
}
