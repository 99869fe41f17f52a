using System.Numerics;

namespace RnnMlNet.Core.Losses;

/// <summary>
/// Binary cross-entropy on logits, one independent label in [0, 1] per output, in the overflow-safe form, each term
/// weighted by its class (w = y·w₁ + (1 − y)·w₀, for imbalanced data) and the batch's mean taken over the weights:
/// <code>
/// ℓ(x, y) = w · (max(x, 0) − x·y + log(1 + e^(−|x|)))        ∂ℓ/∂x = w · (σ(x) − y)
/// </code>
/// </summary>
public sealed class BinaryCrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _negativeWeight, _positiveWeight;

    /// <summary>Creates the loss; the weights of label 0 and label 1 are optional (default 1 each).</summary>
    public BinaryCrossEntropy(double negativeWeight = 1, double positiveWeight = 1)
    {
        if (!(negativeWeight > 0 && double.IsFinite(negativeWeight) && positiveWeight > 0 && double.IsFinite(positiveWeight)))
            throw new ArgumentException($"Class weights {negativeWeight} and {positiveWeight}: both must be finite and positive.");
        (_negativeWeight, _positiveWeight) = (negativeWeight, positiveWeight);
    }

    /// <inheritdoc />
    public override int TargetWidth(int outputs) => outputs;

    /// <summary>The loss and its class weights.</summary>
    public override string ToString() => FormattableString.Invariant($"BinaryCrossEntropy({_negativeWeight:R}, {_positiveWeight:R})");

    /// <inheritdoc />
    public override bool CountsErrors => true;

    /// <summary>Each output predicts its label true when its logit is above 0 (σ(x) &gt; 0.5); a label of 0.5 or more is
    /// true. Each prediction counts with its label's weight w, as in the loss.</summary>
    protected override (double Wrong, double Made) RowErrors(ReadOnlySpan<T> logits, ReadOnlySpan<T> target)
    {
        double wrong = 0, made = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            double y = double.CreateChecked(target[j]), weight = y * _positiveWeight + (1 - y) * _negativeWeight;
            if ((logits[j] > T.Zero) != (y >= 0.5)) wrong += weight;
            made += weight;
        }
        return (wrong, made);
    }

    /// <inheritdoc />
    protected override double RowLoss(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> grad, int row, out double loss)
    {
        loss = 0;
        double rowWeight = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            double x = double.CreateChecked(logits[j]), y = double.CreateChecked(target[j]);
            if (!(y >= 0 && y <= 1))
                throw new ArgumentException($"Target row {row}, output {j} is {y}; binary labels must lie in [0, 1].");
            double weight = y * _positiveWeight + (1 - y) * _negativeWeight;
            loss += weight * (Math.Max(x, 0) - x * y + Math.Log(1 + Math.Exp(-Math.Abs(x))));
            grad[j] = T.CreateChecked(weight * (1 / (1 + Math.Exp(-x)) - y));
            rowWeight += weight;
        }
        return rowWeight;
    }
}
