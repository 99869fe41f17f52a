using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Cells;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// Reads and writes a network's weights in the layout and gate order of the ONNX <c>RNN</c>, <c>LSTM</c> and
/// <c>GRU</c> operators, so a network can be exported to, or loaded from, a standard ONNX graph:
/// <list type="table">
/// <item><term>embedding</term><description>[V, E] (a Gather table)</description></item>
/// <item><term>layer{l}.W</term><description>[D, G·H, I], gate order LSTM i, o, f, c; GRU z, r, h</description></item>
/// <item><term>layer{l}.R</term><description>[D, G·H, H]</description></item>
/// <item><term>layer{l}.B</term><description>[D, 2·G·H]: Wb then Rb</description></item>
/// <item><term>pooling.query</term><description>[D·H], for attention pooling</description></item>
/// <item><term>head.weights</term><description>[D·H, C] (a MatMul)</description></item>
/// <item><term>head.bias</term><description>[C]</description></item>
/// <item><term>wide.weights</term><description>[S, C] (a MatMul on the side features), for wide and deep</description></item>
/// </list>
/// SimpleRNN and LSTM keep one bias, exported as Wb with Rb = 0 and imported as Wb + Rb, unless the network keeps
/// PyTorch's two (<see cref="NetworkOptions.SeparateBiases"/>): then Wb and Rb are kept apart. GRU always keeps both,
/// since Rb_h sits inside the reset gate. For one-hot input, layer0.W has I = V.
/// </summary>
public static class NetworkWeights
{
    /// <summary>The network's weights as ONNX-layout tensors.</summary>
    public static IReadOnlyList<NamedTensor<T>> Export<T>(this RecurrentNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = network.Parameters;
        var tensors = new List<NamedTensor<T>>();
        if (network.Embedding is { } embedding)
            tensors.Add(new("embedding", embedding.Table.Shape.ToArray(), p.Value(embedding.Table).ToArray()));
        for (int l = 0; l < network.Options.Layers; l++)
        {
            var cells = network.Layer(l).Directions.Select(d => d.Cell).ToArray();
            var first = cells[0];
            int dirs = cells.Length, gw = first.GateWidth, inputs = first.InputSize, h = first.HiddenSize;
            var w = new T[dirs * gw * inputs];
            var r = new T[dirs * gw * h];
            var b = new T[dirs * 2 * gw];
            for (int d = 0; d < dirs; d++)
            {
                Transpose(p.Value(cells[d].InputWeights), w.AsSpan(d * gw * inputs, gw * inputs), inputs, gw);
                Transpose(p.Value(cells[d].RecurrentWeights), r.AsSpan(d * gw * h, gw * h), h, gw);
                p.Value(cells[d].Bias).CopyTo(b.AsSpan(d * 2 * gw, gw));
                if ((cells[d].RecurrentBias ?? cells[d].HiddenBias) is { } recurrentBias) p.Value(recurrentBias).CopyTo(b.AsSpan(d * 2 * gw + gw, gw));
            }
            tensors.Add(new($"layer{l}.W", [dirs, gw, inputs], w));
            tensors.Add(new($"layer{l}.R", [dirs, gw, h], r));
            tensors.Add(new($"layer{l}.B", [dirs, 2 * gw], b));
        }
        if (network.PoolingLayer?.Query is { } query) tensors.Add(new("pooling.query", query.Shape.ToArray(), p.Value(query).ToArray()));
        if (network.HasHead)
        {
            tensors.Add(new("head.weights", network.Head.Weights.Shape.ToArray(), p.Value(network.Head.Weights).ToArray()));
            tensors.Add(new("head.bias", network.Head.Bias.Shape.ToArray(), p.Value(network.Head.Bias).ToArray()));
        }
        if (network.Wide is { } wide) tensors.Add(new("wide.weights", wide.Weights.Shape.ToArray(), p.Value(wide.Weights).ToArray()));
        return tensors;
    }

