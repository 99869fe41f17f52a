using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// An encoder–decoder as a standard ONNX graph: the source keys run through the encoder's layers; each layer's final
/// state (both directions side by side) starts the same layer of the decoder, whose <see cref="DecodingLoop"/> (greedy)
/// or <see cref="BeamSearchLoop"/> writes the output from &lt;s&gt; until &lt;/s&gt;.
/// </summary>
internal static class SequenceToSequenceGraph
{
    /// <returns>The name of the output token texts [1, L].</returns>
    public static string Add(OnnxGraphBuilder g, EncoderDecoder<float> model, string sourceColumn, string[] targetTexts, int maximumLength, int beamWidth)
    {
        var encoder = model.Encoder;
        var weights = encoder.Export().ToDictionary(w => w.Name);
        var options = encoder.Options;
        string Weight(string name) => g.Floats("encoder." + name, weights[name].Shape, weights[name].Values);
        int dirs = encoder.Directions;
        bool hasCell = options.Cell == CellKind.Lstm;

        // Source key k is token id k (0, not in the vocabulary, is unknown): ids [N, T] → X [T, N, E].
        string ids = g.Node("Cast", [g.Input(sourceColumn, DataType.Uint32, "N", "T")], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        string x = g.Node("Gather", [Weight("embedding"), g.Node("Transpose", [ids], null, OnnxGraphBuilder.Ints("perm", 1, 0))], null, OnnxGraphBuilder.Int("axis", 0));
        var hidden = new string[options.Layers];
        var cell = new string[options.Layers];
        for (int l = 0; l < options.Layers; l++)
        {
            var attributes = new List<AttributeProto> { OnnxGraphBuilder.Int("hidden_size", options.HiddenSize), OnnxGraphBuilder.Text("direction", dirs == 2 ? "bidirectional" : "forward") };
            if (options.Cell == CellKind.Gru) attributes.Add(OnnxGraphBuilder.Int("linear_before_reset", 1));
            string op = options.Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };
            var outputs = g.MultiOutputNode(op, [x, Weight($"layer{l}.W"), Weight($"layer{l}.R"), Weight($"layer{l}.B")],
                hasCell ? [$"encoder{l}.Y", $"encoder{l}.Y_h", $"encoder{l}.Y_c"] : [$"encoder{l}.Y", $"encoder{l}.Y_h"], attributes.ToArray());
            x = g.Node("Reshape", [g.Node("Transpose", [outputs[0]], null, OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3)), g.Longs($"encoder{l}.next_shape", 0, 0, -1)]);
            hidden[l] = Bridge(g, outputs[1], $"encoder{l}.bridge_h");
            if (hasCell) cell[l] = Bridge(g, outputs[2], $"encoder{l}.bridge_c");
        }
        if (beamWidth > 1)
            return BeamSearchLoop.Add(g, model.Decoder, "decoder.", hidden, hasCell ? cell : null, targetTexts, EncoderDecoder<float>.End, maximumLength, beamWidth, "RnnMlNet.GeneratedTokens");
        string start = g.Longs("decoder.start", EncoderDecoder<float>.Start);
        string prefix = g.Node("Reshape", [start, g.Longs("decoder.start_shape", 1, 1)]);
        return DecodingLoop.Add(g, model.Decoder, "decoder.", prefix, hidden, hasCell ? cell : null, targetTexts, EncoderDecoder<float>.End,
            maximumLength, new Decoding(0, 0, 0), "RnnMlNet.GeneratedTokens");
    }

    /// <summary>The glue's check column, always empty: a seq2seq model has no category to reject.</summary>
    public static string NoCheck(OnnxGraphBuilder g)
    {
        g.Node("Identity", [g.Strings("check.ok", [""])], "RnnMlNet.GenerationCheck");
        g.Output("RnnMlNet.GenerationCheck", DataType.String, 1);
        return "RnnMlNet.GenerationCheck";
    }

    /// <summary>Final state [D, 1, H] → the decoder's initial state [1, 1, D·H]: directions side by side, as the engine bridges them.</summary>
    private static string Bridge(OnnxGraphBuilder g, string finalState, string name) =>
        g.Node("Reshape", [g.Node("Transpose", [finalState], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), g.Longs(name + ".shape", 1, 1, -1)]);
}
