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
    public static string Add(OnnxGraphBuilder g, EncoderDecoder<float> model, string sourceColumn, string[] targetTexts, int maximumLength, BeamSearch beam,
        string? weightsOutput = null)
    {
        // Source key k is token id k (0, not in the vocabulary, is unknown). An empty source, which training refuses, runs as
        // one unknown token and decodes nothing (below).
        string ids = g.Node("Cast", [g.Input(sourceColumn, DataType.Uint32, "N", "T")], null, OnnxGraphBuilder.Int("to", (long)DataType.Int64));
        var decoded = Decode(g, model, RecurrentGraph.AtLeastOneStep(g, ids, 1), sourceLengths: null, maximumLength, beam, keepWeights: weightsOutput is not null);
        string tokens = DecodingLoop.Texts(g, "decoder.", targetTexts, decoded.Ids, "decoder.tokens");
        if (weightsOutput is not null) DecodingLoop.WeightsBeforeEnd(g, "decoder.", decoded.Weights!, decoded.Ids, EncoderDecoder<float>.End, "decoder.weights");
        // Nothing of an empty source's output is kept.
        string isEmpty = g.Node("Equal", [RecurrentGraph.Length(g, ids, "source"), g.Longs("source.none", 0)]);
        string keep = g.Node("Where", [isEmpty, g.Longs("output.none", 0), g.Longs("output.all", long.MaxValue)]);
        string KeepUnlessEmpty(string values, string output) =>
            g.Node("Slice", [values, g.Longs(output + ".starts", 0), keep, g.Longs(output + ".axes", 1)], output);
        g.Output(KeepUnlessEmpty(tokens, "RnnMlNet.GeneratedTokens"), DataType.String, 1, "L");
        if (weightsOutput is not null) g.Output(KeepUnlessEmpty("decoder.weights", weightsOutput), DataType.Float, 1, "LT");
        return "RnnMlNet.GeneratedTokens";
    }

    /// <summary>
    /// Encodes a batch of sources, token ids [N, T] (each row's first <paramref name="sourceLengths"/> ids, int32 [N], at
    /// least 1; or all T when null), and decodes each: greedy (beam width 1) or beam search.
    /// </summary>
    public static DecodedTokens Decode(OnnxGraphBuilder g, EncoderDecoder<float> model, string ids, string? sourceLengths, int maximumLength, BeamSearch beam, bool keepWeights)
    {
        var encoder = model.Encoder;
        var weights = encoder.Export().ToDictionary(w => w.Name);
        var stack = RecurrentStackGraph.Load(g, encoder.Options, weights, "encoder.");
        string x = RecurrentStackGraph.Embed(g, g.Floats("encoder.embedding", weights["embedding"].Shape, weights["embedding"].Values), ids);
        bool attends = model.AttentionLayer is not null;
        var run = stack.Run(g, x, initialStates: null, "encoder", topOutput: attends, sourceLengths);
        // Each layer's final states (h, then c) start the same layer of the decoder.
        var bridged = run.States.Select((state, i) => Bridge(g, state, stack.Directions * stack.HiddenSize, $"encoder.bridge{i}")).ToArray();
        string[] hidden = bridged.Where((_, i) => i % stack.StatesPerLayer == 0).ToArray();
        string[]? cell = stack.HasCell ? bridged.Where((_, i) => i % stack.StatesPerLayer == 1).ToArray() : null;
        var decoder = DecoderGraph.Load(g, model.Decoder, "decoder.", attends ? AttentionGraph.Load(g, model, run.Output, sourceLengths) : null);
        if (beam.Width > 1)
            return BeamSearchLoop.Add(g, decoder, "decoder.", hidden, cell, EncoderDecoder<float>.End, maximumLength, beam.Width, beam.LengthPenalty, keepWeights);
        // Every row starts from <s>: [N, 1].
        string rows = g.Node("Slice", [g.Node("Shape", [ids]), g.Longs("decoder.n_start", 0), g.Longs("decoder.n_end", 1)]);
        string prefix = g.Node("Expand", [g.LongTensor("decoder.start", [1, 1], EncoderDecoder<float>.Start), g.Node("Concat", [rows, g.Longs("decoder.start_width", 1)], null, OnnxGraphBuilder.Int("axis", 0))]);
        return DecodingLoop.Add(g, decoder, "decoder.", prefix, null, hidden, cell, EncoderDecoder<float>.End, maximumLength, new Decoding(0, 0, 0), keepWeights);
    }

    /// <summary>The glue's check column, always empty: a seq2seq model has no category to reject.</summary>
    public static string NoCheck(OnnxGraphBuilder g)
    {
        g.Node("Identity", [g.Strings("check.ok", [""])], "RnnMlNet.GenerationCheck");
        g.Output("RnnMlNet.GenerationCheck", DataType.String, 1);
        return "RnnMlNet.GenerationCheck";
    }

    /// <summary>Final state [D, N, H] → the decoder's initial state [1, N, D·H]: directions side by side, as the engine bridges them.</summary>
    private static string Bridge(OnnxGraphBuilder g, string finalState, int width, string name) =>
        g.Node("Reshape", [g.Node("Transpose", [finalState], null, OnnxGraphBuilder.Ints("perm", 1, 0, 2)), g.Longs(name + ".shape", 1, -1, width)]);
}
