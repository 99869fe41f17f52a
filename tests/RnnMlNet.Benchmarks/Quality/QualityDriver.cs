using System.Diagnostics;
using Microsoft.ML;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// `quality [--only names,spam,births] [--skip-tuned] [--spam-splits 1,7]`: each task on a fixed seeded split, the recurrent model with default
/// options (only column names given) and with its best known options, beside ML.NET's classic baseline, trained and
/// evaluated in one run; prints one table.
/// </summary>
internal static class QualityDriver
{
    /// <summary>One model on one task: what it scored on the test split and how long it trained.</summary>
    public sealed record Result(string Task, string Model, IReadOnlyList<(string Metric, double Value)> Metrics, TimeSpan Training);

    /// <summary>What to run: tuned options beside the defaults, and which seeded splits of the spam corpus.</summary>
    public sealed record Settings(bool Tuned, int[] SpamSplits);

    /// <summary>A contestant: a pipeline that is fitted on the training split and evaluated on the test split.</summary>
    public sealed record Contestant(string Name, Func<MLContext, IEstimator<ITransformer>> Pipeline);

    public static int Run(string[] args)
    {
        var only = Option(args, "--only")?.Split(',') ?? ["names", "spam", "births"];
        var settings = new Settings(!args.Contains("--skip-tuned"), (Option(args, "--spam-splits") ?? "1,7").Split(',').Select(int.Parse).ToArray());
        Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores.");
        var results = new List<Result>();
        var tasks = new Dictionary<string, Func<Settings, IEnumerable<Result>>>
        {
            ["names"] = NamesTask.Run,
            ["spam"] = SpamTask.Run,
            ["births"] = BirthsTask.Run,
        };
        foreach (string name in only)
        {
            if (!tasks.TryGetValue(name, out var run)) throw new ArgumentException($"Unknown task '{name}'; expected {string.Join(", ", tasks.Keys)}.");
            foreach (var result in run(settings))
            {
                results.Add(result);
                Console.WriteLine($"  {result.Task} / {result.Model}: {Format(result)}");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| Task | Model | Metrics (test split) | Training |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var r in results) Console.WriteLine($"| {r.Task} | {r.Model} | {Format(r)} | {r.Training.TotalSeconds:F0} s |");
        Console.WriteLine($"\nLoad average at end: {File.ReadAllText("/proc/loadavg").Trim()}.");
        return 0;
    }

    /// <summary>Fits each contestant on <paramref name="train"/> and evaluates it on <paramref name="test"/>.</summary>
    public static IEnumerable<Result> Compete(string task, MLContext ml, IDataView train, IDataView test, IEnumerable<Contestant> contestants,
        Func<IDataView, IReadOnlyList<(string, double)>> evaluate)
    {
        foreach (var contestant in contestants)
        {
            var clock = Stopwatch.StartNew();
            var model = contestant.Pipeline(ml).Fit(train);
            var elapsed = clock.Elapsed;
            yield return new Result(task, contestant.Name, evaluate(model.Transform(test)), elapsed);
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>A file under the repository root, found above the executable.</summary>
    public static string? Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return null;
    }

    private static string Format(Result r) => string.Join(", ", r.Metrics.Select(m => $"{m.Metric} {m.Value:0.####}"));

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
