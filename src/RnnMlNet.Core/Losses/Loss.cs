using System.Numerics;

namespace RnnMlNet.Core.Losses;

/// <summary>
/// A loss over rows of logits. It returns the mean loss over the rows that count, and writes
/// ∂(mean loss)/∂logits. Rows outside the mask (padded steps) get zero gradient.
/// </summary>
public abstract class Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Values per target row for a head with <paramref name="outputs"/> outputs.</summary>
    public abstract int TargetWidth(int outputs);

    /// <summary>Computes the loss and its gradient.</summary>
    /// <param name="logits">[rows, outputs] head outputs.</param>
    /// <param name="targets">[rows, TargetWidth(outputs)].</param>
    /// <param name="rowMask">1 for rows that count, 0 for padding; empty means every row counts.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="outputs">Number of logits per row.</param>
    /// <param name="logitsGrad">[rows, outputs] receives ∂(mean loss)/∂logits.</param>
    public double Evaluate(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, ReadOnlySpan<byte> rowMask, int rows, int outputs, Span<T> logitsGrad) =>
        Evaluate(logits, targets, rowMask, rows, outputs, logitsGrad, out _);

    /// <summary>As <see cref="Evaluate(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{byte}, int, int, Span{T})"/>, also giving the
    /// total weight the mean was taken over (rows, rows × outputs, or the sum of class weights), to combine batches.</summary>
    public double Evaluate(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, ReadOnlySpan<byte> rowMask, int rows, int outputs, Span<T> logitsGrad, out double totalWeight)
    {
        int width = TargetWidth(outputs);
        double total = 0, weight = 0;
        for (int r = 0; r < rows; r++)
        {
            Span<T> grad = logitsGrad.Slice(r * outputs, outputs);
            if (!rowMask.IsEmpty && rowMask[r] == 0)
            {
                grad.Clear();
                continue;
            }
            double rowWeight = RowLoss(logits.Slice(r * outputs, outputs), targets.Slice(r * width, width), grad, r, out double rowLoss);
            total += rowLoss;
            weight += rowWeight;
        }
        totalWeight = weight;
        if (weight <= 0) return 0;
        T scale = T.CreateChecked(1.0 / weight);
        for (int r = 0; r < rows; r++)
            System.Numerics.Tensors.TensorPrimitives.Multiply<T>(logitsGrad.Slice(r * outputs, outputs), scale, logitsGrad.Slice(r * outputs, outputs));
        return total / weight;
    }

    /// <summary>One row: writes the gradient of the row's weighted loss, returns the row's weight in the mean.</summary>
    protected abstract double RowLoss(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> grad, int row, out double loss);

    /// <summary>Whether the loss's predictions can be wrong or right (classification), so that <see cref="Errors"/> counts.</summary>
    public virtual bool CountsErrors => false;

    /// <summary>The wrong predictions among the rows that count, and how many predictions were made, each weighted by its
    /// true class's weight as the loss is (so early stopping ranks epochs by what the weights ask for: with weights inverse
    /// to the classes' frequencies among these rows, their ratio is one minus the balanced accuracy); (0, 0) for a loss that
    /// does not classify.</summary>
    public (double Errors, double Predictions) Errors(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, ReadOnlySpan<byte> rowMask, int rows, int outputs)
    {
        if (!CountsErrors) return (0, 0);
        int width = TargetWidth(outputs);
        double errors = 0, predictions = 0;
        for (int r = 0; r < rows; r++)
        {
            if (!rowMask.IsEmpty && rowMask[r] == 0) continue;
            var (wrong, made) = RowErrors(logits.Slice(r * outputs, outputs), targets.Slice(r * width, width));
            errors += wrong;
            predictions += made;
        }
        return (errors, predictions);
    }

    /// <summary>One row's wrong predictions and predictions made, weighted; only called when <see cref="CountsErrors"/>.</summary>
    protected virtual (double Wrong, double Made) RowErrors(ReadOnlySpan<T> logits, ReadOnlySpan<T> target) => throw new NotSupportedException();
}
