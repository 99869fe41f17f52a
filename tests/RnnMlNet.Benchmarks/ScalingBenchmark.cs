using System.Diagnostics;
using System.Globalization;
using RnnMlNet.Core.Distributed;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Mpi;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// `scaling [--only W1e,W2] [--epochs 3]`: data-parallel training measured here, then modelled across machines.
/// <para>Measured on this machine, on W1e and W2 (random full-length sequences): one process with one thread and with two,
/// against two processes of one thread each (<c>mpirun.mpich -np 2</c>, two shards): time per epoch, and time in the
/// exchanges; then the exchange of one gradient alone, and the local part of it.</para>
/// <para>Modelled: the speed-up of N machines like this one (each running two threads on B/N of a global batch of B)
/// over 10 and 100 Gbit/s networks, from the measured time per sequence and the exchange's volume and message count; and
/// the global batch below which N machines are no faster than one.</para>
/// </summary>
internal static class ScalingBenchmark
{
    private const int Warmup = 1;

    /// <summary>Sequences per epoch: about two seconds of training an epoch for one process with two threads.</summary>
    private static int Rows(Workload workload) => workload.Name == "W2" ? 640 : 6400;

    public static int Run(string[] args)
    {
        int epochs = Option(args, "--epochs") is { } e ? int.Parse(e, CultureInfo.InvariantCulture) : 3;
        string[] only = Option(args, "--only")?.Split(',') ?? ["W1e", "W2"];
        Console.WriteLine($"Load average before: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores.");
        var rows = new List<string>();
        var measured = new List<(Workload Workload, int Weights, double RowSeconds, double LocalSeconds)>();
        foreach (var workload in Workload.All.Where(w => only.Contains(w.Name)))
        {
            var oneThread = Train(workload, threads: 1, epochs, SingleProcess.Instance, shards: null);
            var twoThreads = Train(workload, threads: 2, epochs, SingleProcess.Instance, shards: null);
            var ranks = RunRanks(workload, epochs);
            double local = CombineSeconds(SingleProcess.Instance, shards: 2, twoThreads.Weights);
            Console.WriteLine($"{workload.Name}: {twoThreads.Weights:N0} weights; epoch of {Rows(workload)}: 1×1 {oneThread.EpochSeconds:F2} s, " +
                $"1×2 {twoThreads.EpochSeconds:F2} s, 2×1 {ranks.EpochSeconds:F2} s ({ranks.ExchangeSeconds:F2} s in MPI calls); one whole exchange {ranks.CombineSeconds * 1e3:F2} ms, its local part {local * 1e3:F2} ms");
            string ratios = FormattableString.Invariant($"| {workload.Name} | {twoThreads.Weights / 1e6:F2} M | {oneThread.EpochSeconds / twoThreads.EpochSeconds:F2} | 1.00 | {ranks.EpochSeconds / twoThreads.EpochSeconds:F2} |");
            rows.Add(ratios + FormattableString.Invariant($" {100 * ranks.ExchangeSeconds / ranks.EpochSeconds:F1}% | {100 * ranks.CombineSeconds * Batches(workload) / ranks.EpochSeconds:F1}% |"));
            measured.Add((workload, twoThreads.Weights, twoThreads.EpochSeconds / Rows(workload), local));
        }
        Console.WriteLine($"Load average after: {File.ReadAllText("/proc/loadavg").Trim()}.");
        Console.WriteLine();
        Console.WriteLine("Time per epoch, relative to one process with two threads (lower is faster):");
        Console.WriteLine("| Workload | Weights | 1 process × 1 thread | 1 process × 2 threads | 2 processes × 1 thread | 2 × 1: share in MPI calls (waits included) | 2 × 1: share of whole exchanges (MPI and local sums, timed alone) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        PrintModel(measured);
        return 0;
    }

    /// <summary>One rank of the two-process run: `scaling-rank W1e epochs` under mpirun; rank 0 prints its figures.</summary>
    public static int RunRank(string[] args)
    {
        var workload = Workload.All.Single(w => w.Name == args[0]);
        int epochs = int.Parse(args[1], CultureInfo.InvariantCulture);
        using var mpi = MpiCommunicator.Start(ref args);
        var timed = new TimedCommunicator(mpi);
        var result = Train(workload, threads: 1, epochs, timed, shards: 2);
        mpi.Barrier();
        double combine = CombineSeconds(mpi, shards: 2, result.Weights);
        if (mpi.Rank == 0)
            Console.WriteLine(FormattableString.Invariant($"RANKS {result.EpochSeconds:R} {result.ExchangeSeconds:R} {combine:R}"));
        return 0;
    }

    private sealed record Result(double EpochSeconds, double ExchangeSeconds, int Weights, double CombineSeconds = 0);

    /// <summary>Trains for <paramref name="epochs"/> epochs; the mean epoch after the first (which pays for compiling).</summary>
    private static Result Train(Workload workload, int threads, int epochs, IRankCommunicator communicator, int? shards)
    {
        var network = new RecurrentNetwork<float>(workload.Options(threads), seed: 1);
        var timed = communicator as TimedCommunicator;
        var ends = new List<(TimeSpan Clock, double Exchange)>();
        new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
        {
            Epochs = epochs, BatchSize = workload.Batch, Seed = 1, DivergenceFactor = null,
            DataParallel = shards is int s ? new DataParallelOptions { Communicator = communicator, Shards = s } : null,
            OnEpoch = report => ends.Add((report.Elapsed, timed?.Seconds ?? 0)),
        }).Fit(workload.Examples(Rows(workload), seed: 1));
        double seconds = (ends[^1].Clock - ends[Warmup - 1].Clock).TotalSeconds / (epochs - Warmup);
        double exchange = (ends[^1].Exchange - ends[Warmup - 1].Exchange) / (epochs - Warmup);
        return new Result(seconds, exchange, network.Parameters.Count);
    }

