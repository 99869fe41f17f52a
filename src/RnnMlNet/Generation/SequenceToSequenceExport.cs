using System.Text.Json;
using Onnx;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// The standalone graph <c>RecurrentModelFile.ExportOnnx</c> writes for a sequence-to-sequence model: padded batches of
/// sources with their lengths, each decoded as it is alone (greedy or beam search, as the model was saved).
/// <list type="bullet">
/// <item>Inputs: <c>TokenIds</c> int64 [N, T] (0 unknown, k the k-th source token of <c>RnnMlNet.Vocabulary</c>; ids past
/// a row's length are not read) and <c>SequenceLengths</c> int32 [N].</item>
/// <item>Outputs: <c>Tokens</c> string [N, L], a row's output tokens then "" (join characters, or words with spaces, as
/// <c>RnnMlNet.Tokenization</c> says); <c>OutputLengths</c> int64 [N]; with attention <c>AttentionWeights</c> float
/// [N, L, T], one row of source weights per output token (0 past either length).</item>
/// <item>A row of length 0 (or less) decodes to nothing.</item>
/// </list>
/// </summary>
internal static class SequenceToSequenceExport
{
    /// <summary>Metadata key of the encoder–decoder's description, written with the saved graph.</summary>
    public const string DescriptionKey = "RnnMlNet.EncoderDecoder";

    /// <summary>Metadata key of the target tokens (a JSON array in id order; the first three are &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;).</summary>
    public const string TargetVocabularyKey = "RnnMlNet.TargetVocabulary";

    /// <summary>Metadata key of how texts split into tokens: {"Input": "Character" or "Word", "Target": …}.</summary>
    public const string TokenizationKey = "RnnMlNet.Tokenization";

    /// <summary>What the export needs beside the weights. Models saved before the length penalty have none (0).</summary>
    internal sealed record Description(EncoderDecoderOptions Network, int MaximumLength, int BeamWidth, double LengthPenalty = 0);

    /// <summary>Writes what the export needs into the saved graph's metadata.</summary>
    public static void Describe(OnnxGraphBuilder g, EncoderDecoderOptions network, int maximumLength, BeamSearch beam, IReadOnlyList<string> sourceTokens,
        IReadOnlyList<string> targetTexts, TokenLevel input, TokenLevel target)
    {
        g.Metadata(DescriptionKey, JsonSerializer.Serialize(new Description(network, maximumLength, beam.Width, beam.LengthPenalty)));
        g.Metadata(ExportGraph.VocabularyKey, JsonSerializer.Serialize(sourceTokens));
        g.Metadata(TargetVocabularyKey, JsonSerializer.Serialize(targetTexts));
        g.Metadata(TokenizationKey, JsonSerializer.Serialize(new { Input = input.ToString(), Target = target.ToString() }));
    }

    /// <summary>The export graph of a stored sequence-to-sequence model, or null for one saved without a description.</summary>
    public static byte[]? Build(ModelProto stored)
    {
        var metadata = stored.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (!metadata.TryGetValue(DescriptionKey, out var described) || JsonSerializer.Deserialize<Description>(described) is not { } description) return null;
        var model = Restore(description.Network, stored.Graph.Initializer.ToDictionary(t => t.Name));
        string[] targetTexts = JsonSerializer.Deserialize<string[]>(metadata[TargetVocabularyKey])!;

        var g = new OnnxGraphBuilder("RnnMlNet.SequenceToSequence.Export");
        string ids = g.Input("TokenIds", DataType.Int64, "N", "T");
        string lengths = g.Input("SequenceLengths", DataType.Int32, "N");
        // An id outside the source vocabulary reads as unknown (0), as in ML.NET; a row of length 0 runs one step and
        // decodes nothing (below).
        string sources = RecurrentGraph.AtLeastOneStep(g, RecurrentGraph.KnownOrUnknown(g, ids, description.Network.SourceVocabularySize, "ids"), 1);
        string running = g.Node("Max", [RecurrentGraph.AtMostSteps(g, lengths, sources, 1, "lengths"), g.Ints32("lengths.one", 1)]);
        bool attends = model.AttentionLayer is not null;
        var decoded = SequenceToSequenceGraph.Decode(g, model, sources, running, description.MaximumLength,
            new BeamSearch(description.BeamWidth, description.LengthPenalty), keepWeights: attends);

        // Nothing of an empty source's output is kept.
        string kept = ExportedTokens.Write(g, decoded.Ids, targetTexts, EncoderDecoder<float>.End, g.Node("Greater", [lengths, g.Ints32("lengths.zero", 0)]));
        if (attends)
        {
            g.Node("Where", [g.Node("Unsqueeze", [kept, g.Longs("output.weight_axes", 2)]), decoded.Weights!, g.Floats("output.no_weight", [], [0f])], "AttentionWeights");
            g.Output("AttentionWeights", DataType.Float, "N", "L", "T");
        }

        g.DocString("Padded batches of sources with their lengths: each row decodes as it does alone. Inputs: TokenIds int64 [N, T] (0 = unknown; see metadata "
            + ExportGraph.VocabularyKey + "), SequenceLengths int32 [N]. Outputs: Tokens string [N, L] (a row's first OutputLengths tokens, then \"\"; see metadata "
            + TokenizationKey + "), OutputLengths int64 [N]" + (attends ? ", AttentionWeights float [N, L, T]" : "") + ".");
        g.MetadataFrom(stored);
        return g.ToBytes();
    }

    /// <summary>The encoder–decoder whose weights the stored graph holds, under the names the saved graph gave them.</summary>
    private static EncoderDecoder<float> Restore(EncoderDecoderOptions options, Dictionary<string, TensorProto> initializers)
    {
        var model = new EncoderDecoder<float>(options, seed: 0);
        // Without attention the encoder has a head that nothing reads, so the saved graph does not hold it.
        model.Encoder.Import(model.Encoder.Export()
            .Select(t => t.Name.StartsWith("head.", StringComparison.Ordinal) ? t : t with { Values = ExportGraph.Values(initializers, "encoder." + t.Name, t.Values.Length) }).ToList());
        model.Decoder.Import(model.Decoder.Export().Select(t => t with { Values = ExportGraph.Values(initializers, "decoder." + t.Name, t.Values.Length) }).ToList());
        if (model.AttentionLayer is { } attention)
        {
            void Copy(string name, Core.Parameters.Parameter parameter) =>
                ExportGraph.Values(initializers, name, parameter.Length).CopyTo(model.Parameters.Value(parameter));
            if (attention.ScoreWeights is { } score) Copy("attention.score", score);
            Copy("attention.combine.weights", attention.Combine.Weights);
            Copy("attention.combine.bias", attention.Combine.Bias);
            Copy("output.weights", model.OutputLayer!.Weights);
            Copy("output.bias", model.OutputLayer.Bias);
        }
        return model;
    }
}
