using System.Diagnostics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Benchmarks;

/// <summary>Our side of the comparison: a network and trainer set up like the peer (Adam lr 1e-3, BCE on logits, no clipping).</summary>
internal sealed class OurEngine
{
    private readonly RecurrentTrainer<float> _trainer;
    private readonly SequenceBatch<float>[] _batches;
    private int _next;

    public OurEngine(Workload workload, int threads)
    {
        var network = new RecurrentNetwork<float>(workload.Options(threads), seed: 1);
        _trainer = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
        {
            LearningRate = 1e-3, BatchSize = workload.Batch, ClipNorm = null,
        });
        _batches = workload.Batches(4, seed: 1);
        Batch = workload.Batch;
        // Warm-up: buffers, and tiered JIT, which takes thousands of calls to optimise the small element-wise helpers.
        SequencesPerSecond(seconds: 1);
    }

    public int Batch { get; }

    /// <summary>Trains for at least <paramref name="seconds"/> and three batches; returns sequences per second.</summary>
    public double SequencesPerSecond(double seconds)
    {
        var clock = Stopwatch.StartNew();
        int batches = 0;
        while (batches < 3 || clock.Elapsed.TotalSeconds < seconds)
        {
            TrainOne();
            batches++;
        }
        return batches * Batch / clock.Elapsed.TotalSeconds;
    }

    public void TrainOne() => _trainer.TrainBatch(_batches[_next++ % _batches.Length], 1e-3);

    /// <summary>Our SGEMM on n×n matrices: the best of a few runs, in GFLOP/s.</summary>
    public static double SgemmGflops(int n, int threads, int repeats = 5)
    {
        var random = new Random(1);
        float[] a = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
        float[] b = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
        float[] c = new float[n * n];
        Gemm.AddProduct<float>(a, b, c, n, n, n, threads);
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            Gemm.AddProduct<float>(a, b, c, n, n, n, threads);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
