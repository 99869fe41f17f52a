using System.Numerics;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Cells;

/// <summary>
/// One direction of one recurrent layer: its weights and the equations of one time step, forward and backward.
/// Weights are stored input-major so that both products are plain row-major GEMMs, and a one-hot input
/// row times <c>W_i</c> is a row gather:
/// <list type="bullet">
/// <item><c>inputWeights</c> W_i [I, G·H]</item>
/// <item><c>recurrentWeights</c> W_h [H, G·H]</item>
/// <item><c>bias</c> b [G·H]</item>
/// <item><c>hiddenBias</c> b_hh [G·H], SimpleRNN and LSTM in PyTorch's parameterisation only</item>
/// </list>
/// Gate blocks inside G·H follow the ONNX operators' order (LSTM i, o, f, c; GRU z, r, h), so export is a transpose.
/// The input projection x_t·W_i + b for all steps is computed by the layer in one product before the recurrence;
/// a step only adds the recurrent part.
/// </summary>
public abstract class RecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private protected RecurrentCell(ParameterSet<T> parameters, string prefix, int inputSize, int hiddenSize, int gateCount, bool hiddenBias = false)
    {
        Parameters = parameters;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        GateCount = gateCount;
        InputWeights = parameters.Register(prefix + ".inputWeights", inputSize, GateWidth);
        RecurrentWeights = parameters.Register(prefix + ".recurrentWeights", hiddenSize, GateWidth);
        Bias = parameters.Register(prefix + ".bias", GateWidth);
        if (hiddenBias) HiddenBias = parameters.Register(prefix + ".hiddenBias", GateWidth);
    }

    /// <summary>Creates the cell of the given kind, registering its weights; with <paramref name="separateBiases"/>, a
    /// SimpleRNN or LSTM also gets a second bias, <see cref="HiddenBias"/> (a GRU always has its second bias,
    /// <see cref="RecurrentBias"/>).</summary>
    internal static RecurrentCell<T> Create(CellKind kind, ParameterSet<T> parameters, string prefix, int inputSize, int hiddenSize, bool separateBiases = false) => kind switch
    {
        CellKind.SimpleRnn => new SimpleRnnCell<T>(parameters, prefix, inputSize, hiddenSize, separateBiases),
        CellKind.Lstm => new LstmCell<T>(parameters, prefix, inputSize, hiddenSize, separateBiases),
        CellKind.Gru => new GruCell<T>(parameters, prefix, inputSize, hiddenSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown cell kind."),
    };

    /// <summary>The kind of this cell.</summary>
    public abstract CellKind Kind { get; }

    /// <summary>The parameter set the weights live in.</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>Width of one input step (I).</summary>
    public int InputSize { get; }

    /// <summary>Number of hidden units (H).</summary>
    public int HiddenSize { get; }

    /// <summary>Number of gate blocks (G): 1 for SimpleRNN, 4 for LSTM, 3 for GRU.</summary>
    public int GateCount { get; }

    /// <summary>G·H: the width of all gate pre-activations of one row.</summary>
    public int GateWidth => GateCount * HiddenSize;

    /// <summary>W_i [I, G·H].</summary>
    public Parameter InputWeights { get; }

    /// <summary>W_h [H, G·H].</summary>
    public Parameter RecurrentWeights { get; }

    /// <summary>b [G·H], added to the input projection.</summary>
    public Parameter Bias { get; }

    /// <summary>
    /// SimpleRNN and LSTM in PyTorch's parameterisation (<c>NetworkOptions.SeparateBiases</c>): b_hh [G·H], a second bias
    /// added beside b. The function is the same as with b + b_hh in one vector, and both get the same gradient, but an
    /// optimizer moves each, so a step moves their sum twice as far: the step PyTorch takes. Null otherwise.
    /// </summary>
    public Parameter? HiddenBias { get; }

    /// <summary>The bias every row's gate pre-activations start from: b, or b + b_hh with a <see cref="HiddenBias"/>.</summary>
    internal ReadOnlySpan<T> GateBias()
    {
        if (HiddenBias is not { } hidden) return Parameters.Value(Bias);
        var sum = new T[GateWidth];
        System.Numerics.Tensors.TensorPrimitives.Add<T>(Parameters.Value(Bias), Parameters.Value(hidden), sum);
        return sum;
    }

    /// <summary>GRU only: b_h [G·H], added to the recurrent product before the reset gate. Null for other cells.</summary>
    public virtual Parameter? RecurrentBias => null;

    /// <summary>Whether the cell carries a cell state C_t besides h_t (LSTM).</summary>
    public virtual bool HasCellState => false;

    /// <summary>Per-row width of what forward keeps for backward.</summary>
    internal abstract int CacheWidth { get; }

    /// <summary>Computes h_t (and C_t) for the active rows.</summary>
    internal abstract void Forward(scoped ref CellStep<T> step, int threads);

    /// <summary>Back-propagates one step: from ∂L/∂h_t (and ∂L/∂C_t) to the gate pre-activations and to h_{t-1} (and C_{t-1}).
    /// Weight gradients are not touched here: the layer forms them for all steps at once.</summary>
    internal abstract void Backward(scoped ref CellStep<T> step, int threads);
}
