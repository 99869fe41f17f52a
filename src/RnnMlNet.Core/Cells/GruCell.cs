using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Cells;

/// <summary>
/// Gated recurrent unit, PyTorch's variant: the reset gate multiplies the recurrent product after it is formed
/// (ONNX <c>GRU</c> with linear_before_reset=1). Gate blocks in ONNX order z, r, n:
/// <code>
/// p_t        = x_t·W_i + b                      (hoisted input projection)
/// q_t        = h_{t-1}·W_h + b_h                (recurrent projection)
/// updateGate = σ(p_z + q_z)
/// resetGate  = σ(p_r + q_r)
/// candidate  = tanh(p_n + resetGate ⊙ q_n)
/// hidden     = (1 − updateGate) ⊙ candidate + updateGate ⊙ h_{t-1}
/// </code>
/// </summary>
public sealed class GruCell<T> : RecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Cache layout per row: [updateGate | resetGate | candidate | q_n], H each.
    private const int UpdateSlot = 0, ResetSlot = 1, CandidateSlot = 2, RecurrentCandidateSlot = 3;

    internal GruCell(ParameterSet<T> parameters, string prefix, int inputSize, int hiddenSize)
        : base(parameters, prefix, inputSize, hiddenSize, gateCount: 3)
    {
        RecurrentBias = parameters.Register(prefix + ".recurrentBias", GateWidth);
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Gru;

    /// <inheritdoc />
    public override Parameter RecurrentBias { get; }

    /// <inheritdoc />
    internal override int CacheWidth => 4 * HiddenSize;

    /// <inheritdoc />
    internal override void Forward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, gw = GateWidth, rows = step.Rows;
        // q_t = h_{t-1}·W_h + b_h
        Span<T> q = step.RecurrentGates.Slice(0, rows * gw);
        for (int r = 0; r < rows; r++)
            Parameters.Value(RecurrentBias).CopyTo(q.Slice(r * gw, gw));
        Gemm.AddProduct(step.RecurrentInput, step.RecurrentWeights, q, rows, threads);
        for (int r = 0; r < rows; r++)
        {
            Span<T> p = step.Gates.Slice(r * gw, gw), qRow = q.Slice(r * gw, gw);
            Span<T> cache = step.Cache.Slice(r * CacheWidth, CacheWidth);
            Span<T> update = Slot(cache, UpdateSlot), candidate = Slot(cache, CandidateSlot);
            // updateGate, resetGate = σ(p_zr + q_zr)
            TensorPrimitives.Add<T>(p.Slice(0, 2 * h), qRow.Slice(0, 2 * h), cache.Slice(0, 2 * h));
            Activations.Sigmoid<T>(cache.Slice(0, 2 * h), cache.Slice(0, 2 * h));
            // candidate = tanh(p_n + resetGate ⊙ q_n)
            qRow.Slice(2 * h, h).CopyTo(Slot(cache, RecurrentCandidateSlot));
            TensorPrimitives.MultiplyAdd<T>(Slot(cache, ResetSlot), qRow.Slice(2 * h, h), p.Slice(2 * h, h), candidate);
            Activations.Tanh<T>(candidate, candidate);
            // hidden = candidate + updateGate ⊙ (h_{t-1} − candidate)
            Span<T> hidden = step.Hidden.Slice(r * h, h);
            TensorPrimitives.Subtract<T>(step.HiddenPrev.Slice(r * h, h), candidate, hidden);
            TensorPrimitives.MultiplyAdd<T>(update, hidden, candidate, hidden);
        }
    }

    /// <inheritdoc />
    internal override void Backward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, gw = GateWidth, rows = step.Rows;
        Span<T> dq = step.RecurrentGates.Slice(0, rows * gw);
        Span<T> dHiddenPrev = step.HiddenPrevGrad.Slice(0, rows * h);
        for (int r = 0; r < rows; r++)
        {
            Span<T> cache = step.Cache.Slice(r * CacheWidth, CacheWidth);
            Span<T> update = Slot(cache, UpdateSlot), reset = Slot(cache, ResetSlot), candidate = Slot(cache, CandidateSlot);
            Span<T> dp = step.Gates.Slice(r * gw, gw), dqRow = dq.Slice(r * gw, gw);
            Span<T> dUpdate = dp.Slice(0, h), dReset = dp.Slice(h, h), dCandidate = dp.Slice(2 * h, h);
            ReadOnlySpan<T> dHidden = step.HiddenGrad.Slice(r * h, h);
            ReadOnlySpan<T> hiddenPrev = step.HiddenPrev.Slice(r * h, h);

            // ∂L/∂updateGate = ∂L/∂h_t ⊙ (h_{t-1} − candidate), then through σ
            TensorPrimitives.Subtract<T>(hiddenPrev, candidate, dUpdate);
            TensorPrimitives.Multiply<T>(dUpdate, dHidden, dUpdate);
            Derivatives.MultiplyBySigmoidSlope<T>(dUpdate, update);
            // ∂L/∂candidate = ∂L/∂h_t ⊙ (1 − updateGate), then through tanh: ∂L/∂p_n
            TensorPrimitives.Multiply<T>(dHidden, update, dCandidate);
            TensorPrimitives.Subtract<T>(dHidden, dCandidate, dCandidate);
            Derivatives.MultiplyByTanhSlope<T>(dCandidate, candidate);
            // ∂L/∂resetGate = ∂L/∂p_n ⊙ q_n, then through σ
            TensorPrimitives.Multiply<T>(dCandidate, Slot(cache, RecurrentCandidateSlot), dReset);
            Derivatives.MultiplyBySigmoidSlope<T>(dReset, reset);
            // ∂L/∂q = [∂L/∂z_z, ∂L/∂z_r, ∂L/∂p_n ⊙ resetGate]: z and r see p and q through the same sum
            dp.Slice(0, 2 * h).CopyTo(dqRow);
            TensorPrimitives.Multiply<T>(dCandidate, reset, dqRow.Slice(2 * h, h));
            // direct path: ∂L/∂h_{t-1} = ∂L/∂h_t ⊙ updateGate (+ the recurrent product below)
            TensorPrimitives.Multiply<T>(dHidden, update, dHiddenPrev.Slice(r * h, h));
        }
        // ∂L/∂h_{t-1} += ∂L/∂q · W_hᵀ
        Gemm.AddProduct(dq, step.RecurrentWeights, dHiddenPrev, rows, threads);
    }

    private Span<T> Slot(Span<T> cache, int slot) => cache.Slice(slot * HiddenSize, HiddenSize);
}