    /// <summary>
    /// Overwrites the network's weights from ONNX-layout tensors. Every tensor that <see cref="Export{T}"/> names must be
    /// present with its exact shape; nothing is written unless all of them are.
    /// </summary>
    public static void Import<T>(this RecurrentNetwork<T> network, IEnumerable<NamedTensor<T>> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var given = tensors.ToDictionary(t => t.Name);
        var expected = network.Export();
        // Weights of another cell show in the gate count of R [D, G·H, H]: name both cells rather than a shape.
        var cell = network.Layer(0).Directions[0].Cell;
        int gates = cell.GateCount;
        if (given.TryGetValue("layer0.R", out var recurrent) && recurrent.Shape is [_, var gateWidth, var hidden] && hidden == cell.HiddenSize
            && gateWidth % hidden == 0 && gateWidth / hidden != gates)
            throw new ArgumentException($"The weights are {CellName(gateWidth / hidden)} weights ({gateWidth / hidden} gates per unit) and the network is {CellName(gates)} " +
                $"({gates}): give them to the trainer of their cell (Lstm, Gru or SimpleRnn).", nameof(tensors));
        foreach (var e in expected)
        {
            if (!given.TryGetValue(e.Name, out var t))
                throw new ArgumentException($"Weight '{e.Name}' [{string.Join(", ", e.Shape)}] is missing.", nameof(tensors));
            if (!t.Shape.SequenceEqual(e.Shape) || t.Values.Length != e.Values.Length)
                throw new ArgumentException($"Weight '{e.Name}' has shape [{string.Join(", ", t.Shape)}] with {t.Values.Length} values; expected [{string.Join(", ", e.Shape)}].", nameof(tensors));
            int bad = Array.FindIndex(t.Values, v => !T.IsFinite(v));
            if (bad >= 0)
                throw new ArgumentException($"Weight '{e.Name}' has a non-finite value at index {bad}.", nameof(tensors));
        }
        var unknown = given.Keys.Except(expected.Select(e => e.Name)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Unknown weights: {string.Join(", ", unknown)}. Expected: {string.Join(", ", expected.Select(e => e.Name))}.", nameof(tensors));

        var p = network.Parameters;
        if (network.Embedding is { } embedding) given["embedding"].Values.CopyTo(p.Value(embedding.Table));
        for (int l = 0; l < network.Options.Layers; l++)
        {
            var cells = network.Layer(l).Directions.Select(d => d.Cell).ToArray();
            int gw = cells[0].GateWidth, inputs = cells[0].InputSize, h = cells[0].HiddenSize;
            T[] w = given[$"layer{l}.W"].Values, r = given[$"layer{l}.R"].Values, b = given[$"layer{l}.B"].Values;
            for (int d = 0; d < cells.Length; d++)
            {
                Transpose(w.AsSpan(d * gw * inputs, gw * inputs), p.Value(cells[d].InputWeights), gw, inputs);
                Transpose(r.AsSpan(d * gw * h, gw * h), p.Value(cells[d].RecurrentWeights), gw, h);
                ReadOnlySpan<T> inputBias = b.AsSpan(d * 2 * gw, gw), recurrentBias = b.AsSpan(d * 2 * gw + gw, gw);
                if ((cells[d].RecurrentBias ?? cells[d].HiddenBias) is { } rb)
                {
                    inputBias.CopyTo(p.Value(cells[d].Bias));
                    recurrentBias.CopyTo(p.Value(rb));
                }
                else
                {
                    TensorPrimitives.Add(inputBias, recurrentBias, p.Value(cells[d].Bias));
                }
            }
        }
        if (network.PoolingLayer?.Query is { } query) given["pooling.query"].Values.CopyTo(p.Value(query));
        if (network.HasHead)
        {
            given["head.weights"].Values.CopyTo(p.Value(network.Head.Weights));
            given["head.bias"].Values.CopyTo(p.Value(network.Head.Bias));
        }
        if (network.Wide is { } wide) given["wide.weights"].Values.CopyTo(p.Value(wide.Weights));
    }

    /// <summary>
    /// Makes the network answer scale·y + shift where it answered y: the head's weights and bias and the wide part's weights
    /// are multiplied by <paramref name="scale"/>, and <paramref name="shift"/> is added to the head's bias. A regressor
    /// trained on a standardised label, z = (y − mean) / sd, is put back into the label's units with (sd, mean), and a
    /// network given weights in the label's units into z with (1 / sd, −mean / sd). As a change of weights, it holds in
    /// every graph made from them.
    /// </summary>
    public static void RescaleOutputs<T>(this RecurrentNetwork<T> network, T scale, T shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!T.IsFinite(scale) || scale == T.Zero || !T.IsFinite(shift))
            throw new ArgumentOutOfRangeException(nameof(scale), $"The outputs' scale {scale} and shift {shift} must be finite, and the scale not 0.");
        var p = network.Parameters;
        var head = network.Head;
        var scaled = new List<Parameters.Parameter> { head.Weights, head.Bias };
        if (network.Wide is { } wide) scaled.Add(wide.Weights);
        foreach (var weights in scaled) TensorPrimitives.Multiply(p.Value(weights), scale, p.Value(weights));
        TensorPrimitives.Add(p.Value(head.Bias), shift, p.Value(head.Bias));
    }

    /// <summary>
    /// Makes a network on float steps answer for steps x what it answered for scale ⊙ x + shift (per feature of a step):
    /// the first layer's input weights W [I, G·H] of every direction become diag(scale)·W and its bias b becomes
    /// b + shift·W, since x·W + b is all the network does with a step. A network trained on standardised steps,
    /// z = (x − mean) / sd, reads steps in their own units with (1 / sd, −mean / sd); weights that read steps in their own
    /// units read z with (sd, mean). A scale of 0 makes the network ignore the feature, as if it read the shift there.
    /// </summary>
    public static void RescaleInputs<T>(this RecurrentNetwork<T> network, IReadOnlyList<T> scale, IReadOnlyList<T> shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        int features = network.Options.FeaturesPerStep;
        if (network.Options.Input != InputKind.Features)
            throw new InvalidOperationException($"The network reads {network.Options.Input}; only float steps (InputKind.Features) can be rescaled.");
        if (scale.Count != features || shift.Count != features || scale.Any(v => !T.IsFinite(v)) || shift.Any(v => !T.IsFinite(v)))
            throw new ArgumentOutOfRangeException(nameof(scale), $"Expected {features} finite scales and {features} finite shifts, one per feature of a step.");
        var p = network.Parameters;
        foreach (var cell in network.Layer(0).Directions.Select(d => d.Cell))
        {
            Span<T> weights = p.Value(cell.InputWeights), bias = p.Value(cell.Bias);
            int gates = cell.GateWidth;
            for (int i = 0; i < features; i++)
            {
                var row = weights.Slice(i * gates, gates);
                // The shift's share of the bias is taken with the weights as they were.
                for (int g = 0; g < gates; g++) bias[g] += shift[i] * row[g];
                TensorPrimitives.Multiply(row, scale[i], row);
            }
        }
    }

    private static string CellName(int gates) => gates switch { 4 => "LSTM", 3 => "GRU", 1 => "SimpleRNN", _ => $"{gates}-gate" };

    /// <summary>destination[cols, rows] = source[rows, cols]ᵀ.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                destination[j * rows + i] = source[i * cols + j];
    }
}
