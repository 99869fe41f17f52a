using System.Numerics;

namespace RnnMlNet.Core.Losses;

/// <summary>
/// Softmax cross-entropy with a class index as target, optionally weighted per class (the weighted mean
/// Σ w_y·ℓ / Σ w_y, as PyTorch's CrossEntropyLoss):
/// <code>
/// p = softmax(x)      ℓ = −log p_y      ∂ℓ/∂x = p − onehot(y)
/// </code>
/// </summary>
public sealed class SoftmaxCrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double[]? _classWeights;

    /// <summary>Creates the loss; <paramref name="classWeights"/> (one positive weight per class) is optional.</summary>
    public SoftmaxCrossEntropy(IReadOnlyList<double>? classWeights = null)
    {
        if (classWeights is not null && classWeights.Any(w => !(w > 0) || double.IsInfinity(w)))
            throw new ArgumentException("Class weights must be finite and positive.", nameof(classWeights));
        _classWeights = classWeights?.ToArray();
    }

    /// <inheritdoc />
    public override int TargetWidth(int outputs) => 1;

    /// <summary>The loss and its class weights.</summary>
    public override string ToString() =>
        $"SoftmaxCrossEntropy({(_classWeights is null ? "" : string.Join(", ", _classWeights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))})";

    /// <inheritdoc />
    public override bool CountsErrors => true;

    /// <summary>The row predicts its largest logit's class (the first of equal ones), as ML.NET's PredictedLabel does; it
    /// counts with its label's weight, as in the loss.</summary>
    protected override (double Wrong, double Made) RowErrors(ReadOnlySpan<T> logits, ReadOnlySpan<T> target)
    {
        int best = 0, y = (int)double.CreateChecked(target[0]);
        for (int j = 1; j < logits.Length; j++)
            if (logits[j] > logits[best]) best = j;
        double weight = _classWeights?[y] ?? 1.0;
        return (best == y ? 0 : weight, weight);
    }

    /// <inheritdoc />
    protected override double RowLoss(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> grad, int row, out double loss)
    {
        double label = double.CreateChecked(target[0]);
        int classes = logits.Length;
        if (label != Math.Floor(label) || label < 0 || label >= classes)
            throw new ArgumentException($"Target row {row} is {label}; expected a class index, an integer in [0, {classes}).");
        if (_classWeights is not null && _classWeights.Length != classes)
            throw new ArgumentException($"{_classWeights.Length} class weights were given for {classes} classes.");
        int y = (int)label;
        double weight = _classWeights?[y] ?? 1.0;

        // log-sum-exp shifted by the max logit, so large logits cannot overflow
        double max = double.NegativeInfinity;
        for (int j = 0; j < classes; j++) max = Math.Max(max, double.CreateChecked(logits[j]));
        double sum = 0;
        for (int j = 0; j < classes; j++) sum += Math.Exp(double.CreateChecked(logits[j]) - max);
        double logSumExp = max + Math.Log(sum);

        loss = weight * (logSumExp - double.CreateChecked(logits[y]));
        for (int j = 0; j < classes; j++)
        {
            double p = Math.Exp(double.CreateChecked(logits[j]) - logSumExp);
            grad[j] = T.CreateChecked(weight * (p - (j == y ? 1 : 0)));
        }
        return weight;
    }
}
