using BenchmarkDotNet.Attributes;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Benchmarks;

/// <summary>The float SGEMM paths on one square product, single-threaded: the kernel against the scalar reference.</summary>
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params(64, 256)]
    public int Size { get; set; }

    [Params(nameof(SgemmPath.Scalar), nameof(SgemmPath.Vector128), nameof(SgemmPath.Avx2Fma))]
    public string Path { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = Enumerable.Range(0, Size * Size).Select(_ => random.NextSingle()).ToArray();
        _b = Enumerable.Range(0, Size * Size).Select(_ => random.NextSingle()).ToArray();
        _c = new float[Size * Size];
    }

    [Benchmark]
    public void Multiply() => Sgemm.Multiply(_a, false, _b, false, _c, Size, Size, Size, threads: 1, Enum.Parse<SgemmPath>(Path));
}

/// <summary>One LSTM time step (recurrent product and gates) for the W1e and W2 shapes, one thread.</summary>
public class LstmStepBenchmarks
{
    private LstmCell<float> _cell = null!;
    private readonly PackedWeights<float> _weights = new();
    private float[] _gates = [], _hiddenPrev = [], _cellPrev = [], _hidden = [], _cellState = [], _cache = [];

    [Params(128, 256)]
    public int Hidden { get; set; }

    [Params(32)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parameters = new ParameterSet<float>();
        _cell = (LstmCell<float>)RecurrentCell<float>.Create(CellKind.Lstm, parameters, "cell", Hidden, Hidden);
        var random = new Random(1);
        for (int i = 0; i < parameters.Values.Length; i++) parameters.Values[i] = random.NextSingle() * 0.1f;
        _weights.Pack(parameters.Value(_cell.RecurrentWeights), transposed: false, Hidden, _cell.GateWidth);
        _gates = new float[Rows * _cell.GateWidth];
        _hiddenPrev = Enumerable.Range(0, Rows * Hidden).Select(_ => random.NextSingle()).ToArray();
        _cellPrev = (float[])_hiddenPrev.Clone();
        _hidden = new float[Rows * Hidden];
        _cellState = new float[Rows * Hidden];
        _cache = new float[Rows * _cell.CacheWidth];
    }

    [Benchmark]
    public void Forward()
    {
        var step = new CellStep<float>
        {
            Rows = Rows, Gates = _gates, HiddenPrev = _hiddenPrev, CellPrev = _cellPrev, Hidden = _hidden, Cell = _cellState,
            Cache = _cache, RecurrentWeights = _weights,
        };
        _cell.Forward(ref step, threads: 1);
    }
}

/// <summary>A forward pass and a training step of each comparison workload, two threads.</summary>
public class NetworkBenchmarks
{
    private RecurrentNetwork<float> _network = null!;
    private RecurrentTrainer<float> _trainer = null!;
    private SequenceBatch<float> _batch = null!;

    [Params("W1", "W1e", "W2", "W3")]
    public string Workload { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var workload = Benchmarks.Workload.All.Single(w => w.Name == Workload);
        _network = new RecurrentNetwork<float>(workload.Options(threads: 2), seed: 1);
        _trainer = new RecurrentTrainer<float>(_network, new BinaryCrossEntropy<float>(), new TrainingOptions { ClipNorm = null });
        _batch = workload.Batches(1, seed: 1)[0];
    }

    [Benchmark]
    public NetworkOutput<float> ForwardPass() => _network.Forward(_batch);

    [Benchmark]
    public double TrainingStep() => _trainer.TrainBatch(_batch, 1e-3).Loss;
}
