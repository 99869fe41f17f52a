using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// `quality [--only names,spam,births,truecasing,syllables,passages] [--skip-tuned] [--spam-splits 1,7] [--seeds 1,2,3]`: each task on a fixed seeded split, the
/// recurrent model with default options (only column names given) and with its best known options, beside ML.NET's
/// classic baseline, trained and evaluated in one run; prints one table, then for each binary task the test rows that
/// every one of its models misclassified. With --seeds, the names task also trains its
/// default models once per seed and reports their mean, since one seed's score moves by about a point there.
/// </summary>
internal static class QualityDriver
{
    /// <summary>One model on one task: what it scored on the test split and how long it trained; for a binary task, the
    /// test rows it misclassified, each by its index and the start of its first text column (null otherwise).</summary>
    public sealed record Result(string Task, string Model, IReadOnlyList<(string Metric, double Value)> Metrics, TimeSpan Training,
        IReadOnlyDictionary<long, string>? Misses = null);

    /// <summary>What to run: tuned options beside the defaults, which seeded splits of the spam corpus, and the seeds whose
    /// mean the names task reports (none: no such rows).</summary>
    public sealed record Settings(bool Tuned, int[] SpamSplits, int[] Seeds);

    /// <summary>A contestant: a pipeline that is fitted on the training split and evaluated on the test split.</summary>
    public sealed record Contestant(string Name, Func<MLContext, IEstimator<ITransformer>> Pipeline);

    public static int Run(string[] args)
    {
        var only = Option(args, "--only")?.Split(',') ?? ["names", "spam", "births", "truecasing", "syllables", "passages"];
        var settings = new Settings(!args.Contains("--skip-tuned"), (Option(args, "--spam-splits") ?? "1,7").Split(',').Select(int.Parse).ToArray(),
            Option(args, "--seeds")?.Split(',').Select(int.Parse).ToArray() ?? []);
        Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores.");
        var results = new List<Result>();
        // Each task with the data file it reads, checked before anything trains, so that a missing corpus stops the run at
        // once rather than after the tasks before it.
        var tasks = new Dictionary<string, (Func<Settings, IEnumerable<Result>> Run, string Data)>
        {
            ["names"] = (NamesTask.Run, "data/names/names.csv"),
            ["spam"] = (SpamTask.Run, SpamFilter.Corpus.RelativePath),
            ["births"] = (BirthsTask.Run, TimeSeries.Series.RelativePath),
            ["truecasing"] = (TruecasingTask.Run, CasingSplit.RelativePath),
            ["syllables"] = (SyllablesTask.Run, SyllablesTask.DataPath),
            ["passages"] = (PassagesTask.Run, CasingSplit.RelativePath),
        };
        foreach (string name in only)
        {
            if (!tasks.TryGetValue(name, out var task)) throw new ArgumentException($"Unknown task '{name}'; expected {string.Join(", ", tasks.Keys)}.");
            if (Find(task.Data) is null) throw new FileNotFoundException($"Task '{name}' needs {task.Data}, not found above the executable: run its script in data/ (data/README.md), or leave the task out with --only.");
        }
        foreach (string name in only)
        {
            foreach (var result in tasks[name].Run(settings))
            {
                results.Add(result);
                Console.WriteLine($"  {result.Task} / {result.Model}: {Format(result)}");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| Task | Model | Metrics (test split) | Training |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var r in results) Console.WriteLine($"| {r.Task} | {r.Model} | {Format(r)} | {r.Training.TotalSeconds:F0} s |");
        PrintCommonMisses(results);
        Console.WriteLine($"\nLoad average at end: {File.ReadAllText("/proc/loadavg").Trim()}.");
        return 0;
    }

    /// <summary>Fits each contestant on <paramref name="train"/> and evaluates it on <paramref name="test"/>. Each contestant's
    /// pipeline gets a context of its own with the same seed, so a trainer that draws from the context (SDCA's shuffle)
    /// draws the same whichever contestants ran before it.</summary>
    public static IEnumerable<Result> Compete(string task, MLContext ml, IDataView train, IDataView test, IEnumerable<Contestant> contestants,
        Func<IDataView, IReadOnlyList<(string, double)>> evaluate)
    {
        foreach (var contestant in contestants)
        {
            var clock = Stopwatch.StartNew();
            var model = contestant.Pipeline(new MLContext(seed: 1)).Fit(train);
            var elapsed = clock.Elapsed;
            var scored = model.Transform(test);
            yield return new Result(task, contestant.Name, evaluate(scored), elapsed, BinaryMisses(scored));
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>Each contestant fitted once per seed; one result per contestant, each metric and the training time averaged.</summary>
    public static IEnumerable<Result> MeanOverSeeds(string task, MLContext ml, IDataView train, IDataView test, int[] seeds,
        IEnumerable<(string Name, Func<int, Contestant> ForSeed)> contestants, Func<IDataView, IReadOnlyList<(string, double)>> evaluate)
    {
        foreach (var (name, forSeed) in contestants)
        {
            var runs = seeds.SelectMany(seed => Compete(task, ml, train, test, [forSeed(seed)], evaluate)).ToList();
            var metrics = runs[0].Metrics.Select((m, i) => (m.Metric, runs.Average(r => r.Metrics[i].Value))).ToList();
            yield return new Result(task, $"{name}, mean of seeds {string.Join(", ", seeds)}", metrics, TimeSpan.FromTicks((long)runs.Average(r => r.Training.Ticks)));
        }
    }

    /// <summary>
    /// For each binary task, the test rows that every one of its models misclassified: what no contestant here gets right,
    /// a floor under the errors that the next model on this split should expect (label noise, or rows unlike any training row).
    /// </summary>
    private static void PrintCommonMisses(List<Result> results)
    {
        foreach (var task in results.Where(r => r.Misses is not null).GroupBy(r => r.Task))
        {
            var common = task.Skip(1).Aggregate(task.First().Misses!.Keys.ToHashSet(), (rows, r) => { rows.IntersectWith(r.Misses!.Keys); return rows; });
            Console.WriteLine($"\n{task.Key}: {common.Count} test rows misclassified by all {task.Count()} models{(common.Count > 0 ? ":" : ".")}");
            foreach (long row in common.Order()) Console.WriteLine($"  row {row}: {task.First().Misses![row]}");
        }
    }

    /// <summary>The rows whose predicted label differs from the label, where both are Boolean (a binary task's scored rows).</summary>
    private static Dictionary<long, string>? BinaryMisses(IDataView scored)
    {
        if (scored.Schema.GetColumnOrNull("Label")?.Type != BooleanDataViewType.Instance
            || scored.Schema.GetColumnOrNull("PredictedLabel")?.Type != BooleanDataViewType.Instance) return null;
        var text = scored.Schema.FirstOrDefault(c => c.Type is TextDataViewType);
        var misses = new Dictionary<long, string>();
        var labels = scored.GetColumn<bool>("Label").ToList();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToList();
        var texts = text.Name is null ? null : scored.GetColumn<ReadOnlyMemory<char>>(text.Name).ToList();
        for (int row = 0; row < labels.Count; row++)
        {
            if (labels[row] == predicted[row]) continue;
            string start = texts is null ? "" : string.Concat(texts[row].ToString().ReplaceLineEndings(" ").Take(100));
            misses[row] = $"label {labels[row]}: {start}";
        }
        return misses;
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
