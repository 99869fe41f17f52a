// Shared by the samples that train for more than a few seconds: a progress line on the console.
using RnnMlNet;

/// <summary>
/// Training progress on one console line, rewritten after every batch: epoch, batch, loss, pace and the time the epoch
/// still needs. Only on a terminal: when the output goes to a file or a pipe, the per-epoch lines alone are written.
/// </summary>
public static class ConsoleProgress
{
    private const int Width = 110;

    /// <summary>For <c>BatchProgress</c>; <paramref name="unit"/> names what a row is ("names", "messages").</summary>
    public static IProgress<BatchReport> Batches(string unit) => new ImmediateProgress<BatchReport>(b =>
    {
        if (Console.IsOutputRedirected) return;
        string of = b.BatchesInEpoch > 0 ? $"/{b.BatchesInEpoch}" : "";
        string left = b.EpochRemaining is { } remaining ? $", {remaining.TotalSeconds:F0}s left in the epoch" : "";
        Console.Write($"\r  epoch {b.Epoch}, batch {b.Batch}{of}: loss {b.Loss:F4}, {b.RowsPerSecond:F0} {unit}/s{left}".PadRight(Width));
    });

    /// <summary>Writes a line over the progress line (use it for the per-epoch reports).</summary>
    public static void Line(string text) => Console.WriteLine(Console.IsOutputRedirected ? text : $"\r{text.PadRight(Width)}");
}
