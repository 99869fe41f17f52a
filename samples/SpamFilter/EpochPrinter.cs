using RnnMlNet.Core.Training;

namespace SpamFilter;

/// <summary>
/// Prints each epoch as it ends. Not <see cref="Progress{T}"/>: that posts reports to the thread pool,
/// where they can print after the lines that follow training, or out of order.
/// </summary>
public sealed class EpochPrinter : IProgress<EpochReport>
{
    public void Report(EpochReport e) =>
        Console.WriteLine($"  epoch {e.Epoch}: training loss {e.TrainingLoss:F4}, {e.Elapsed.TotalSeconds:F0}s since training began");
}
