using System.Globalization;
using System.Text;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// `compare` mode: each workload trained by our engine and by the PyTorch peer, alternately, a few rounds each
/// (so drift in machine load hits both sides); then inference on W1e and W2 against ONNX Runtime, and training memory
/// on streamed rows; then one markdown table of every row, all measured in this run.
/// `--only W1,W2` limits the workloads; `--no-inference` and `--no-memory` skip those rows.
/// </summary>
internal static class CompareDriver
{
    private const int Threads = 2;
    private static bool s_busy;

    public static int Run(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 3);
        double seconds = IntOption(args, "--seconds", 3);
        string python = StringOption(args, "--python", "/usr/bin/python3");
        string[] only = StringOption(args, "--only", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var workloads = Workload.All.Where(w => only.Length == 0 || only.Contains(w.Name)).ToArray();

        using var peer = new Peer(python);
        var table = new StringBuilder();
        table.AppendLine(MachineDescription(peer));
        table.AppendLine($"Both sides: {Threads} threads, fp32, Adam lr 1e-3, BCE with logits on Linear(H,1) of the last hidden state. "
            + $"{rounds} alternating rounds of at least {seconds} s each per side: best [median, min]. Other processes only ever slow a round down, "
            + "so the ratio is taken of the best rounds; the ratio of medians is given too.  ");
        // Before our first round the load is other processes' only. PyTorch's OpenMP barriers collapse when they
        // compete for the cores, so a busy machine flatters us: withhold the verdicts then.
        double startLoad = double.Parse(LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture);
        s_busy = startLoad > 1.0;
        table.AppendLine($"Load average at start: {LoadAverage()}{(s_busy ? " — the machine is busy: ratios are unreliable, verdicts withheld" : "")}.");
        var rowsText = new StringBuilder();
        // First, while the process's peak working set is still W2 training's own.
        string memoryRow = args.Contains("--no-memory") ? "" : MemoryCheck.TableRow(Workload.All.Single(w => w.Name == "W2")) + "\n";

        var (oursGemm, peerGemm) = Alternate(rounds, () => OurEngine.SgemmGflops(2048, Threads), () => peer.MmGflops(2048));
        double peak = Math.Max(oursGemm.Max(), peerGemm.Max());
        rowsText.AppendLine(Row("SGEMM", "C = A·B, 2048², GFLOP/s", oursGemm, peerGemm, target: null));

        foreach (var workload in workloads)
        {
            Console.Error.WriteLine($"{workload.Name}: {workload.Shape}");
            var ours = new OurEngine(workload, Threads);
            var (oursRate, peerRate) = Alternate(rounds, () => ours.SequencesPerSecond(seconds), () => peer.SequencesPerSecond(workload, seconds));
            rowsText.AppendLine(Row(workload.Name, workload.Shape + ", training seq/s", oursRate, peerRate, workload.Target));
            if (workload.Name == "W2")
            {
                double gflops = oursRate.Max() / workload.Batch * workload.MatrixFlopsPerBatch / 1e9;
                double share = gflops / peak;
                rowsText.AppendLine($"| W2 GEMM rate | {workload.MatrixFlopsPerBatch / 1e9:F1} GFLOP of matrix products per batch | {gflops:F0} GFLOP/s | | {share:P0} of the best SGEMM ({peak:F0}) | | ≥ 60% | {(s_busy ? "withheld" : share >= 0.6 ? "yes" : "no")} |");
            }
        }
        if (!args.Contains("--no-inference"))
            foreach (var workload in Workload.All.Where(w => w.Name is "W1e" or "W2" && (only.Length == 0 || only.Contains(w.Name))))
            {
                Console.Error.WriteLine($"{workload.Name}: inference");
                foreach (string row in InferenceBenchmark.TableRows(workload, s_busy)) rowsText.AppendLine(row);
            }
        rowsText.Append(memoryRow);
        table.AppendLine($"Load average at end: {LoadAverage()}.");
        table.AppendLine();
        table.AppendLine(Header);
        table.Append(rowsText);
        Console.WriteLine(table);
        return 0;
    }

    /// <summary>Runs ours, then the peer, <paramref name="rounds"/> times.</summary>
    private static (double[] Ours, double[] Peer) Alternate(int rounds, Func<double> ours, Func<double> peer)
    {
        var a = new double[rounds];
        var b = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            a[r] = ours();
            b[r] = peer();
            Console.Error.WriteLine($"  round {r + 1}: ours {a[r]:F1}, peer {b[r]:F1}");
        }
        return (a, b);
    }

    public const string Header = "| Row | Workload | Ours | Peer | Ours / peer (best) | (median) | Target | Met |\n|---|---|---|---|---|---|---|---|";

    private static string Row(string name, string what, double[] ours, double[] peer, double? target) => Row(name, what, ours, peer, target, s_busy);

    /// <summary>A rate (higher is better): best [median, worst] of the rounds on each side.</summary>
    public static string Row(string name, string what, double[] ours, double[] peer, double? target, bool withheld)
    {
        double ratio = ours.Max() / peer.Max();
        string goal = target is double t ? $"≥ {t}×" : "";
        string met = target is double g ? (withheld ? "withheld" : ratio >= g ? "yes" : "no") : "";
        return $"| {name} | {what} | {Summary(ours)} | {Summary(peer)} | {ratio:F2}× | {Median(ours) / Median(peer):F2}× | {goal} | {met} |";
    }

    /// <summary>A latency (lower is better): p50 best [median, worst] of the rounds, and the median p99, on each side.</summary>
    public static string LatencyRow(string name, string what, double[] oursP50, double[] oursP99, double[] peerP50, double[] peerP99, double? target, bool withheld)
    {
        double ratio = oursP50.Min() / peerP50.Min();
        string goal = target is double t ? $"≤ {t}×" : "";
        string met = target is double g ? (withheld ? "withheld" : ratio <= g ? "yes" : "no") : "";
        static string Latency(double[] p50, double[] p99) => $"p50 {p50.Min():F3} [{Median(p50):F3}, {p50.Max():F3}], p99 {Median(p99):F3}";
        return $"| {name} | {what} | {Latency(oursP50, oursP99)} | {Latency(peerP50, peerP99)} | {ratio:F2}× | {Median(oursP50) / Median(peerP50):F2}× | {goal} | {met} |";
    }

    private static string Summary(double[] values) => $"{values.Max():F0} [{Median(values):F0}, {values.Min():F0}]";

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string MachineDescription(Peer peer)
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        string flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags")) ?? "";
        string simd = string.Join(" ", new[] { "avx2", "fma", "avx512f" }.Where(f => flags.Split(' ').Contains(f)));
        var info = peer.Info;
        return $"Machine: {cpu}, {Environment.ProcessorCount} cores ({simd}), .NET {Environment.Version}, SGEMM path {RnnMlNet.Core.Maths.Sgemm.Best}.  \n"
            + $"Peer: PyTorch {info["torch"]} ({info["threads"]} threads, mkldnn {info["mkldnn"]}), BLAS {string.Join(", ", info["blas"]!.AsArray().Select(p => Path.GetFileName((string)p!)))}.";
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    private static string StringOption(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
