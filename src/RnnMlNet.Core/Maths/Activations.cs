using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// The squashing functions of the cells. Float uses a rational approximation of tanh (Eigen's, absolute error
/// below 1e-6) on whole vectors: TensorPrimitives' exp-based versions measured about 5 ns per element here,
/// more than the recurrent product of a step for H = 128. Other types (the double of gradient checks) keep
/// TensorPrimitives. Every element goes through the same vector formula, the tail included, so results do not
/// depend on an element's position.
/// </summary>
internal static class Activations
{
    /// <summary>y = σ(x) = ½·tanh(x/2) + ½.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Apply<SigmoidFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>y = tanh(x).</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Apply<TanhFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Tanh(x, y);
    }

    private static void Apply<TFunction>(ReadOnlySpan<float> x, Span<float> y) where TFunction : struct, IVectorFunction
    {
        if (y.Length < x.Length) throw new ArgumentException("Destination too short.", nameof(y));
        int width = Vector<float>.Count, i = 0;
        for (; i <= x.Length - width; i += width)
            TFunction.Invoke(new Vector<float>(x.Slice(i))).CopyTo(y.Slice(i));
        if (i == x.Length) return;
        Span<float> tail = stackalloc float[width];
        tail.Clear();
        x.Slice(i).CopyTo(tail);
        TFunction.Invoke(new Vector<float>(tail)).CopyTo(tail);
        tail.Slice(0, x.Length - i).CopyTo(y.Slice(i));
    }

    private interface IVectorFunction
    {
        static abstract Vector<float> Invoke(Vector<float> x);
    }

    private struct TanhFunction : IVectorFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Invoke(Vector<float> x) => TanhVector(x);
    }

    private struct SigmoidFunction : IVectorFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Invoke(Vector<float> x)
        {
            var half = new Vector<float>(0.5f);
            return half * TanhVector(half * x) + half;
        }
    }

    /// <summary>tanh(x) ≈ x·P(x²)/Q(x²) on [−7.9, 7.9] (where float tanh is ±1 beyond), x itself below 4e-4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> TanhVector(Vector<float> input)
    {
        var clamp = new Vector<float>(7.90531110763549805f);
        var x = Vector.Max(Vector.Min(input, clamp), -clamp);
        var x2 = x * x;
        var p = new Vector<float>(-2.76076847742355e-16f);
        p = p * x2 + new Vector<float>(2.00018790482477e-13f);
        p = p * x2 + new Vector<float>(-8.60467152213735e-11f);
        p = p * x2 + new Vector<float>(5.12229709037114e-08f);
        p = p * x2 + new Vector<float>(1.48572235717979e-05f);
        p = p * x2 + new Vector<float>(6.37261928875436e-04f);
        p = p * x2 + new Vector<float>(4.89352455891786e-03f);
        p *= x;
        var q = new Vector<float>(1.19825839466702e-06f);
        q = q * x2 + new Vector<float>(1.18534705686654e-04f);
        q = q * x2 + new Vector<float>(2.26843463243900e-03f);
        q = q * x2 + new Vector<float>(4.89352518554385e-03f);
        var tiny = Vector.LessThan(Vector.Abs(input), new Vector<float>(0.0004f));
        return Vector.ConditionalSelect(tiny, input, p / q);
    }
}
