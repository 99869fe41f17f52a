using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Vocabulary;

/// <summary>Reads a vocabulary back from a fitted model's output schema.</summary>
public static class VocabularyExtensions
{
    /// <summary>
    /// The tokens of a key column in key order: element k−1 has key k. Works on a model fitted now or loaded from a .zip.
    /// </summary>
    public static IReadOnlyList<string> GetVocabulary(this ITransformer model, DataViewSchema inputSchema, string keyColumnName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var schema = model.GetOutputSchema(inputSchema);
        var column = schema.GetColumnOrNull(keyColumnName)
            ?? throw new ArgumentException($"Column '{keyColumnName}' is not produced by this model.", nameof(keyColumnName));
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { } keyValues)
            throw new ArgumentException($"Column '{keyColumnName}' has no vocabulary: it is {column.Type}, with no key values.", nameof(keyColumnName));
        return TokensOf(column) ?? throw new ArgumentException($"Column '{keyColumnName}' has key values of type {keyValues.Type}, not text: its keys were made from values other than tokens.", nameof(keyColumnName));
    }

    /// <summary>A key column's text key values in key order, or null when it has none.</summary>
    internal static IReadOnlyList<string>? TokensOf(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToList();
    }
}
