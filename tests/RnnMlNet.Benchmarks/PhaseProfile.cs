using System.Diagnostics;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// `phases W2`: where one training step of a workload spends its time. The big products and the optimizer are timed
/// alone at the workload's shapes; forward and the whole step are timed on the real network; the recurrence
/// (per-step products and gate arithmetic) is what remains.
/// </summary>
internal static class PhaseProfile
{
    public static int Run(Workload w, int threads = 2)
    {
        int m = w.Steps * w.Batch, i = w.InputWidth, h = w.Hidden, g = w.Gates * h;
        var random = new Random(1);
        float[] Random(long n) => Enumerable.Range(0, (int)n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] x = Random((long)m * i), hs = Random((long)m * h), dz = Random((long)m * g), wi = Random((long)i * g), wh = Random((long)h * g);
        float[] z = new float[m * g], dx = new float[m * i], dwi = new float[i * g], dwh = new float[h * g];

        var engine = new OurEngine(w, threads);
        var network = new RecurrentNetwork<float>(w.Options(threads), seed: 1);
        var batch = w.Batches(1, seed: 2)[0];
        var adam = Optimizer<float>.Create(new OptimizerSettings());
        float[] grads = Random(network.Parameters.Count);

        var packed = new PackedWeights<float>();
        packed.Pack(wh, transposed: false, h, g);
        var packedT = new PackedWeights<float>();
        packedT.Pack(wh, transposed: true, g, h);
        var rows = new List<(string Name, double Ms, double Gflop)>
        {
            ("input projection x·W_i", Time(() => Gemm.AddProduct<float>(x, wi, z, m, i, g, threads)), 2.0 * m * i * g),
            ("∂W_i = xᵀ·∂z", Time(() => Gemm.AddProductTransposedA<float>(x, dz, dwi, m, i, g, threads)), 2.0 * m * i * g),
            ("∂x = ∂z·W_iᵀ", Time(() => Gemm.AddProductTransposedB<float>(dz, wi, dx, m, g, i, threads)), 2.0 * m * i * g),
            ("∂W_h = hᵀ·∂z", Time(() => Gemm.AddProductTransposedA<float>(hs, dz, dwh, m, h, g, threads)), 2.0 * m * h * g),
            ($"{w.Steps} recurrent products h·W_h, {w.Batch / 2} rows, 1 thread", Time(() =>
            {
                for (int t = 0; t < w.Steps; t++) Gemm.AddProduct(hs.AsSpan(0, w.Batch / 2 * h), packed, z.AsSpan(0, w.Batch / 2 * g), w.Batch / 2, threads: 1);
            }), 2.0 * w.Steps * (w.Batch / 2) * h * g),
            ($"{w.Steps} recurrent products ∂z·W_hᵀ, {w.Batch / 2} rows, 1 thread", Time(() =>
            {
                for (int t = 0; t < w.Steps; t++) Gemm.AddProduct(dz.AsSpan(0, w.Batch / 2 * g), packedT, hs.AsSpan(0, w.Batch / 2 * h), w.Batch / 2, threads: 1);
            }), 2.0 * w.Steps * (w.Batch / 2) * h * g),
            ($"{w.Steps} cell steps (product and gates), {w.Batch / 2} rows, 1 thread", Time(CellSteps(w, w.Batch / 2)), 2.0 * w.Steps * (w.Batch / 2) * h * g),
            ("Adam over all weights", Time(() => adam.Update(network.Parameters.Values, grads, 1e-3)), 0),
            ("forward pass (whole)", Time(() => network.Forward(batch)), 2.0 * m * g * (i + h)),
            ("training step (whole)", Time(engine.TrainOne), w.MatrixFlopsPerBatch),
        };
        Console.WriteLine($"{w.Name}: {w.Shape}, {threads} threads, median of 5 runs each");
        Console.WriteLine("| Phase | ms | GFLOP/s |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, ms, gflop) in rows)
            Console.WriteLine($"| {name} | {ms:F1} | {(gflop > 0 ? (gflop / ms / 1e6).ToString("F0") : "")} |");
        return 0;
    }

    /// <summary>The forward recurrence of one thread's rows, through the cell itself (buffers allocated outside the timing).</summary>
    private static Action CellSteps(Workload w, int rows)
    {
        var parameters = new RnnMlNet.Core.Parameters.ParameterSet<float>();
        var cell = RnnMlNet.Core.Cells.RecurrentCell<float>.Create(w.Cell, parameters, "cell", w.Hidden, w.Hidden);
        var weights = new PackedWeights<float>();
        weights.Pack(parameters.Value(cell.RecurrentWeights), transposed: false, w.Hidden, cell.GateWidth);
        int h = w.Hidden, g = cell.GateWidth;
        float[] gates = new float[w.Steps * rows * g], hidden = new float[(w.Steps + 1) * rows * h], state = new float[(w.Steps + 1) * rows * h];
        float[] cache = new float[w.Steps * rows * cell.CacheWidth];
        return () =>
        {
            for (int t = 0; t < w.Steps; t++)
            {
                var step = new RnnMlNet.Core.Cells.CellStep<float>
            {
                Rows = rows, Gates = gates.AsSpan(t * rows * g, rows * g), HiddenPrev = hidden.AsSpan(t * rows * h, rows * h),
                Hidden = hidden.AsSpan((t + 1) * rows * h, rows * h), CellPrev = state.AsSpan(t * rows * h, rows * h),
                Cell = state.AsSpan((t + 1) * rows * h, rows * h), Cache = cache.AsSpan(t * rows * cell.CacheWidth, rows * cell.CacheWidth),
                RecurrentWeights = weights,
                };
                cell.Forward(ref step, threads: 1);
            }
        };
    }

    private static double Time(Action action)
    {
        action();
        var times = new double[5];
        for (int r = 0; r < times.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[r] = clock.Elapsed.TotalMilliseconds;
        }
        return times.Order().ElementAt(times.Length / 2);
    }
}
