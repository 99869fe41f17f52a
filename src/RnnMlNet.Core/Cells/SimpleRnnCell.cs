using System.Numerics;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Cells;

/// <summary>
/// Elman recurrent cell:
/// <code>
/// a_t = x_t·W_i + b + h_{t-1}·W_h
/// h_t = tanh(a_t)
/// </code>
/// </summary>
public sealed class SimpleRnnCell<T> : RecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal SimpleRnnCell(ParameterSet<T> parameters, string prefix, int inputSize, int hiddenSize, bool hiddenBias = false)
        : base(parameters, prefix, inputSize, hiddenSize, gateCount: 1, hiddenBias)
    {
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.SimpleRnn;

    /// <inheritdoc />
    internal override int CacheWidth => 0;

    /// <inheritdoc />
    internal override void Forward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, rows = step.Rows;
        Span<T> preActivation = step.Gates.Slice(0, rows * h);
        // a_t = (x_t·W_i + b) + h_{t-1}·W_h
        Gemm.AddProduct(step.RecurrentInput, step.RecurrentWeights, preActivation, rows, threads);
        // h_t = tanh(a_t)
        Activations.Tanh<T>(preActivation, step.Hidden.Slice(0, rows * h));
    }

    /// <inheritdoc />
    internal override void Backward(scoped ref CellStep<T> step, int threads)
    {
        int h = HiddenSize, rows = step.Rows;
        Span<T> dPreActivation = step.Gates.Slice(0, rows * h);
        // ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²)
        step.HiddenGrad.Slice(0, rows * h).CopyTo(dPreActivation);
        Derivatives.MultiplyByTanhSlope<T>(dPreActivation, step.Hidden.Slice(0, rows * h));
        // ∂L/∂h_{t-1} = ∂L/∂a_t · W_hᵀ
        Span<T> dHiddenPrev = step.HiddenPrevGrad.Slice(0, rows * h);
        dHiddenPrev.Clear();
        Gemm.AddProduct(dPreActivation, step.RecurrentWeights, dHiddenPrev, rows, threads);
    }
}
