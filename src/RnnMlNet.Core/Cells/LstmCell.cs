using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Cells;

/// <summary>
/// Long short-term memory cell. Gate blocks in ONNX order i, o, f, c̃; all four come from one fused [4H] product:
/// <code>
/// z_t          = x_t·W_i + b + h_{t-1}·W_h                 (one [4H] row per sequence)
/// inputGate    = σ(z_i)        outputGate = σ(z_o)
/// forgetGate   = σ(z_f)        candidate  = tanh(z_c)       (C̃_t)
/// cellState    = forgetGate ⊙ C_{t-1} + inputGate ⊙ candidate
/// hidden       = outputGate ⊙ tanh(cellState)
/// </code>
/// </summary>
public sealed class LstmCell<T> : RecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Cache layout per row: [inputGate | outputGate | forgetGate | candidate | tanh(cellState)], H each:
    // the activated gates in the order of their pre-activations, then tanh(C_t).
    private const int InputSlot = LstmGate.Input, OutputSlot = LstmGate.Output, ForgetSlot = LstmGate.Forget,
        CandidateSlot = LstmGate.Candidate, TanhCellSlot = 4;

    internal LstmCell(ParameterSet<T> parameters, string prefix, int inputSize, int hiddenSize, bool hiddenBias = false)
        : base(parameters, prefix, inputSize, hiddenSize, gateCount: 4, hiddenBias)
    {
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Lstm;

    /// <inheritdoc />
    public override bool HasCellState => true;

    /// <inheritdoc />
    internal override int CacheWidth => 5 * HiddenSize;

    /// <inheritdoc />
    internal override void Forward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, gw = GateWidth, rows = step.Rows;
        // z_t = (x_t·W_i + b) + h_{t-1}·W_h, all four gates in one product
        Gemm.AddProduct(step.RecurrentInput, step.RecurrentWeights, step.Gates, rows, threads);
        for (int r = 0; r < rows; r++)
        {
            Span<T> z = step.Gates.Slice(r * gw, gw);
            Span<T> cache = step.Cache.Slice(r * CacheWidth, CacheWidth);
            // inputGate, outputGate, forgetGate = σ(z_i, z_o, z_f): contiguous in ONNX order
            Activations.Sigmoid<T>(z.Slice(0, 3 * h), cache.Slice(0, 3 * h));
            // candidate C̃_t = tanh(z_c)
            Activations.Tanh<T>(z.Slice(3 * h, h), Slot(cache, CandidateSlot));
            // cellState C_t = forgetGate ⊙ C_{t-1} + inputGate ⊙ C̃_t
            Span<T> cellState = step.Cell.Slice(r * h, h);
            TensorPrimitives.Multiply<T>(Slot(cache, ForgetSlot), step.CellPrev.Slice(r * h, h), cellState);
            TensorPrimitives.MultiplyAdd<T>(Slot(cache, InputSlot), Slot(cache, CandidateSlot), cellState, cellState);
            // hidden h_t = outputGate ⊙ tanh(C_t)
            Activations.Tanh<T>(cellState, Slot(cache, TanhCellSlot));
            TensorPrimitives.Multiply<T>(Slot(cache, OutputSlot), Slot(cache, TanhCellSlot), step.Hidden.Slice(r * h, h));
        }
    }

    /// <inheritdoc />
    internal override void Backward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, gw = GateWidth, rows = step.Rows;
        for (int r = 0; r < rows; r++)
        {
            Span<T> cache = step.Cache.Slice(r * CacheWidth, CacheWidth);
            Span<T> dz = step.Gates.Slice(r * gw, gw);
            Span<T> dInput = dz.Slice(0, h), dOutput = dz.Slice(h, h), dForget = dz.Slice(2 * h, h), dCandidate = dz.Slice(3 * h, h);
            Span<T> dHidden = step.HiddenGrad.Slice(r * h, h);
            Span<T> dCell = step.CellGrad.Slice(r * h, h);
            ReadOnlySpan<T> tanhCell = Slot(cache, TanhCellSlot);

            // ∂L/∂outputGate = ∂L/∂h_t ⊙ tanh(C_t)
            TensorPrimitives.Multiply<T>(dHidden, tanhCell, dOutput);
            // ∂L/∂C_t += ∂L/∂h_t ⊙ outputGate ⊙ (1 − tanh²(C_t))      (dInput is scratch here)
            TensorPrimitives.Multiply<T>(dHidden, Slot(cache, OutputSlot), dInput);
            Derivatives.MultiplyByTanhSlope<T>(dInput, tanhCell);
            TensorPrimitives.Add<T>(dCell, dInput, dCell);
            // ∂L/∂inputGate = ∂L/∂C_t ⊙ C̃_t;  ∂L/∂C̃_t = ∂L/∂C_t ⊙ inputGate;  ∂L/∂forgetGate = ∂L/∂C_t ⊙ C_{t-1}
            TensorPrimitives.Multiply<T>(dCell, Slot(cache, CandidateSlot), dInput);
            TensorPrimitives.Multiply<T>(dCell, Slot(cache, InputSlot), dCandidate);
            TensorPrimitives.Multiply<T>(dCell, step.CellPrev.Slice(r * h, h), dForget);
            // ∂L/∂C_{t-1} = ∂L/∂C_t ⊙ forgetGate   (carried to step t-1)
            TensorPrimitives.Multiply<T>(dCell, Slot(cache, ForgetSlot), dCell);
            // through the squashing functions to the pre-activations z
            Derivatives.MultiplyBySigmoidSlope<T>(dInput, Slot(cache, InputSlot));
            Derivatives.MultiplyBySigmoidSlope<T>(dOutput, Slot(cache, OutputSlot));
            Derivatives.MultiplyBySigmoidSlope<T>(dForget, Slot(cache, ForgetSlot));
            Derivatives.MultiplyByTanhSlope<T>(dCandidate, Slot(cache, CandidateSlot));
        }
        // ∂L/∂h_{t-1} = ∂L/∂z_t · W_hᵀ
        Span<T> dHiddenPrev = step.HiddenPrevGrad.Slice(0, rows * h);
        dHiddenPrev.Clear();
        Gemm.AddProduct(step.Gates, step.RecurrentWeights, dHiddenPrev, rows, threads);
    }

    private Span<T> Slot(Span<T> cache, int slot) => cache.Slice(slot * HiddenSize, HiddenSize);
}
