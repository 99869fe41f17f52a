using System.Diagnostics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// Training memory against the number of rows: W2 trains for one epoch on rows generated on the fly (streamed, as from
/// an IDataView), first 1,000 rows, then 4,000; the process's peak working set is read after each. If memory grew with
/// the rows, the second peak would be far above the first.
/// </summary>
internal static class MemoryCheck
{
    private sealed class GeneratedRows(Workload workload, int count) : ISequenceSource<float>
    {
        public int? Count => null;

        public IEnumerable<LabeledSequence<float>> Read()
        {
            var random = new Random(3);
            for (int i = 0; i < count; i++)
                yield return new LabeledSequence<float>(
                    Sequence<float>.FromTokens(Enumerable.Range(0, workload.Steps).Select(_ => random.Next(workload.Vocabulary)).ToArray()), [random.Next(2)]);
        }
    }

    public static int Run(Workload workload)
    {
        Console.WriteLine(CompareDriver.Header);
        Console.WriteLine(TableRow(workload));
        return 0;
    }

    /// <summary>The memory row: peak working set after 1,000 streamed rows and after 4,000 more; met when the second is
    /// within 10% of the first (flat in the rows) and under 1 GB. Other processes do not change it, so it is never withheld.</summary>
    public static string TableRow(Workload workload)
    {
        var network = new RecurrentNetwork<float>(workload.Options(threads: 2), seed: 1);
        var trainer = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 1, BatchSize = workload.Batch, ShuffleBufferSize = 1000 });
        var peaks = new List<long>();
        foreach (int rows in new[] { 1000, 4000 })
        {
            Console.Error.WriteLine($"{workload.Name}: training on {rows} streamed rows");
            trainer.Fit(new GeneratedRows(workload, rows));
            using var process = Process.GetCurrentProcess();
            peaks.Add(process.PeakWorkingSet64 / (1 << 20));
        }
        bool met = peaks[1] <= peaks[0] * 1.1 && peaks[1] < 1024;
        return $"| Training memory | {workload.Name} streamed from a generated source, peak working set after 1,000 rows → after 4,000 more | {peaks[0]} MB → {peaks[1]} MB | | | | flat, < 1 GB | {(met ? "yes" : "no")} |";
    }
}
