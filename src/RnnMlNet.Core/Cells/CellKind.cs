namespace RnnMlNet;

/// <summary>The recurrent cell a layer is made of.</summary>
public enum CellKind
{
    /// <summary>Elman network: h_t = tanh(x_t·W_i + h_{t-1}·W_h + b). ONNX <c>RNN</c>.</summary>
    SimpleRnn,

    /// <summary>Long short-term memory with input, output, forget gates and a cell state. ONNX <c>LSTM</c>.</summary>
    Lstm,

    /// <summary>Gated recurrent unit, PyTorch's variant (reset applied after the recurrent product). ONNX <c>GRU</c>, linear_before_reset=1.</summary>
    Gru,
}
