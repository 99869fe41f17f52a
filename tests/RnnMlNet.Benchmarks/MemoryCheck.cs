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
        var network = new RecurrentNetwork<float>(workload.Options(threads: 2), seed: 1);
        var trainer = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 1, BatchSize = workload.Batch, ShuffleBufferSize = 1000 });
        foreach (int rows in new[] { 1000, 4000 })
        {
            var clock = Stopwatch.StartNew();
            trainer.Fit(new GeneratedRows(workload, rows));
            using var process = Process.GetCurrentProcess();
            Console.WriteLine($"{workload.Name}, {rows,5} streamed rows: peak working set {process.PeakWorkingSet64 / (1 << 20)} MB, managed heap {GC.GetTotalMemory(forceFullCollection: true) / (1 << 20)} MB ({clock.Elapsed.TotalSeconds:F0}s)");
        }
        return 0;
    }
}
