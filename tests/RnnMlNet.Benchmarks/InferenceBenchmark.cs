using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// Inference on the same weights three ways: the native engine (a <see cref="SequenceScorer{T}"/>), a PredictionEngine
/// over the model loaded from its .zip, and ONNX Runtime running the exported graph directly. One sequence per call (p50
/// latency of each round), and batch scoring of 10,000 rows at batch 256 (rows per second). Both sides may use both cores.
/// Each path is warmed up for 1.5 s (our tiered JIT), then the paths alternate for three rounds.
/// </summary>
internal static class InferenceBenchmark
{
    public sealed class Row
    {
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
    }

    /// <summary>`inference` mode: the inference rows alone, in the comparison table's format.</summary>
    public static int Run(IEnumerable<Workload> workloads)
    {
        Console.WriteLine(CompareDriver.Header);
        foreach (var workload in workloads)
            foreach (string row in TableRows(workload, withheld: false))
                Console.WriteLine(row);
        return 0;
    }

    /// <summary>
    /// The three inference rows of a workload: native single-sequence latency and PredictionEngine latency against
    /// ONNX Runtime's (p50 of each round; lower is better), and batch scoring against ONNX Runtime's (rows per second).
    /// </summary>
    public static IEnumerable<string> TableRows(Workload workload, bool withheld)
    {
        using var setup = new Setup(workload);
        int calls = workload.Steps * workload.Hidden > 20_000 ? 300 : 2000;
        Action<int>[] paths =
        [
            i => setup.RunOnnx(i % setup.Rows.Length),
            i => setup.Scorer.Score(setup.Sequences[i % setup.Sequences.Length]),
            i => setup.Engine.Predict(setup.Rows[i % setup.Rows.Length]),
        ];
        // Tiered JIT needs a second or so of calls before our side runs its optimised code.
        foreach (var path in paths) WarmUp(path);
        var (p50, p99) = (new double[paths.Length][], new double[paths.Length][]);
        for (int p = 0; p < paths.Length; p++) (p50[p], p99[p]) = (new double[Rounds], new double[Rounds]);
        for (int round = 0; round < Rounds; round++)
            for (int p = 0; p < paths.Length; p++)
                (p50[p][round], p99[p][round]) = Latencies(calls, paths[p]);
        var (nativeRate, onnxRate) = (new double[Rounds], new double[Rounds]);
        for (int round = 0; round < Rounds; round++)
        {
            nativeRate[round] = setup.NativeBatchRate(10_000, 256);
            onnxRate[round] = setup.OnnxBatchRate(10_000, 256);
        }
        // The native targets are set on W1e; W2's native rows are reported without one.
        string name = workload.Name;
        bool targeted = name == "W1e";
        yield return CompareDriver.LatencyRow($"{name} latency", "one sequence per call, native engine vs ONNX Runtime direct, ms", p50[1], p99[1], p50[0], p99[0], targeted ? 0.5 : null, withheld);
        yield return CompareDriver.LatencyRow($"{name} PredictionEngine", "one sequence per call, PredictionEngine over the loaded .zip vs ONNX Runtime direct, ms", p50[2], p99[2], p50[0], p99[0], 1.3, withheld);
        yield return CompareDriver.Row($"{name} batch scoring", "10,000 rows at batch 256, native engine vs ONNX Runtime, rows/s", nativeRate, onnxRate, targeted ? 2 : null, withheld);
    }

    /// <summary>Rounds per measurement, the paths alternating.</summary>
    private const int Rounds = 3;

