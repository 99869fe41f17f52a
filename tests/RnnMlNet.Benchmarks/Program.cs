using BenchmarkDotNet.Running;
using RnnMlNet.Benchmarks;

// `compare [--rounds N] [--seconds S] [--only W1,W2] [--python PATH] [--no-inference] [--no-memory]`: every row of issue 4
// in one run: training against the PyTorch peer side by side, inference against ONNX Runtime, training memory.
// `ours W2 [seconds]`: only our engine training one workload, e.g. under `perf record` (DOTNET_PerfMapEnabled=1).
// `inference`: only the inference rows (W1e and W2 scored natively, through a PredictionEngine and by ONNX Runtime directly).
// `memory`: only the memory row (peak working set while W2 trains on streamed rows, after 1,000 rows and after 4,000 more).
// `quality [--only names,spam,births,truecasing,syllables,passages] [--skip-tuned] [--seeds 1,2,3] [--spam-splits 1,7]`: each
// task's recurrent model with default and tuned options beside ML.NET's classic baseline.
// `scaling [--only W1e,W2] [--epochs 3]`: data-parallel training, 1 process × 1 and × 2 threads against 2 processes × 1
// thread (mpirun.mpich), time per epoch and in exchanges; then the speed-up modelled for 2–64 machines.
// `phases W2`: time per phase of a training step. `sgemm N threads`: our SGEMM on N×N matrices, GFLOP/s. Anything else goes to BenchmarkDotNet's switcher.
return args.FirstOrDefault() switch
{
    "compare" => CompareDriver.Run(args[1..]),
    "quality" => RnnMlNet.Benchmarks.Quality.QualityDriver.Run(args[1..]),
    "ours" => TrainOurs(Workload.All.Single(w => w.Name == args[1]), args.Length > 2 ? double.Parse(args[2]) : 10),
    "scaling" => ScalingBenchmark.Run(args[1..]),
    "scaling-rank" => ScalingBenchmark.RunRank(args[1..]),
    "phases" => PhaseProfile.Run(Workload.All.Single(w => w.Name == args[1])),
    "sgemm" => PrintSgemm(int.Parse(args[1]), int.Parse(args[2])),
    "inference" => InferenceBenchmark.Run(Workload.All.Where(w => w.Name is "W1e" or "W2")),
    "memory" => MemoryCheck.Run(Workload.All.Single(w => w.Name == "W2")),
    _ => Run(args),
};

static int TrainOurs(Workload workload, double seconds)
{
    var engine = new OurEngine(workload, threads: 2);
    Console.WriteLine($"{workload.Name}: {engine.SequencesPerSecond(seconds):F1} sequences/s");
    return 0;
}

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CompareDriver).Assembly).Run(args);
    return 0;
}

static int PrintSgemm(int n, int threads)
{
    Console.WriteLine($"SGEMM {n}², {threads} threads: {OurEngine.SgemmGflops(n, threads):F1} GFLOP/s");
    return 0;
}
