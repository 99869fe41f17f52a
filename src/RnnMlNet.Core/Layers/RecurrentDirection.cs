using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Runs one cell over a whole batch in one direction, and back-propagates through time.
/// <para>Forward: the input projection x·W_i + b for all T·B rows is one product (or a row gather for tokens);
/// then each step adds h_{t-1}·W_h for the rows still inside their sequence.</para>
/// <para>Backward: each step turns ∂L/∂h_t into gate gradients; the weight gradients of all steps are then
/// formed by one product each: ∂W_h = Σ_t h_{t-1}ᵀ·∂z_t, ∂W_i = Σ_t x_tᵀ·∂z_t, ∂b = Σ_t ∂z_t.</para>
/// A reverse direction reads its input reversed within each sequence's length, so its "final" state is the
/// state after the first step, as in the ONNX operators.
/// <para>A direction frozen for scoring (<see cref="FreezeForScoring"/>) keeps nothing for backward: each step's gate
/// buffers are scratch rows reused by the next step, the weights are packed once, and token input can gather its
/// projection x·W_i + b from a precomputed table instead of forming it.</para>
/// </summary>
internal sealed class RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _foldedTable, _reversedDense, _reversedInputGrad, _projection, _recurrentGates, _cache, _hidden, _cell, _hiddenGrad, _carryHidden, _carryCell, _inputGrad;
    private int[]? _reversedTokens;
    private readonly PackedWeights<T> _recurrentWeights = new();
    private LayerInput<T> _input;
    private SequenceBatch<T> _batch = null!;
    private bool _frozen, _gatherEachStep;
    private T[]? _inputTable;
    private UnitShare[]? _shares;
    private Action<int>? _stepShare;
    private int _splitStep;

    public RecurrentDirection(RecurrentCell<T> cell, bool reverse)
    {
        Cell = cell;
        Reverse = reverse;
    }

    public RecurrentCell<T> Cell { get; }

    public bool Reverse { get; }

    private int H => Cell.HiddenSize;

    /// <summary>h_t for the rows and steps of the last forward pass, in this direction's own time order,
    /// slot t+1 holding step t (slot 0 holds the initial state).</summary>
    public ReadOnlySpan<T> HiddenSlots => _hidden;

    /// <summary>∂L/∂x of the last backward pass, [T·B, I], in natural time order.</summary>
    public ReadOnlySpan<T> InputGradient => _inputGrad;

    /// <summary>∂L/∂h_0 of the last backward pass, [B, H].</summary>
    public ReadOnlySpan<T> InitialHiddenGradient => _carryHidden.AsSpan(0, _batch.Count * H);

    /// <summary>∂L/∂C_0 of the last backward pass, [B, H] (LSTM).</summary>
    public ReadOnlySpan<T> InitialCellGradient => _carryCell.AsSpan(0, _batch.Count * H);

    /// <summary>
    /// Makes this direction a scoring-only copy: the weights must not change afterwards, and <see cref="Backward"/> is refused.
    /// </summary>
    /// <param name="tokenTable">For token input: precompute x·W_i + b of every token id, [V, G·H], gathered at each step
    /// instead of forming the projection as in training.</param>
    /// <param name="embedding">The embedding E [V, E] the token ids are looked up in; null for one-hot ids.</param>
    /// <param name="threads">With two or more, and a step large enough, one sequence is scored on two threads (<see cref="UnitShare"/>).</param>
    public void FreezeForScoring(bool tokenTable, Parameter? embedding, int threads)
    {
        _frozen = true;
        if (tokenTable) _inputTable = TokenTable(embedding, threads);
        _recurrentWeights.Pack(Cell.Parameters.Value(Cell.RecurrentWeights), transposed: false, H, Cell.GateWidth);
        if (threads >= 2 && (long)H * Cell.GateWidth >= MinimumSplitWork)
        {
            _shares = [new UnitShare(Cell, 0, H / 2), new UnitShare(Cell, H / 2, H - H / 2)];
            _stepShare = StepShare;
        }
    }

    private T[] TokenTable(Parameter? embedding, int threads)
    {
        var p = Cell.Parameters;
        int gw = Cell.GateWidth, v = embedding?.Shape[0] ?? Cell.InputSize;
        var table = new T[(long)v * gw];
        if (embedding is null) p.Value(Cell.InputWeights).CopyTo(table);
        else FoldEmbedding(embedding, table, threads);
        for (int token = 0; token < v; token++)
        {
            Span<T> row = table.AsSpan(token * gw, gw);
            System.Numerics.Tensors.TensorPrimitives.Add<T>(row, p.Value(Cell.Bias), row);
        }
        return table;
    }

    /// <summary>E·W_i [V, G·H]: row v is x·W_i for the embedded row of token id v.</summary>
    private void FoldEmbedding(Parameter embedding, Span<T> destination, int threads)
    {
        var p = Cell.Parameters;
        destination.Clear();
        Gemm.AddProduct<T>(p.Value(embedding), p.Value(Cell.InputWeights), destination, embedding.Shape[0], embedding.Shape[1], Cell.GateWidth, threads);
    }

    /// <summary>Multiply-adds of a one-row step below which two threads meeting every step cost more than they save.</summary>
    private const long MinimumSplitWork = 1 << 15;

    public void Forward(LayerInput<T> input, SequenceBatch<T> batch, ReadOnlySpan<T> initialHidden, ReadOnlySpan<T> initialCell, int threads)
    {
        _batch = batch;
        int b = batch.Count, steps = batch.MaxLength, gw = Cell.GateWidth;
        long rows = (long)steps * b;
        _input = Reverse ? ReverseInput(input, batch) : input;
        _gatherEachStep = _inputTable is not null && _input.IsTokens;
        // Scoring keeps one step of gate buffers ([B, ·], reused); training keeps every step's for backward.
        long stepRows = _frozen ? b : rows;

        var projection = Buffers.Ensure(ref _projection, (_gatherEachStep ? b : rows) * gw);
        Buffers.Ensure(ref _cache, stepRows * Cell.CacheWidth);
        var hidden = Buffers.Ensure(ref _hidden, (rows + b) * H);
        var cellState = Cell.HasCellState ? Buffers.Ensure(ref _cell, (rows + b) * H) : Array.Empty<T>();
        if (Cell.RecurrentBias is not null) Buffers.Ensure(ref _recurrentGates, stepRows * gw);

        if (!_gatherEachStep) ProjectInput(projection, rows, threads);
        CopyOrClear(initialHidden, hidden.AsSpan(0, b * H));
        if (Cell.HasCellState) CopyOrClear(initialCell, cellState.AsSpan(0, b * H));
        if (!_frozen) _recurrentWeights.Pack(Cell.Parameters.Value(Cell.RecurrentWeights), transposed: false, H, gw);
        if (_shares is not null && b == 1)
        {
            ForwardSplitByUnits(steps);
            return;
        }

        // Row r of h_t depends only on row r of h_{t-1}: each thread runs every step for its own rows, with no
        // synchronisation between steps.
        Parallelism.ForRows(b, (long)steps * H * gw, threads, (first, end) =>
        {
            for (int t = 0; t < steps; t++)
            {
                int n = Math.Clamp(batch.ActiveRows[t], first, end), rows = n - first;
                // Finished rows output zeros, as the ONNX operators do with sequence_lens.
                hidden.AsSpan(((t + 1) * b + n) * H, (end - n) * H).Clear();
                if (Cell.HasCellState) cellState.AsSpan(((t + 1) * b + n) * H, (end - n) * H).Clear();
                if (rows == 0) continue;
                if (_gatherEachStep) GatherProjection(t, first, rows);
                var step = StepAt(t, first, rows);
                Cell.Forward(ref step, threads: 1);
            }
        });
    }

    /// <summary>
    /// Scoring one sequence on two threads: each runs the cell for its half of the units (reading all of h_{t-1}), and
    /// the two meet once per step, since the next step needs every unit. Each unit goes through the same arithmetic as on
    /// one thread, so the results are bit-identical. When another sequence holds the partner thread, this one runs both
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
        var share = _shares![index];
        int t = _splitStep, gw = Cell.GateWidth;
        ReadOnlySpan<T> projection = _gatherEachStep ? _inputTable.AsSpan(_input.Tokens![t] * gw, gw) : _projection.AsSpan(t * gw, gw);
        for (int gate = 0; gate < Cell.GateCount; gate++)
            projection.Slice(gate * H + share.First, share.Count).CopyTo(share.Gates.AsSpan(gate * share.Count, share.Count));
        var step = new CellStep<T>
        {
            Rows = 1,
            Gates = share.Gates,
            RecurrentGates = share.RecurrentGates,
            RecurrentInput = _hidden.AsSpan(t * H, H),
            HiddenPrev = _hidden.AsSpan(t * H + share.First, share.Count),
            Hidden = _hidden.AsSpan((t + 1) * H + share.First, share.Count),
            Cache = share.Cache,
            RecurrentWeights = share.Weights,
        };
        if (Cell.HasCellState)
        {
            step.CellPrev = _cell.AsSpan(t * H + share.First, share.Count);
            step.Cell = _cell.AsSpan((t + 1) * H + share.First, share.Count);
        }
        share.Cell.Forward(ref step, threads: 1);
    }

    /// <summary>
    /// Units [First, First + Count) of a frozen cell, as a cell of their own: the columns of W_h (and b_h) that feed
    /// them, gate block by gate block, packed for products with all H units of h_{t-1}, and one step's scratch.
    /// </summary>
    private sealed class UnitShare
    {
        public UnitShare(RecurrentCell<T> full, int first, int count)
        {
            First = first;
            Count = count;
            int h = full.HiddenSize, g = full.GateCount, width = g * count;
            var parameters = new ParameterSet<T>();
            Cell = RecurrentCell<T>.Create(full.Kind, parameters, "share", inputSize: 1, hiddenSize: count);
            var columns = new T[h * width];
            ReadOnlySpan<T> recurrent = full.Parameters.Value(full.RecurrentWeights);
            for (int k = 0; k < h; k++)
                for (int gate = 0; gate < g; gate++)
                    recurrent.Slice(k * full.GateWidth + gate * h + first, count).CopyTo(columns.AsSpan(k * width + gate * count, count));
            Weights.Pack(columns, transposed: false, h, width, oneRowProducts: true);
            if (full.RecurrentBias is { } bias)
                for (int gate = 0; gate < g; gate++)
                    full.Parameters.Value(bias).Slice(gate * h + first, count).CopyTo(parameters.Value(Cell.RecurrentBias!).Slice(gate * count, count));
            Gates = new T[width];
            RecurrentGates = new T[width];
            Cache = new T[Cell.CacheWidth];
        }

        public int First { get; }

        public int Count { get; }

        public RecurrentCell<T> Cell { get; }

        public PackedWeights<T> Weights { get; } = new();

        public T[] Gates { get; }

        public T[] RecurrentGates { get; }

        public T[] Cache { get; }
    }

    /// <summary>Scoring with an input table: the projection rows of step t, looked up by token id.</summary>
    private void GatherProjection(int t, int first, int rows)
    {
        int b = _batch.Count, gw = Cell.GateWidth;
        int[] tokens = _input.Tokens!;
        ReadOnlySpan<T> table = _inputTable;
        for (int r = first; r < first + rows; r++)
            table.Slice(tokens[t * b + r] * gw, gw).CopyTo(_projection.AsSpan(r * gw, gw));
    }

    /// <summary>The buffers of step t for the rows [first, first + rows) that forward and backward share.</summary>
    private CellStep<T> StepAt(int t, int first, int rows)
    {
        int b = _batch.Count, gw = Cell.GateWidth;
        // Scoring reuses the same scratch rows at every step.
        int stepRow = _frozen ? first : t * b + first, gateRow = _gatherEachStep ? first : t * b + first;
        var step = new CellStep<T>
        {
            Rows = rows,
            Gates = _projection.AsSpan(gateRow * gw, rows * gw),
            RecurrentGates = Cell.RecurrentBias is null ? default : _recurrentGates.AsSpan(stepRow * gw, rows * gw),
            HiddenPrev = _hidden.AsSpan((t * b + first) * H, rows * H),
            Hidden = _hidden.AsSpan(((t + 1) * b + first) * H, rows * H),
            Cache = _cache.AsSpan(stepRow * Cell.CacheWidth, rows * Cell.CacheWidth),
            RecurrentWeights = _recurrentWeights,
        };
        if (Cell.HasCellState)
        {
            step.CellPrev = _cell.AsSpan((t * b + first) * H, rows * H);
            step.Cell = _cell.AsSpan(((t + 1) * b + first) * H, rows * H);
        }
        return step;
    }

    /// <summary>Copies each row's final state (after its own last step) into [B, H] spans.</summary>
    public void CopyFinalState(Span<T> hidden, Span<T> cell)
    {
        int b = _batch.Count;
        for (int row = 0; row < b; row++)
        {
            int slot = (_batch.Lengths[row] * b + row) * H;
            _hidden.AsSpan(slot, H).CopyTo(hidden.Slice(row * H, H));
            if (Cell.HasCellState) _cell.AsSpan(slot, H).CopyTo(cell.Slice(row * H, H));
        }
    }

    /// <summary>Writes this direction's h_t, in natural time order, into columns [offset, offset+H) of rows of width <paramref name="width"/>.</summary>
    public void CopyOutputs(Span<T> output, int width, int offset)
    {
        int b = _batch.Count;
        for (int t = 0; t < _batch.MaxLength; t++)
        {
            for (int row = 0; row < b; row++)
            {
                Span<T> to = output.Slice((t * b + row) * width + offset, H);
                int own = OwnStep(t, row);
                if (own < 0) to.Clear();
                else _hidden.AsSpan(((own + 1) * b + row) * H, H).CopyTo(to);
            }
        }
    }

    /// <summary>
    /// Back-propagates through time. <paramref name="outputGrad"/> is ∂L/∂h_t for every step in natural order,
    /// read from columns [offset, offset+H) of rows of width <paramref name="width"/> (empty when only final states are used).
    /// <paramref name="finalHiddenGrad"/> and <paramref name="finalCellGrad"/> are ∂L/∂(final state), [B, H] or empty.
    /// Accumulates weight gradients; computes ∂L/∂x when <paramref name="needInputGrad"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<T> outputGrad, int width, int offset, ReadOnlySpan<T> finalHiddenGrad, ReadOnlySpan<T> finalCellGrad, bool needInputGrad, int threads)
    {
        if (_frozen) throw new InvalidOperationException("This direction is frozen for scoring and keeps nothing for back-propagation.");
        int b = _batch.Count, steps = _batch.MaxLength, gw = Cell.GateWidth;
        long rows = (long)steps * b;
        var hiddenGrad = Buffers.Ensure(ref _hiddenGrad, rows * H);
        var carryHidden = Buffers.Ensure(ref _carryHidden, b * H);
        var carryCell = Buffers.Ensure(ref _carryCell, b * H);
        GatherOutputGrad(outputGrad, width, offset, hiddenGrad);
        // Each row starts its backward pass at its own last step, from the gradient of its final state;
        // rows are untouched before that step, so the carries can hold those gradients from the start.
        CopyOrClear(finalHiddenGrad, carryHidden.AsSpan(0, b * H));
        CopyOrClear(Cell.HasCellState ? finalCellGrad : default, carryCell.AsSpan(0, b * H));
        _recurrentWeights.Pack(Cell.Parameters.Value(Cell.RecurrentWeights), transposed: true, gw, H);

        // As in forward, each thread back-propagates its own rows through every step.
        Parallelism.ForRows(b, (long)steps * H * gw, threads, (first, end) =>
        {
            for (int t = steps - 1; t >= 0; t--)
            {
                int n = Math.Clamp(_batch.ActiveRows[t], first, end), rows = n - first;
                // Finished rows contribute nothing to the weight gradients formed below.
                _projection.AsSpan((t * b + n) * gw, (end - n) * gw).Clear();
                if (Cell.RecurrentBias is not null) _recurrentGates.AsSpan((t * b + n) * gw, (end - n) * gw).Clear();
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

    private void AccumulateWeightGradients(long rows, int threads)
    {
        var p = Cell.Parameters;
        int gw = Cell.GateWidth, m = checked((int)rows);
        ReadOnlySpan<T> dGates = _projection.AsSpan(0, m * gw);
        ReadOnlySpan<T> dRecurrent = Cell.RecurrentBias is null ? dGates : _recurrentGates.AsSpan(0, m * gw);
        // ∂W_h = Σ_t h_{t-1}ᵀ·∂(recurrent pre-activation): slots 0..T-1 are h_{t-1} for t = 0..T-1.
        Gemm.AddProductTransposedA(_hidden.AsSpan(0, m * H), dRecurrent, p.Gradient(Cell.RecurrentWeights), m, H, gw, threads);
        Gemm.AddColumnSums(dGates, p.Gradient(Cell.Bias), m, gw);
        if (Cell.RecurrentBias is { } recurrentBias) Gemm.AddColumnSums(dRecurrent, p.Gradient(recurrentBias), m, gw);

        Span<T> dInputWeights = p.Gradient(Cell.InputWeights);
        if (_input.IsTokens)
        {
            // A token's row selects one row of W_i (one-hot) or of E·W_i (embedded), so the gradient of that row is a
            // scatter-add of ∂z: S[v] = Σ over the steps reading token v of ∂z.
            int[] tokens = _input.Tokens!;
            Span<T> byToken = dInputWeights;
            if (_input.Embedding is not null)
            {
                byToken = _foldedTable.AsSpan(0, checked((int)((long)VocabularyOf(_input) * gw)));
                byToken.Clear();
            }
            for (int r = 0; r < m; r++)
            {
                if (tokens[r] < 0) continue;
                Span<T> row = byToken.Slice(tokens[r] * gw, gw);
                System.Numerics.Tensors.TensorPrimitives.Add<T>(row, dGates.Slice(r * gw, gw), row);
            }
            if (_input.Embedding is { } embedding)
            {
                // ∂W_i = Eᵀ·S and ∂E = S·W_iᵀ: products over the vocabulary, not over every step.
                int v = VocabularyOf(_input), width = _input.Width;
                Gemm.AddProductTransposedA<T>(p.Value(embedding), byToken, dInputWeights, v, width, gw, threads);
                Gemm.AddProductTransposedB<T>(byToken, p.Value(Cell.InputWeights), p.Gradient(embedding), v, gw, width, threads);
            }
        }
        else
        {
            Gemm.AddProductTransposedA(_input.Dense.AsSpan(0, m * _input.Width), dGates, dInputWeights, m, _input.Width, gw, threads);
        }
    }

    private void ComputeInputGradient(long rows, int threads)
    {
        if (_input.IsTokens) throw new InvalidOperationException("Token input has no input gradient.");
        int m = checked((int)rows), width = _input.Width, gw = Cell.GateWidth;
        var inputGrad = Buffers.Ensure(ref _inputGrad, rows * width);
        Span<T> ownOrder = Reverse ? Buffers.Ensure(ref _reversedInputGrad, rows * width).AsSpan(0, m * width) : inputGrad.AsSpan(0, m * width);
        ownOrder.Clear();
        // ∂L/∂x = ∂z·W_iᵀ
        Gemm.AddProductTransposedB(_projection.AsSpan(0, m * gw), Cell.Parameters.Value(Cell.InputWeights), ownOrder, m, gw, width, threads);
        if (Reverse) SequenceReversal.Reverse<T>(ownOrder, inputGrad, width, _batch.Lengths, _batch.MaxLength, T.Zero);
    }

    private void ProjectInput(T[] projection, long rows, int threads)
    {
        var p = Cell.Parameters;
        int gw = Cell.GateWidth, m = checked((int)rows);
        ReadOnlySpan<T> bias = p.Value(Cell.Bias);
        ReadOnlySpan<T> inputWeights = p.Value(Cell.InputWeights);
        for (int r = 0; r < m; r++)
            bias.CopyTo(projection.AsSpan(r * gw, gw));
        if (_input.IsTokens)
        {
            // x_t·W_i is row token_t of W_i (one-hot), or of E·W_i (embedded): one product over the vocabulary.
            ReadOnlySpan<T> byToken = inputWeights;
            if (_input.Embedding is { } embedding)
            {
                int v = VocabularyOf(_input);
                Span<T> folded = Buffers.Ensure(ref _foldedTable, (long)v * gw).AsSpan(0, v * gw);
                FoldEmbedding(embedding, folded, threads);
                byToken = folded;
            }
            int[] tokens = _input.Tokens!;
            for (int r = 0; r < m; r++)
            {
                if (tokens[r] < 0) continue;
                Span<T> row = projection.AsSpan(r * gw, gw);
                System.Numerics.Tensors.TensorPrimitives.Add<T>(row, byToken.Slice(tokens[r] * gw, gw), row);
            }
        }
        else
        {
            Gemm.AddProduct(_input.Dense.AsSpan(0, m * _input.Width), inputWeights, projection.AsSpan(0, m * gw), m, _input.Width, gw, threads);
        }
    }

    private static int VocabularyOf(LayerInput<T> input) => input.Embedding!.Shape[0];

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

    private void GatherOutputGrad(ReadOnlySpan<T> outputGrad, int width, int offset, T[] hiddenGrad)
    {
        int b = _batch.Count;
        for (int t = 0; t < _batch.MaxLength; t++)
        {
            for (int row = 0; row < b; row++)
            {
                int own = OwnStep(t, row);
                if (own < 0) continue;
                Span<T> to = hiddenGrad.AsSpan((own * b + row) * H, H);
                if (outputGrad.IsEmpty) to.Clear();
                else outputGrad.Slice((t * b + row) * width + offset, H).CopyTo(to);
            }
        }
    }

    /// <summary>The step of this direction's own run that corresponds to natural step t of a row, or -1 on padding.</summary>
    private int OwnStep(int t, int row)
    {
        int length = _batch.Lengths[row];
        if (t >= length) return -1;
        return Reverse ? length - 1 - t : t;
    }

    private static void CopyOrClear(ReadOnlySpan<T> source, Span<T> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.Slice(0, destination.Length).CopyTo(destination);
    }
}
