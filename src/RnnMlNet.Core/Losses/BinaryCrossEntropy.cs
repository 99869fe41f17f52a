using System.Numerics;

namespace RnnMlNet.Core.Losses;

/// <summary>
/// Binary cross-entropy on logits, one independent label in [0, 1] per output, in the overflow-safe form
/// <code>
/// ℓ(x, y) = max(x, 0) − x·y + log(1 + e^(−|x|))        ∂ℓ/∂x = σ(x) − y
/// </code>
/// </summary>
public sealed class BinaryCrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override int TargetWidth(int outputs) => outputs;

    /// <inheritdoc />
    protected override double RowLoss(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> grad, int row, out double loss)
    {
        loss = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            double x = double.CreateChecked(logits[j]), y = double.CreateChecked(target[j]);
            if (!(y >= 0 && y <= 1))
                throw new ArgumentException($"Target row {row}, output {j} is {y}; binary labels must lie in [0, 1].");
            loss += Math.Max(x, 0) - x * y + Math.Log(1 + Math.Exp(-Math.Abs(x)));
            grad[j] = T.CreateChecked(1 / (1 + Math.Exp(-x)) - y);
        }
        return logits.Length;
    }
}
