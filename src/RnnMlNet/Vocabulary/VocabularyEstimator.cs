using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace RnnMlNet.Vocabulary;

/// <summary>
/// Builds a vocabulary over a column of token sequences and maps tokens to keys.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator characteristics
/// | | |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | Yes |
/// | Input column data type | Vector of [Text](xref:Microsoft.ML.Data.TextDataViewType) |
/// | Output column data type | Vector of [key](xref:Microsoft.ML.Data.KeyDataViewType) type, same length as the input |
/// | Exportable to ONNX | No |
/// ]]></format>
/// <para>The vocabulary keeps the <see cref="Options.MaximumSize"/> most frequent tokens that occur at least
/// <see cref="Options.MinimumCount"/> times; ties keep the token seen first. Token k of the vocabulary has key k (keys
/// are 1-based); a token outside the vocabulary gets key 0, the unknown token. The fitted transformer is ML.NET's own
/// <see cref="ValueToKeyMappingTransformer"/>, so it saves and loads with the model, and the vocabulary can be read
/// back with <see cref="VocabularyExtensions.GetVocabulary"/>.</para>
/// </remarks>
public sealed class VocabularyEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    private readonly MLContext _context = new();

    /// <summary>Settings of the vocabulary.</summary>
    public sealed class Options
    {
        /// <summary>Name of the key column produced; default "TokenIds".</summary>
        public string OutputColumnName { get; set; } = "TokenIds";

        /// <summary>Name of the token column read. Null means the output name.</summary>
        public string? InputColumnName { get; set; }

        /// <summary>Largest number of tokens kept. Default 20,000.</summary>
        public int MaximumSize { get; set; } = RecurrentDefaults.MaximumVocabularySize;

        /// <summary>Fewest occurrences for a token to be kept. Default 1.</summary>
        public int MinimumCount { get; set; } = 1;

        /// <summary>A copy, so that the estimator keeps the settings it checked whatever the caller changes later.</summary>
        internal Options Copy() => (Options)MemberwiseClone();
    }

    internal VocabularyEstimator(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Copy();
        Core.OptionChecks.Require(!string.IsNullOrWhiteSpace(options.OutputColumnName), nameof(Options.OutputColumnName), options.OutputColumnName, "a column name");
        Core.OptionChecks.Require(options.InputColumnName is null || !string.IsNullOrWhiteSpace(options.InputColumnName), nameof(Options.InputColumnName),
            options.InputColumnName, "a column name, or null for the output column's");
        Core.OptionChecks.Require(options.MaximumSize >= 1, nameof(Options.MaximumSize), options.MaximumSize, "at least 1");
        Core.OptionChecks.Require(options.MinimumCount >= 1, nameof(Options.MinimumCount), options.MinimumCount, "at least 1");
        Settings = options;
    }

    /// <summary>The settings this estimator was made with.</summary>
    public Options Settings { get; }

    private string InputColumn => Settings.InputColumnName ?? Settings.OutputColumnName;

    /// <inheritdoc />
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = input.Schema.GetColumnOrNull(InputColumn);
        if (column is null || column.Value.Type is not VectorDataViewType { ItemType: TextDataViewType })
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{InputColumn}' is {(column is null ? "missing" : column.Value.Type.ToString())}; expected a vector of text tokens (e.g. from TokenizeIntoWords).");
        var (terms, mostFrequent) = ChooseTerms(input);
        if (terms.Count == 0)
            throw new InvalidOperationException($"Column '{InputColumn}': the vocabulary is empty: " + (mostFrequent == 0
                ? "the column holds no token (every row is empty); tokenize a text column that has some."
                : $"no token occurs at least {Settings.MinimumCount} times (the most frequent occurs {Times(mostFrequent)}); lower MinimumCount."));
        var keyData = _context.Data.LoadFromEnumerable(terms.Select(t => new Term { Value = t }));
        return _context.Transforms.Conversion.MapValueToKey(Settings.OutputColumnName, InputColumn,
            keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData).Fit(input);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = SchemaChecks.Find(inputSchema, InputColumn, "a vector of text tokens (e.g. from TokenizeIntoWords)");
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{InputColumn}' is {SchemaChecks.Describe(column)}; expected a vector of text tokens (e.g. from TokenizeIntoWords).");
        // ML.NET's own mapping gives the output shape: a key vector of the input's length, with key values.
        return _context.Transforms.Conversion.MapValueToKey(Settings.OutputColumnName, InputColumn).GetOutputSchema(inputSchema);
    }

    private static string Times(int count) => count == 1 ? "once" : FormattableString.Invariant($"{count:N0} times");

    /// <summary>The vocabulary's tokens, and how often the most frequent token occurs (0: the column holds none).</summary>
    private (List<string> Terms, int MostFrequent) ChooseTerms(IDataView input)
    {
        var counts = new Dictionary<string, (int Count, long FirstSeen)>();
        long position = 0;
        foreach (var row in input.GetColumn<VBuffer<ReadOnlyMemory<char>>>(InputColumn))
        {
            foreach (var token in row.DenseValues())
            {
                if (token.IsEmpty) continue;
                string text = token.ToString();
                counts[text] = counts.TryGetValue(text, out var seen) ? (seen.Count + 1, seen.FirstSeen) : (1, position++);
            }
        }
        var terms = counts.Where(c => c.Value.Count >= Settings.MinimumCount)
            .OrderByDescending(c => c.Value.Count).ThenBy(c => c.Value.FirstSeen)
            .Take(Settings.MaximumSize).Select(c => c.Key).ToList();
        return (terms, counts.Count == 0 ? 0 : counts.Values.Max(c => c.Count));
    }

    private sealed class Term
    {
        public string Value { get; set; } = "";
    }
}
