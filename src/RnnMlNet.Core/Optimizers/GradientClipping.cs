using System.Numerics;

namespace RnnMlNet.Core.Optimizers;

/// <summary>Gradient clipping: the standard cure for exploding gradients in BPTT.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all gradients together, summed in double precision in a fixed order.</summary>
    public static double GlobalNorm<T>(ReadOnlySpan<T> gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (T g in gradients)
        {
            double x = double.CreateChecked(g);
            sum += x * x;
        }
        return Math.Sqrt(sum);
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
