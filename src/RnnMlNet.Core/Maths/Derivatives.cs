using System.Numerics;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// Chain-rule factors of the two squashing functions, written in terms of their outputs
/// (which the forward pass keeps), applied in place to a gradient.
/// </summary>
internal static class Derivatives
{
    /// <summary>grad ⊙= s ⊙ (1 − s), since σ'(x) = σ(x)(1 − σ(x)).</summary>
    public static void MultiplyBySigmoidSlope<T>(Span<T> grad, ReadOnlySpan<T> sigmoidOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && grad.Length >= Vector<T>.Count)
        {
            var one = Vector<T>.One;
            for (; i <= grad.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var s = new Vector<T>(sigmoidOutput.Slice(i));
                (new Vector<T>(grad.Slice(i)) * s * (one - s)).CopyTo(grad.Slice(i));
            }
        }
        for (; i < grad.Length; i++)
            grad[i] *= sigmoidOutput[i] * (T.One - sigmoidOutput[i]);
    }

    /// <summary>grad ⊙= 1 − t², since tanh'(x) = 1 − tanh²(x).</summary>
    public static void MultiplyByTanhSlope<T>(Span<T> grad, ReadOnlySpan<T> tanhOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && grad.Length >= Vector<T>.Count)
        {
            var one = Vector<T>.One;
            for (; i <= grad.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var t = new Vector<T>(tanhOutput.Slice(i));
                (new Vector<T>(grad.Slice(i)) * (one - t * t)).CopyTo(grad.Slice(i));
            }
        }
        for (; i < grad.Length; i++)
            grad[i] *= T.One - tanhOutput[i] * tanhOutput[i];
    }
}
