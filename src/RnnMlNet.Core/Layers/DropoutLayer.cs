using System.Numerics;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Variational (inverted) dropout on the first layer's input, between recurrent layers and on the last layer's output
/// (Gal &amp; Ghahramani 2016): in training each unit of each
/// sequence is kept with probability 1 − p and scaled by 1/(1 − p), with one mask per sequence shared by all its steps,
/// so a dropped unit stays dropped through time; inference needs no rescaling. The mask drawn in forward is applied again
/// in backward.
/// <code>
/// y_t,r = m_r ⊙ x_t,r        ∂x_t,r = m_r ⊙ ∂y_t,r        m_r,w ∈ {0, 1/(1 − p)}
/// </code>
/// </summary>
internal sealed class DropoutLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _mask, _output, _inputGrad;
    private int _rows, _width;

    public DropoutLayer(double rate) => Rate = rate;

    public double Rate { get; }

    /// <summary>Applies a fresh mask per sequence to <paramref name="input"/>, rows [T·B, W] in time-major order.</summary>
    public T[] Forward(T[] input, int steps, int rows, int width, Random random)
    {
        (_rows, _width) = (rows, width);
        var mask = Buffers.Ensure(ref _mask, (long)rows * width);
        T keep = T.CreateChecked(1.0 / (1.0 - Rate));
        for (int i = 0; i < rows * width; i++)
            mask[i] = random.NextDouble() < Rate ? T.Zero : keep;
        var output = Buffers.Ensure(ref _output, (long)steps * rows * width);
        Apply(input, output, steps);
        return output;
    }

    public T[] Backward(ReadOnlySpan<T> outputGrad, int steps)
    {
        var inputGrad = Buffers.Ensure(ref _inputGrad, (long)steps * _rows * _width);
        Apply(outputGrad, inputGrad, steps);
        return inputGrad;
    }

    /// <summary>The last backward pass's ∂L/∂input.</summary>
    public T[] InputGradient => _inputGrad ?? throw new InvalidOperationException("Call Backward first.");

    /// <summary>to_t = m ⊙ from_t for every step t: the same [B, W] mask at each.</summary>
    private void Apply(ReadOnlySpan<T> from, Span<T> to, int steps)
    {
        int block = _rows * _width;
        for (int t = 0; t < steps; t++)
            System.Numerics.Tensors.TensorPrimitives.Multiply<T>(from.Slice(t * block, block), _mask.AsSpan(0, block), to.Slice(t * block, block));
    }
}
