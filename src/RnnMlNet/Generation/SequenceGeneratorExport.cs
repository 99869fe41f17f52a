using System.Text.Json;
using Onnx;
using RnnMlNet.Core.Networks;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Generation;

/// <summary>
/// The standalone graph <c>RecurrentModelFile.ExportOnnx</c> writes for a sequence generator: a padded batch of prompts
/// with their lengths, each continued as the saved model continues it alone.
/// <list type="bullet">
/// <item>Inputs: <c>TokenIds</c> int64 [N, T] (0 unknown, k the k-th token of <c>RnnMlNet.Vocabulary</c>; ids past a row's
/// length are not read; T may be 0) and <c>SequenceLengths</c> int32 [N]; for a model conditioned on a category,
/// <c>CategoryIds</c> int64 [N] (k the k-th of <c>RnnMlNet.Categories</c>, 0 unknown); for one conditioned on numbers,
/// <c>Condition</c> float [N, F].</item>
/// <item>Outputs: <c>Tokens</c> string [N, L], a row's generated tokens then ""; <c>OutputLengths</c> int64 [N]; for a
/// conditioned model, <c>Check</c> string [N]: "" or why the row's condition is refused (a category never seen in training, whose
/// row starts from &lt;s&gt;, or a number that is not finite).</item>
/// <item>Greedy decoding (Temperature 0) gives each row what it gets alone. Sampling draws each row from the same
/// distribution, but a row's draws depend on the rows beside it, as the random numbers are shared.</item>
/// </list>
/// </summary>
internal static class SequenceGeneratorExport
{
    /// <summary>Metadata key of the generator's description, written with the saved graph.</summary>
    public const string DescriptionKey = "RnnMlNet.Generator";

    /// <summary>Metadata key of the conditioning categories (a JSON array in id order).</summary>
    public const string CategoriesKey = "RnnMlNet.Categories";

    /// <summary>What the export needs beside the weights; <paramref name="UnknownIsTarget"/> is null in models saved before it
    /// was stored, which keep the unknown token a candidate.</summary>
    internal sealed record Description(NetworkOptions Network, int MaximumLength, float Temperature, int TopK, int Seed, IReadOnlyList<string> Categories,
        IReadOnlyList<string> Tokens, int ConditionWidth, bool? UnknownIsTarget);

    /// <summary>Writes what the export needs into the saved graph's metadata.</summary>
    public static void Describe(OnnxGraphBuilder g, NetworkOptions network, GeneratorVocabulary vocabulary, int maximumLength, Decoding decoding, TokenLevel level,
        int conditionWidth)
    {
        g.Metadata(DescriptionKey, JsonSerializer.Serialize(new Description(network, maximumLength, decoding.Temperature, decoding.TopK, decoding.Seed,
            vocabulary.Categories, vocabulary.Tokens, conditionWidth, vocabulary.UnknownIsTarget)));
        g.Metadata(ExportGraph.VocabularyKey, JsonSerializer.Serialize(vocabulary.Tokens));
        if (vocabulary.Categories.Count > 0) g.Metadata(CategoriesKey, JsonSerializer.Serialize(vocabulary.Categories));
        g.Metadata(SequenceToSequenceExport.TokenizationKey, JsonSerializer.Serialize(new { Input = level.ToString(), Target = level.ToString() }));
    }

    /// <summary>The export graph of a stored generator, or null for one saved without a description.</summary>
    public static byte[]? Build(ModelProto stored)
    {
        var described = stored.MetadataProps.FirstOrDefault(p => p.Key == DescriptionKey)?.Value;
        if (described is null || JsonSerializer.Deserialize<Description>(described) is not { } description) return null;
        var vocabulary = new GeneratorVocabulary(description.Categories, description.Tokens, description.UnknownIsTarget ?? true);
        var initializers = stored.Graph.Initializer.ToDictionary(t => t.Name);
        var conditioned = description.ConditionWidth > 0 ? new ConditionedDecoder<float>(description.Network, description.ConditionWidth, seed: 0) : null;
        var network = conditioned?.Decoder ?? new RecurrentNetwork<float>(description.Network, seed: 0);
        network.Import(network.Export().Select(t => t with { Values = ExportGraph.Values(initializers, t.Name, t.Values.Length) }).ToList());
        if (conditioned is not null)
        {
            var (weights, bias) = conditioned.Condition;
            ExportGraph.Values(initializers, "condition.weights", weights.Length).CopyTo(conditioned.Parameters.Value(weights));
            ExportGraph.Values(initializers, "condition.bias", bias.Length).CopyTo(conditioned.Parameters.Value(bias));
        }

        var g = new OnnxGraphBuilder("RnnMlNet.Generator.Export");
        string ids = g.Input("TokenIds", DataType.Int64, "N", "T");
        string lengths = g.Node("Max", [RecurrentGraph.AtMostSteps(g, g.Input("SequenceLengths", DataType.Int32, "N"), ids, 1, "lengths"), g.Ints32("lengths.zero", 0)]);
        string? categories = description.Categories.Count > 0 ? RecurrentGraph.KnownOrUnknown(g, g.Input("CategoryIds", DataType.Int64, "N"), description.Categories.Count + 1, "category_ids") : null;
        var numeric = conditioned is null ? ((string, ConditionedDecoder<float>)?)null : (g.Input("Condition", DataType.Float, "N", description.ConditionWidth), conditioned);
        var decoding = new Decoding(description.Temperature, description.TopK, description.Seed, vocabulary.NeverTargeted());
        var (decoded, check) = GenerationGraph.Decode(g, network, vocabulary, RecurrentGraph.KnownOrUnknown(g, ids, description.Tokens.Count + 1, "ids"), lengths,
            categories, categories is null ? "Condition" : "CategoryIds", description.MaximumLength, decoding, numeric);
        ExportedTokens.Write(g, decoded.Ids, vocabulary.Texts, GeneratorVocabulary.End);
        bool checks = description.Categories.Count > 0 || conditioned is not null;
        if (checks)
        {
            g.Node("Identity", [check], "Check");
            g.Output("Check", DataType.String, "N");
        }

        g.DocString("Padded batches of prompts with their lengths: with greedy decoding each row generates what it does alone. Inputs: TokenIds int64 [N, T] (0 = unknown; see metadata "
            + ExportGraph.VocabularyKey + "), SequenceLengths int32 [N]" + (description.Categories.Count > 0 ? ", CategoryIds int64 [N] (see metadata " + CategoriesKey + ")" : "")
            + (conditioned is not null ? ", Condition float [N, F]" : "") + ". Outputs: Tokens string [N, L] (a row's first OutputLengths tokens, then \"\"), OutputLengths int64 [N]"
            + (checks ? ", Check string [N]" : "") + ".");
        g.MetadataFrom(stored);
        return g.ToBytes();
    }
}
