using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>The teaching material's worked examples: parameter counts and gate arithmetic done by hand.</summary>
public class WorkedExampleTests
{
    private static int CellParameters(CellKind kind)
    {
        var network = new RecurrentNetwork<double>(new NetworkOptions { Cell = kind, FeaturesPerStep = 5, HiddenSize = 3 });
        var cell = Assert.Single(network.Cells);
        return cell.InputWeights.Length + cell.RecurrentWeights.Length + cell.Bias.Length + (cell.RecurrentBias?.Length ?? 0);
    }

    [Fact]
    public void SimpleRnnWithFiveInputsAndThreeUnitsHas27Parameters() => Assert.Equal(5 * 3 + 3 * 3 + 3, CellParameters(CellKind.SimpleRnn));

    [Fact]
    public void LstmHasFourTimesTheGateParameters() => Assert.Equal(4 * 27, CellParameters(CellKind.Lstm));

    [Fact]
    public void GruHasThreeTimesTheGateParametersPlusItsRecurrentBias() => Assert.Equal(3 * 27 + 3 * 3, CellParameters(CellKind.Gru));

    /// <summary>One unit, one input x = 1, weights chosen so every gate has a round value: σ(ln 3) = 3/4, σ(−ln 3) = 1/4, tanh(ln 2) = 3/5.</summary>
    private static RecurrentNetwork<double> OneUnit(CellKind kind, double[] inputWeights, double[] recurrentWeights, double[] bias, double[]? recurrentBias = null)
    {
        var network = new RecurrentNetwork<double>(new NetworkOptions { Cell = kind, FeaturesPerStep = 1, HiddenSize = 1, Threads = 1 });
        var cell = Assert.Single(network.Cells);
        var p = network.Parameters;
        inputWeights.CopyTo(p.Value(cell.InputWeights));
        recurrentWeights.CopyTo(p.Value(cell.RecurrentWeights));
        bias.CopyTo(p.Value(cell.Bias));
        if (recurrentBias is not null) recurrentBias.CopyTo(p.Value(cell.RecurrentBias!));
        return network;
    }

    private static RecurrentState<double> OneStep(RecurrentNetwork<double> network, double hiddenPrev, double cellPrev)
    {
        var state = new RecurrentState<double>(1, 1, 1, 1, network.Options.Cell == CellKind.Lstm);
        state.Hidden[0] = hiddenPrev;
        if (state.Cell.Length > 0) state.Cell[0] = cellPrev;
        return network.Step([Sequence<double>.FromFeatures([1.0], 1)], state).State;
    }

    [Fact]
    public void LstmGateArithmetic()
    {
        // Gate order i, o, f, c: i = σ(ln 3) = 3/4, o = σ(0) = 1/2, f = σ(−ln 3) = 1/4, C̃ = tanh(ln 2) = 3/5.
        var network = OneUnit(CellKind.Lstm, [Math.Log(3), 0, -Math.Log(3), Math.Log(2)], [0, 0, 0, 0], [0, 0, 0, 0]);
        var state = OneStep(network, hiddenPrev: 0, cellPrev: 2);
        // C_t = f·C_{t-1} + i·C̃ = 1/4·2 + 3/4·3/5 = 0.95;  h_t = o·tanh(C_t) = 0.5·tanh(0.95)
        Assert.Equal(0.95, state.Cell[0], 12);
        Assert.Equal(0.5 * Math.Tanh(0.95), state.Hidden[0], 12);
    }

    [Fact]
    public void GruGateArithmetic()
    {
        // z = σ(ln 3) = 3/4, r = σ(−ln 3) = 1/4; q_n = b_hn = 2, so r·q_n = 1/2, and p_n = ln 2 − 1/2 makes n = tanh(ln 2) = 3/5.
        var network = OneUnit(CellKind.Gru, [Math.Log(3), -Math.Log(3), Math.Log(2) - 0.5], [0, 0, 0], [0, 0, 0], [0, 0, 2]);
        var state = OneStep(network, hiddenPrev: 0.4, cellPrev: 0);
        // h_t = (1 − z)·n + z·h_{t-1} = 1/4·3/5 + 3/4·0.4 = 0.45
        Assert.Equal(0.45, state.Hidden[0], 12);
    }

    [Fact]
    public void SimpleRnnArithmetic()
    {
        // a = W_i·x + W_h·h_{t-1} + b = 0.2 + 0.5·0.4 + (ln 2 − 0.4) = ln 2, so h_t = tanh(ln 2) = 3/5.
        var network = OneUnit(CellKind.SimpleRnn, [0.2], [0.5], [Math.Log(2) - 0.4]);
        var state = OneStep(network, hiddenPrev: 0.4, cellPrev: 0);
        Assert.Equal(0.6, state.Hidden[0], 12);
    }
}
