using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// An encoder–decoder as a standard ONNX graph: the source keys run through the encoder's layers; each layer's final
/// state (both directions side by side) starts the same layer of the decoder, whose <see cref="DecodingLoop"/> (greedy)
/// or <see cref="BeamSearchLoop"/> writes the output from &lt;s&gt; until &lt;/s&gt;. With attention, the encoder's top
/// outputs are the memory each decoding step attends over (<see cref="AttentionGraph"/>).
/// </summary>
internal static class SequenceToSequenceGraph
{
    /// <returns>The name of the output token texts [1, L]. A non-null weightsOutput (for a model with attention) also names
    /// an output of the attention weights [1, L·T]: one row of T source weights per output token.</returns>
    public static string Add(OnnxGraphBuilder g, EncoderDecoder<float> model, string sourceColumn, string[] targetTexts, int maximumLength, int beamWidth,
        string? weightsOutput = null)
    {
        var encoder = model.Encoder;
        var weights = encoder.Export().ToDictionary(w => w.Name);
        var stack = RecurrentStackGraph.Load(g, encoder.Options, weights, "encoder.");
        bool hasCell = stack.HasCell;

        // Source key k is token id k (0, not in the vocabulary, is unknown): ids [N, T] → X [T, N, E]. An empty source,
        // which training refuses, runs as one unknown token and decodes nothing (below).
        string ids = g.Node("Cast", [g.Input(sourceColumn, DataType.Uint32, "N", "T")], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        string x = RecurrentStackGraph.Embed(g, g.Floats("encoder.embedding", weights["embedding"].Shape, weights["embedding"].Values), RecurrentGraph.AtLeastOneStep(g, ids, 1));
        bool attends = model.AttentionLayer is not null;
        var run = stack.Run(g, x, initialStates: null, "encoder", topOutput: attends);
        // Each layer's final states (h, then c) start the same layer of the decoder.
        var bridged = run.States.Select((state, i) => Bridge(g, state, $"encoder.bridge{i}")).ToArray();
        string[] hidden = bridged.Where((_, i) => i % stack.StatesPerLayer == 0).ToArray();
        string[]? cell = hasCell ? bridged.Where((_, i) => i % stack.StatesPerLayer == 1).ToArray() : null;
        var decoder = DecoderGraph.Load(g, model.Decoder, "decoder.", attends ? AttentionGraph.Load(g, model, run.Output) : null);
        string? attentionWeights = weightsOutput is null ? null : "decoder.weights";
        string tokens;
        if (beamWidth > 1)
        {
            tokens = BeamSearchLoop.Add(g, decoder, "decoder.", hidden, cell, targetTexts, EncoderDecoder<float>.End, maximumLength, beamWidth, "decoder.tokens", attentionWeights);
        }
        else
        {
            string start = g.Longs("decoder.start", EncoderDecoder<float>.Start);
            string prefix = g.Node("Reshape", [start, g.Longs("decoder.start_shape", 1, 1)]);
            tokens = DecodingLoop.Add(g, decoder, "decoder.", prefix, hidden, cell, targetTexts, EncoderDecoder<float>.End,
                maximumLength, new Decoding(0, 0, 0), "decoder.tokens", attentionWeights);
        }
        // Nothing of an empty source's output is kept.
        string isEmpty = g.Node("Equal", [RecurrentGraph.Length(g, ids, "source"), g.Longs("source.none", 0)]);
        string keep = g.Node("Where", [isEmpty, g.Longs("output.none", 0), g.Longs("output.all", long.MaxValue)]);
        string KeepUnlessEmpty(string values, string output) =>
            g.Node("Slice", [values, g.Longs(output + ".starts", 0), keep, g.Longs(output + ".axes", 1)], output);
        g.Output(KeepUnlessEmpty(tokens, "RnnMlNet.GeneratedTokens"), DataType.String, 1, "L");
        if (weightsOutput is not null) g.Output(KeepUnlessEmpty(attentionWeights!, weightsOutput), DataType.Float, 1, "LT");
        return "RnnMlNet.GeneratedTokens";
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
