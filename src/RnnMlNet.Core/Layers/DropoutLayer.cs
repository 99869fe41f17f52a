using System.Numerics;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Inverted dropout between recurrent layers: in training each value is kept with probability 1 − p and scaled
/// by 1/(1 − p), so inference needs no rescaling. The mask drawn in forward is applied again in backward.
/// </summary>
internal sealed class DropoutLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _mask, _output, _inputGrad;

    public DropoutLayer(double rate) => Rate = rate;

    public double Rate { get; }

    public T[] Forward(T[] input, int length, Random random)
    {
        var mask = Buffers.Ensure(ref _mask, length);
        var output = Buffers.Ensure(ref _output, length);
        T keep = T.CreateChecked(1.0 / (1.0 - Rate));
        for (int i = 0; i < length; i++)
            mask[i] = random.NextDouble() < Rate ? T.Zero : keep;
        System.Numerics.Tensors.TensorPrimitives.Multiply<T>(input.AsSpan(0, length), mask.AsSpan(0, length), output.AsSpan(0, length));
        return output;
    }

    public T[] Backward(ReadOnlySpan<T> outputGrad, int length)
    {
        var inputGrad = Buffers.Ensure(ref _inputGrad, length);
        System.Numerics.Tensors.TensorPrimitives.Multiply<T>(outputGrad.Slice(0, length), _mask.AsSpan(0, length), inputGrad.AsSpan(0, length));
        return inputGrad;
    }
}