    private static void WarmUp(Action<int> call)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.Elapsed.TotalSeconds < 1.5; i++) call(i);
    }

    /// <summary>The median and 99th-percentile latency of <paramref name="calls"/> calls, in ms.</summary>
    private static (double P50, double P99) Latencies(int calls, Action<int> call)
    {
        var times = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call(i);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[calls / 2], times[(int)(calls * 0.99)]);
    }

    /// <summary>One network's weights as the native engine, a loaded .zip and an ONNX Runtime session.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly Workload _workload;
        private readonly InferenceSession _session;
        private readonly ITransformer _loaded;
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-inference-" + Guid.NewGuid().ToString("N"));

        public Setup(Workload workload)
        {
            _workload = workload;
            Directory.CreateDirectory(_folder);
            Native = new RecurrentNetwork<float>(workload.Options(threads: 2), seed: 1);
            Scorer = Native.CreateScorer();
            var random = new Random(2);
            Rows = Enumerable.Range(0, 64).Select(_ => new Row { Tokens = Enumerable.Range(0, workload.Steps).Select(_ => (uint)random.Next(workload.Vocabulary)).ToArray() }).ToArray();
            Sequences = Rows.Select(r => Sequence<float>.FromTokens(r.Tokens.Select(t => (int)t).ToArray())).ToArray();

            // The ML.NET model of the same weights: 0 epochs packages the starting weights; key t is token id t.
            var ml = new MLContext(1) { TempFilePath = _folder };
            var schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Tokens)].ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), workload.Vocabulary - 1));
            var data = ml.Data.LoadFromEnumerable(Rows, schema);
            var model = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = nameof(Row.Tokens), EmbeddingSize = workload.Embedding, HiddenSize = workload.Hidden, Epochs = 0, InitialWeights = Native.Export(), Pooling = Pooling.Last,
            });
            if (workload.Cell != CellKind.Lstm) throw new NotSupportedException("The inference rows use LSTM workloads.");
            string zip = Path.Combine(_folder, "model.zip"), onnx = Path.Combine(_folder, "model.onnx");
            using (var fitted = model.Fit(data)) ml.Model.Save(fitted, data.Schema, zip);
            RecurrentModelFile.ExportOnnx(zip, onnx);
            _loaded = ml.Model.Load(zip, out _);
            Engine = ml.Model.CreatePredictionEngine<Row, Prediction>(_loaded, inputSchemaDefinition: schema);
            _session = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 });
        }

        public RecurrentNetwork<float> Native { get; }

        public SequenceScorer<float> Scorer { get; }

        public Row[] Rows { get; }

        public Sequence<float>[] Sequences { get; }

        public PredictionEngine<Row, Prediction> Engine { get; }

        public void RunOnnx(int row) => RunOnnx([Rows[row]]);

        public double NativeBatchRate(int rows, int batch)
        {
            var batches = Enumerable.Range(0, rows / batch).Select(b => Enumerable.Range(0, batch).Select(i => Sequences[(b + i) % Sequences.Length]).ToList()).ToArray();
            WarmUp(i => Scorer.Score(batches[i % batches.Length]));
            var clock = Stopwatch.StartNew();
            foreach (var b in batches) Scorer.Score(b);
            return batches.Length * batch / clock.Elapsed.TotalSeconds;
        }

        public double OnnxBatchRate(int rows, int batch)
        {
            var groups = Enumerable.Range(0, rows / batch).Select(b => Enumerable.Range(0, batch).Select(i => Rows[(b + i) % Rows.Length]).ToArray()).ToArray();
            WarmUp(i => RunOnnx(groups[i % groups.Length]));
            var clock = Stopwatch.StartNew();
            foreach (var g in groups) RunOnnx(g);
            return groups.Length * batch / clock.Elapsed.TotalSeconds;
        }

        private void RunOnnx(Row[] rows)
        {
            // The exported contract: int64 ids and each row's length (every row has all the workload's steps).
            var ids = new DenseTensor<long>(rows.SelectMany(r => r.Tokens).Select(t => (long)t).ToArray(), [rows.Length, _workload.Steps]);
            var lengths = new DenseTensor<int>(Enumerable.Repeat(_workload.Steps, rows.Length).ToArray(), [rows.Length]);
            using var result = _session.Run([NamedOnnxValue.CreateFromTensor("TokenIds", ids), NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)]);
        }

        public void Dispose()
        {
            Engine.Dispose();
            _session.Dispose();
            (_loaded as IDisposable)?.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
