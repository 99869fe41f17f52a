using System.Numerics;
using RnnMlNet.Core.Maths;

namespace RnnMlNet.Core.Cells;

/// <summary>
/// The buffers one time step reads and writes, for the rows [0, <see cref="Rows"/>) that are still
/// inside their sequence. Rows are sorted by length, longest first, so the active rows are always a prefix.
/// Every span is row-major with one row per sequence.
/// </summary>
internal ref struct CellStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of active rows.</summary>
    public int Rows;

    /// <summary>Forward in: the hoisted input projection x_t·W_i + b, [Rows, G·H]; the cell may use it as scratch.
    /// Backward out: ∂L/∂(x_t·W_i + b).</summary>
    public Span<T> Gates;

    /// <summary>GRU only. Forward scratch for h_{t-1}·W_h + b_h; backward out: ∂L/∂(h_{t-1}·W_h + b_h), [Rows, G·H].</summary>
    public Span<T> RecurrentGates;

    /// <summary>h_{t-1}, [Rows, H].</summary>
    public ReadOnlySpan<T> HiddenPrev;

    private ReadOnlySpan<T> _recurrentInput;

    /// <summary>The left operand of the recurrent product, [Rows, K]: <see cref="HiddenPrev"/> unless set. A step split by units
    /// between threads sets it to h_{t-1} of every unit of the layer, while the cell's own spans hold only its share of the units.</summary>
    public ReadOnlySpan<T> RecurrentInput
    {
        readonly get => _recurrentInput.IsEmpty ? HiddenPrev : _recurrentInput;
        set => _recurrentInput = value;
    }

    /// <summary>C_{t-1}, [Rows, H]; LSTM only.</summary>
    public ReadOnlySpan<T> CellPrev;

    /// <summary>h_t, [Rows, H]: written by forward, read by backward.</summary>
    public Span<T> Hidden;

    /// <summary>C_t, [Rows, H]; LSTM only.</summary>
    public Span<T> Cell;

    /// <summary>What backward needs from forward, [Rows, CacheWidth].</summary>
    public Span<T> Cache;

    /// <summary>Backward in: ∂L/∂h_t, [Rows, H]. Cells only read it: after backward the direction reports its norms
    /// (<c>RecurrentNetwork.GradientReachingEachStep</c>).</summary>
    public Span<T> HiddenGrad;

    /// <summary>Backward in: ∂L/∂C_t carried from step t+1; out: ∂L/∂C_{t-1}. LSTM only.</summary>
    public Span<T> CellGrad;

    /// <summary>Backward out: ∂L/∂h_{t-1}, [Rows, H] (overwritten, not accumulated).</summary>
    public Span<T> HiddenPrevGrad;

    /// <summary>The recurrent weights packed once per pass for every step's product:
    /// W_h [H, G·H] in forward (h_{t-1}·W_h), W_hᵀ [G·H, H] in backward (∂z·W_hᵀ).</summary>
    internal PackedWeights<T> RecurrentWeights;
}
