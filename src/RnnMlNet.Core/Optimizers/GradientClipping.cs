using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnMlNet.Core.Optimizers;

/// <summary>Gradient clipping: the standard cure for exploding gradients in BPTT.</summary>
internal static class GradientClipping
{
    /// <summary>The L2 norm of all gradients together, summed in double precision in an order fixed for a given machine.</summary>
    public static double GlobalNorm<T>(ReadOnlySpan<T> gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Math.Sqrt(SumOfSquares(MemoryMarshal.Cast<T, float>(gradients)));
        double sum = 0;
        foreach (T g in gradients)
        {
            double x = double.CreateChecked(g);
            sum += x * x;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>Σ g² of float gradients, summed in double: four independent vector sums (one running sum would wait on the
    /// previous addition at every term, about 1 ms per million weights), then added together; the order depends only on
    /// the length and the machine's vector width.</summary>
    private static double SumOfSquares(ReadOnlySpan<float> gradients)
    {
        int lanes = Vector<float>.Count, i = 0;
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= gradients.Length - 2 * lanes; i += 2 * lanes)
        {
            var a = Vector.WidenLower(new Vector<float>(gradients.Slice(i)));
            var b = Vector.WidenUpper(new Vector<float>(gradients.Slice(i)));
            var c = Vector.WidenLower(new Vector<float>(gradients.Slice(i + lanes)));
            var d = Vector.WidenUpper(new Vector<float>(gradients.Slice(i + lanes)));
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        double sum = Vector.Sum(s0 + s1 + s2 + s3);
        for (; i < gradients.Length; i++) sum += (double)gradients[i] * gradients[i];
        return sum;
    }

    /// <summary>Scales all gradients by maxNorm / norm when their global norm exceeds <paramref name="maxNorm"/>.</summary>
    public static void ClipByGlobalNorm<T>(Span<T> gradients, double norm, double maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (norm <= maxNorm || norm == 0) return;
        System.Numerics.Tensors.TensorPrimitives.Multiply<T>(gradients, T.CreateChecked(maxNorm / norm), gradients);
    }

    /// <summary>Clamps every gradient into [−<paramref name="maxValue"/>, <paramref name="maxValue"/>].</summary>
    public static void ClipByValue<T>(Span<T> gradients, double maxValue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T limit = T.CreateChecked(maxValue);
        System.Numerics.Tensors.TensorPrimitives.Clamp<T>(gradients, -limit, limit, gradients);
    }
}
