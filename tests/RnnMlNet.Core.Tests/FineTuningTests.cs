using System.Text.Json;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>
/// Fine-tuning follows PyTorch: from PyTorch's weights, with its two bias vectors per gate kept apart
/// (<see cref="NetworkOptions.SeparateBiases"/>), two SGD steps and two Adam steps land where PyTorch's own land
/// (Fixtures/pytorch_finetune_steps.json, made by the script beside it), for SimpleRNN, LSTM and GRU on float steps, and for
/// two-layer bidirectional SimpleRNN and LSTM on embedded tokens, in double precision.
/// With the biases merged, SimpleRNN and LSTM land elsewhere.
/// </summary>
public class FineTuningTests
{
    /// <summary>One PyTorch run: float steps (<see cref="Inputs"/>) or token ids (<see cref="Tokens"/>, through an
    /// embedding of <see cref="Features"/> columns), and the weights before and after.</summary>
    private sealed record Fixture(string Name, string Cell, double[]? Inputs, int[]? Tokens, double[] Targets, int Rows, int Steps, int Features, int Hidden,
        int Layers, bool Bidirectional, int Vocabulary, int TrainingSteps, double SgdRate, double AdamRate,
        Dictionary<string, double[]> Initial, Dictionary<string, double[]> Sgd, Dictionary<string, double[]> Adam);

    private static readonly Fixture[] Fixtures = JsonSerializer.Deserialize<Fixture[]>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch_finetune_steps.json")),
        new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    private static Fixture For(string name) => Fixtures.Single(f => f.Name == name);

    private static CellKind Kind(string cell) => cell switch { "rnn" => CellKind.SimpleRnn, "lstm" => CellKind.Lstm, _ => CellKind.Gru };

    /// <summary>The engine's weights after the fixture's steps with <paramref name="optimizer"/>, in ONNX layout.</summary>
    private static Dictionary<string, double[]> Train(Fixture f, OptimizerKind optimizer, bool separateBiases)
    {
        var network = new RecurrentNetwork<double>(new NetworkOptions
        {
            Cell = Kind(f.Cell), HiddenSize = f.Hidden, Layers = f.Layers, Bidirectional = f.Bidirectional, SeparateBiases = separateBiases, Threads = 1,
            FeaturesPerStep = f.Features,
            Input = f.Tokens is null ? InputKind.Features : InputKind.EmbeddedTokens, VocabularySize = f.Vocabulary, EmbeddingSize = f.Features,
        }, seed: 1);
        network.Import(network.Export().Select(t => t with { Values = f.Initial[t.Name] }).ToList());
        Sequence<double> Row(int r) => f.Tokens is { } tokens
            ? Sequence<double>.FromTokens(tokens.AsSpan(r * f.Steps, f.Steps).ToArray())
            : Sequence<double>.FromFeatures(f.Inputs!.AsSpan(r * f.Steps * f.Features, f.Steps * f.Features).ToArray(), f.Features);
        var batch = SequenceBatch<double>.Create(Enumerable.Range(0, f.Rows).Select(r => new LabeledSequence<double>(Row(r), [f.Targets[r]])).ToList(),
            targetsPerStep: false);
        var trainer = new RecurrentTrainer<double>(network, new BinaryCrossEntropy<double>(), new TrainingOptions
        {
            Optimizer = new OptimizerSettings { Kind = optimizer, Momentum = 0 }, ClipNorm = null, DivergenceFactor = null,
        });
        double rate = optimizer == OptimizerKind.Sgd ? f.SgdRate : f.AdamRate;
        for (int step = 0; step < f.TrainingSteps; step++) trainer.TrainBatch(batch, rate);
        return network.Export().ToDictionary(t => t.Name, t => t.Values);
    }

    [Theory]
    [InlineData("rnn", OptimizerKind.Sgd)]
    [InlineData("rnn", OptimizerKind.Adam)]
    [InlineData("lstm", OptimizerKind.Sgd)]
    [InlineData("lstm", OptimizerKind.Adam)]
    [InlineData("gru", OptimizerKind.Sgd)]
    [InlineData("gru", OptimizerKind.Adam)]
    [InlineData("rnn-2x2-embedded", OptimizerKind.Sgd)]
    [InlineData("lstm-2x2-embedded", OptimizerKind.Adam)]
    public void StepsFromPyTorchsWeightsLandWherePyTorchsDo(string cell, OptimizerKind optimizer)
    {
        var f = For(cell);
        var expected = optimizer == OptimizerKind.Sgd ? f.Sgd : f.Adam;
        var trained = Train(f, optimizer, separateBiases: true);
        foreach (var (name, values) in expected)
        {
            Assert.True(values.Zip(f.Initial[name]).Any(p => Math.Abs(p.First - p.Second) > 1e-6), $"PyTorch's steps did not move {name}: the fixture proves nothing.");
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(values[i] - trained[name][i]) < 1e-12, $"{cell}, {optimizer}: {name}[{i}] is {trained[name][i]:R}; PyTorch's is {values[i]:R}.");
        }
    }

    /// <summary>Merged, the two biases move as one: the network starts from the same function, but an SGD step moves the
    /// summed bias half as far as PyTorch's two do, and the weights part ways.</summary>
    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("lstm-2x2-embedded")]
    public void MergedBiasesTakeOtherSteps(string cell)
    {
        var f = For(cell);
        var merged = Train(f, OptimizerKind.Sgd, separateBiases: false);
        // B is [D, 2·G·H]: Wb then Rb for each direction; the network computes with their sums.
        int directions = f.Bidirectional ? 2 : 1, gw = f.Initial["layer0.B"].Length / (2 * directions);
        double[] Sum(double[] b) => Enumerable.Range(0, directions * gw).Select(i => b[i / gw * 2 * gw + i % gw] + b[i / gw * 2 * gw + gw + i % gw]).ToArray();
        var pytorch = Sum(f.Sgd["layer0.B"]);
        var ours = Sum(merged["layer0.B"]);
        Assert.True(pytorch.Zip(ours).Max(p => Math.Abs(p.First - p.Second)) > 1e-4, "Merged biases took PyTorch's step: the two-bias option would change nothing.");
    }
}
