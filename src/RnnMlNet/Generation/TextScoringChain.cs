using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Text;
using RnnMlNet.Glue;

using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>
/// Builds the built-in transformers that score text with a generated ONNX graph: a character splitter (glue) or ML.NET's
/// word tokenizer, and ValueToKey, turn text into the graph's keys, CustomMapping glue joins the generated tokens back into text, and the temporary
/// columns are dropped. Each transformer is fitted on an empty view of the scoring columns: its parameters come from
/// the vocabularies, not from data.
/// </summary>
internal sealed class TextScoringChain
{
    private readonly MLContext _context;
    private readonly List<ITransformer> _transformers = new();
    private readonly HashSet<string> _scoringColumns;
    private readonly string _temporaryPrefix;
    private IDataView _view;

    /// <param name="context">Context of the fitted transformers.</param>
    /// <param name="textColumns">The text columns scoring reads (scalar strings).</param>
    /// <param name="temporaryPrefix">Prefix of the temporary columns.</param>
    /// <param name="vectorColumn">A float vector column scoring also reads, with its size; null for none.</param>
    public TextScoringChain(MLContext context, IReadOnlyList<string> textColumns, string temporaryPrefix, (string Name, int Size)? vectorColumn = null)
    {
        _context = context;
        _temporaryPrefix = temporaryPrefix;
        var definition = SchemaDefinition.Create(typeof(ScoringColumns));
        definition[nameof(ScoringColumns.First)].ColumnName = textColumns[0];
        definition[nameof(ScoringColumns.Second)].ColumnName = textColumns.Count > 1 ? textColumns[1] : temporaryPrefix + "Unused";
        var vector = definition[nameof(ScoringColumns.Vector)];
        vector.ColumnType = new VectorDataViewType(NumberDataViewType.Single, vectorColumn?.Size ?? 1);
        vector.ColumnName = vectorColumn?.Name ?? temporaryPrefix + "UnusedVector";
        _view = context.Data.LoadFromEnumerable(Array.Empty<ScoringColumns>(), definition);
        _scoringColumns = _view.Schema.Select(c => c.Name).ToHashSet();
    }

    /// <summary>How a generated unknown token (id 0: a token past MaximumVocabularySize) is written, rather than dropped,
    /// so the output keeps one token per step (and per row of attention weights).</summary>
    public const string UnknownText = "<unk>";

    /// <summary>Splits text the way the scoring chain does: Unicode characters (a surrogate pair is one), or words between
    /// spaces.</summary>
    public static string[] Tokenize(string text, TokenLevel level) => level == TokenLevel.Character
        ? text.EnumerateRunes().Select(c => c.ToString()).ToArray()
        : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The most frequent tokens first, ties in order of first appearance.</summary>
    public static List<string> ByFrequency(IEnumerable<string[]> texts, int maximum)
    {
        var counts = new Dictionary<string, (int Count, int First)>();
        foreach (var token in texts.SelectMany(t => t))
            counts[token] = counts.TryGetValue(token, out var seen) ? (seen.Count + 1, seen.First) : (1, counts.Count);
        return counts.OrderByDescending(c => c.Value.Count).ThenBy(c => c.Value.First).Take(maximum).Select(c => c.Key).ToList();
    }

    public string Temporary(string suffix) => _temporaryPrefix + suffix;

    /// <summary>Text → a key vector over <paramref name="tokens"/> (key k is token k; 0 for others).</summary>
    public string TokenKeys(string textColumn, TokenLevel level, IReadOnlyList<string> tokens, string name)
    {
        string split = Temporary(name + "Tokens");
        if (level == TokenLevel.Character)
        {
            // The glue reads and writes fixed column names; the copies keep each text column's characters apart. The first
            // copy is a normalisation that keeps everything (an identity), as it refuses a column that is not text by the
            // user's name, where the glue would name its own column.
            Add(_context.Transforms.Text.NormalizeText(TextToSplit.Column, textColumn, TextNormalizingEstimator.CaseMode.None,
                keepDiacritics: true, keepPunctuations: true, keepNumbers: true).Fit(_view));
            Add(_context.Transforms.CustomMapping<TextToSplit, SplitCharacters>(SplitCharactersFactory.Map, SplitCharactersFactory.ContractName).Fit(_view));
            Add(_context.Transforms.CopyColumns(split, SplitCharacters.Column).Fit(_view));
        }
        else
        {
            Add(_context.Transforms.Text.TokenizeIntoWords(split, textColumn, [' ']).Fit(_view));
        }
        return Keys(split, tokens, name + "Keys");
    }

    /// <summary>Text values → keys over <paramref name="values"/>, in their order.</summary>
    public string Keys(string column, IReadOnlyList<string> values, string name)
    {
        string keys = Temporary(name);
        var keyData = _context.Data.LoadFromEnumerable(values.Select(v => new PredictedLabelValue { Value = v }));
        Add(_context.Transforms.Conversion.MapValueToKey(keys, column, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData).Fit(_view));
        return keys;
    }

    public void Onnx(byte[] graph, string[] outputs, string[] inputs)
    {
        Add(OwnedOnnxTransformer.Fit(_context, outputs, inputs, graph, _view));
    }

    /// <summary>Joins the graph's generated tokens (and raises its check message) into the output text column, copies
    /// <paramref name="extra"/>'s graph output (if any) into its column, then drops every temporary column.</summary>
    public TransformerChain<ITransformer> JoinInto(string outputColumn, TokenLevel level, (string Column, string Source)? extra = null)
    {
        Add(level == TokenLevel.Character
            ? _context.Transforms.CustomMapping<GeneratedTokens, GeneratedText>(JoinCharactersFactory.Map, JoinCharactersFactory.ContractName).Fit(_view)
            : _context.Transforms.CustomMapping<GeneratedTokens, GeneratedText>(JoinWordsFactory.Map, JoinWordsFactory.ContractName).Fit(_view));
        Add(_context.Transforms.CopyColumns(outputColumn, "RnnMlNet.GeneratedText").Fit(_view));
        if (extra is { } copy) Add(_context.Transforms.CopyColumns(copy.Column, copy.Source).Fit(_view));
        string[] temporaries = _view.Schema.Select(c => c.Name).Where(n => !_scoringColumns.Contains(n) && n != outputColumn && n != extra?.Column).Distinct().ToArray();
        Add(_context.Transforms.DropColumns(temporaries).Fit(_view));
        return new TransformerChain<ITransformer>(_transformers.ToArray());
    }

    private void Add(ITransformer transformer)
    {
        _transformers.Add(transformer);
        _view = transformer.Transform(_view);
    }

    private sealed class ScoringColumns
    {
        public string First { get; set; } = "";

        public string Second { get; set; } = "";

        public float[] Vector { get; set; } = [];
    }
}
