using System.Numerics;

namespace RnnMlNet.Core.Losses;

/// <summary>
/// Mean squared error over every output of every row (PyTorch's MSELoss):
/// <code>
/// ℓ = (x − y)²      ∂ℓ/∂x = 2·(x − y)          averaged over rows × outputs
/// </code>
/// </summary>
public sealed class MeanSquaredError<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override int TargetWidth(int outputs) => outputs;

    /// <summary>The loss's name.</summary>
    public override string ToString() => "MeanSquaredError";

    /// <inheritdoc />
    protected override double RowLoss(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> grad, int row, out double loss)
    {
        loss = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            double y = double.CreateChecked(target[j]);
            if (!double.IsFinite(y))
                throw new ArgumentException($"Target row {row}, output {j} is {y}; regression targets must be finite.");
            double error = double.CreateChecked(logits[j]) - y;
            loss += error * error;
            grad[j] = T.CreateChecked(2 * error);
        }
        return logits.Length;
    }
}
