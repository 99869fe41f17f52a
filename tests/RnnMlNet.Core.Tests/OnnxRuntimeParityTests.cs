using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>
/// Forward outputs on the same weights match ONNX Runtime's RNN, LSTM and GRU operators to 1e-5,
/// for ragged batches (sequence_lens), given initial states, and both directions.
/// </summary>
public class OnnxRuntimeParityTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(CellKind.SimpleRnn, false)]
    [InlineData(CellKind.SimpleRnn, true)]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Lstm, true)]
    [InlineData(CellKind.Gru, false)]
    [InlineData(CellKind.Gru, true)]
    public void OutputsAndFinalStatesMatchOnnxRuntime(CellKind cell, bool bidirectional)
    {
        const int features = 3, hidden = 4;
        int[] lengths = [4, 6, 1, 3, 6];
        var random = new Random(11);
        // A per-step head, so that the layer forms its outputs Y.
        var options = new NetworkOptions { Cell = cell, Bidirectional = bidirectional, Input = InputKind.Features, FeaturesPerStep = features, HiddenSize = hidden, Head = HeadKind.EveryStep, Threads = 2 };
        var network = new RecurrentNetwork<float>(options, seed: 4);
        TestData.Jitter(network, random, scale: 0.5);
        var sequences = lengths.Select(length => TestData.RandomSequence<float>(options, length, random)).ToArray();
        int dirs = bidirectional ? 2 : 1, b = lengths.Length, steps = lengths.Max();
        var initial = new RecurrentState<float>(1, dirs, b, hidden, cell == CellKind.Lstm);
        TestData.RandomArray<float>(initial.Hidden.Length, random).CopyTo(initial.Hidden, 0);
        TestData.RandomArray<float>(initial.Cell.Length, random).CopyTo(initial.Cell, 0);

        var batch = SequenceBatch<float>.Create(sequences);
        var output = network.Forward(batch, initialState: initial);
        var onnx = RunOperator(network, sequences, initial, cell, bidirectional);

        // Y [T, D, B, H]: every step of every sequence, zeros past each sequence's end.
        float[] y = onnx["Y"];
        Assert.Equal(steps * dirs * b * hidden, y.Length);
        float[] ours = network.Layer(0).Output;
        for (int t = 0; t < steps; t++)
            for (int d = 0; d < dirs; d++)
                for (int i = 0; i < b; i++)
                {
                    int row = Array.IndexOf(batch.Order, i);
                    for (int j = 0; j < hidden; j++)
                    {
                        float expected = y[((t * dirs + d) * b + i) * hidden + j];
                        float actual = ours[(t * b + row) * dirs * hidden + d * hidden + j];
                        Assert.True(Math.Abs(expected - actual) <= Tolerance, $"Y[t={t}, d={d}, b={i}, h={j}]: ONNX Runtime {expected}, ours {actual}.");
                    }
                }
        AssertClose(onnx["Y_h"], output.FinalState.Hidden, "Y_h");
        if (cell == CellKind.Lstm) AssertClose(onnx["Y_c"], output.FinalState.Cell, "Y_c");
    }

    internal static Dictionary<string, float[]> RunOperator(RecurrentNetwork<float> network, Sequence<float>[] sequences, RecurrentState<float> initial, CellKind cell, bool bidirectional)
    {
        var weights = network.Export().ToDictionary(w => w.Name);
        int dirs = bidirectional ? 2 : 1, b = sequences.Length, steps = sequences.Max(s => s.Length);
        int features = network.Options.FeaturesPerStep, hidden = network.Options.HiddenSize;
        string op = cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };
        var inputs = new List<string> { "X", "W", "R", "B", "sequence_lens", "initial_h" };
        var outputs = new List<string> { "Y", "Y_h" };
        if (cell == CellKind.Lstm)
        {
            inputs.Add("initial_c");
            outputs.Add("Y_c");
        }
        var attributes = new List<Onnx.AttributeProto>
        {
            OnnxOperatorHarness.Int("hidden_size", hidden),
            OnnxOperatorHarness.String("direction", bidirectional ? "bidirectional" : "forward"),
        };
        if (cell == CellKind.Gru) attributes.Add(OnnxOperatorHarness.Int("linear_before_reset", 1));

        var harness = new OnnxOperatorHarness(op, inputs, outputs, attributes.ToArray());
        foreach (var name in new[] { "W", "R", "B" })
            harness.Initializer(name, weights["layer0." + name].Shape, weights["layer0." + name].Values);
        // X [T, B, I], time-major in the caller's order, zero-padded.
        var x = new float[steps * b * features];
        for (int i = 0; i < b; i++)
            for (int t = 0; t < sequences[i].Length; t++)
                sequences[i].Features.AsSpan(t * features, features).CopyTo(x.AsSpan((t * b + i) * features, features));
        harness.Input("X", [steps, b, features], x);
        harness.Input("sequence_lens", [b], sequences.Select(s => s.Length).ToArray());
        harness.Input("initial_h", [dirs, b, hidden], initial.Hidden);
        if (cell == CellKind.Lstm) harness.Input("initial_c", [dirs, b, hidden], initial.Cell);
        return harness.Run();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"{what}[{i}]: ONNX Runtime {expected[i]}, ours {actual[i]}.");
    }
}