    /// <summary>Mean seconds of one exchange of a gradient of <paramref name="weights"/> floats, every rank taking part.</summary>
    private static double CombineSeconds(IRankCommunicator communicator, int shards, int weights)
    {
        var combine = new ShardedGradient<float>(communicator, shards, weights);
        var local = Enumerable.Range(0, shards / communicator.Size).Select(_ => new float[weights]).ToArray();
        var scales = Enumerable.Repeat(1f / shards, shards).ToArray();
        var gradient = new float[weights];
        combine.Combine(local, scales, gradient);
        const int repeats = 20;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) combine.Combine(local, scales, gradient);
        return clock.Elapsed.TotalSeconds / repeats;
    }

    private static Result RunRanks(Workload workload, int epochs)
    {
        // Under `dotnet run` this process is the app host, not dotnet: the ranks run the assembly through dotnet either way.
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo("mpirun.mpich") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-np", "2", dotnet, "exec", typeof(ScalingBenchmark).Assembly.Location, "scaling-rank", workload.Name, epochs.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("mpirun.mpich did not start: install MPICH (apt-get install mpich).");
        var error = process.StandardError.ReadToEndAsync();
        var reading = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The two-process run did not finish within ten minutes.");
        }
        string output = reading.Result;
        string line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RANKS ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The two-process run failed ({process.ExitCode}): {output}{error.Result}");
        var values = line.Split(' ')[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new Result(values[0], values[1], 0, values[2]);
    }

    /// <summary>A network of N machines like this one: bandwidth in bits per second, latency per message.</summary>
    private sealed record Network(string Name, double BitsPerSecond, double Latency);

    private static readonly Network[] Networks = [new("10 Gbit/s", 10e9, 30e-6), new("100 Gbit/s", 100e9, 2e-6)];

    /// <summary>Seconds of one exchange among <paramref name="machines"/>: the all-to-all and the all-gather each move
    /// (N − 1)/N of the gradient in and out of every machine, in N − 1 messages, plus the measured local part (copies and
    /// the sum in shard order).</summary>
    private static double Exchange(int machines, int weights, double local, Network network) => machines == 1 ? 0
        : 2.0 * (machines - 1) / machines * weights * sizeof(float) * 8 / network.BitsPerSecond + 2.0 * (machines - 1) * network.Latency + local;

    private static void PrintModel(List<(Workload Workload, int Weights, double RowSeconds, double LocalSeconds)> measured)
    {
        Console.WriteLine("Modelled: N machines like this one, each with two threads on B/N sequences of a global batch of B, against one machine.");
        Console.WriteLine($"Networks: {string.Join("; ", Networks.Select(n => FormattableString.Invariant($"{n.Name} with {n.Latency * 1e6:F0} µs a message")))}.");
        foreach (var (workload, weights, rowSeconds, local) in measured)
        {
            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant($"{workload.Name} ({weights / 1e6:F2} M weights, {4.0 * weights / 1e6:F1} MB a gradient; measured {rowSeconds * 1e3:F3} ms a sequence):"));
            Console.WriteLine($"| N | speed-up, B = {workload.Batch}, 10 / 100 Gbit/s | speed-up, B = 1,024 | no faster than one below B = | half the ideal speed-up below B = |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (int n in new[] { 2, 4, 8, 16, 32, 64 })
            {
                string SpeedUp(int batch) => batch < n ? "—" : string.Join(" / ", Networks.Select(net =>
                    (batch * rowSeconds / (batch * rowSeconds / n + Exchange(n, weights, local, net))).ToString("F1", CultureInfo.InvariantCulture)));
                string Batch(Func<double, double> fromExchange) => string.Join(" / ", Networks.Select(net =>
                    Math.Ceiling(fromExchange(Exchange(n, weights, local, net))).ToString("N0", CultureInfo.InvariantCulture)));
                Console.WriteLine($"| {n} | {SpeedUp(workload.Batch)} | {SpeedUp(1024)} | {Batch(x => x / (rowSeconds * (1 - 1.0 / n)))} | {Batch(x => n * x / rowSeconds)} |");
            }
        }
    }

    private static int Batches(Workload workload) => (Rows(workload) + workload.Batch - 1) / workload.Batch;

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is int at and >= 0 ? args[at + 1] : null;
}
