using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Onnx;
using RnnMlNet.Graphs;
using static Onnx.TensorProto.Types;

namespace RnnMlNet.Sequences;

/// <summary>Which end of a sequence padding (or truncation) applies to.</summary>
public enum SequenceSide
{
    /// <summary>The end: padding follows the tokens; truncation keeps the first tokens.</summary>
    Post,

    /// <summary>The start: padding precedes the tokens; truncation keeps the last tokens.</summary>
    Pre,
}

/// <summary>How a OneHotSequence cut each row's keys: to <paramref name="Steps"/>, keeping the side <paramref name="Truncation"/> says.</summary>
internal readonly record struct KeyCut(int Steps, SequenceSide Truncation);

/// <summary>
/// Turns a vector of keys into the teaching material's <c>(timesteps, features)</c> representation: a sparse
/// [T, V] indicator vector with one one-hot row per token, zero rows for padding, cut to T steps.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator characteristics
/// | | |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Vector of [key](xref:Microsoft.ML.Data.KeyDataViewType) type with a known count V |
/// | Output column data type | Known-size sparse vector of Single, dimensions [T, V] |
/// | Exportable to ONNX | No |
/// ]]></format>
/// <para>Key k becomes a 1 in column k−1 of its row. Key 0 (unknown) becomes a zero row, like padding. A model exported
/// with <c>RecurrentModelFile.ExportOnnx</c> takes the input column's keys, and its metadata holds that column's
/// vocabulary. The fitted model is made of built-in transformers (an ONNX pad/truncate graph, ValueToKey, KeyToVector),
/// so it saves and loads with the rest of the pipeline. The recurrent trainers read such a column as token ids and skip
/// its zero rows.</para>
/// </remarks>
public sealed class OneHotSequenceEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly MLContext _context = new();

    /// <summary>Settings.</summary>
    public sealed class Options
    {
        /// <summary>Name of the one-hot column produced; default "OneHot".</summary>
        public string OutputColumnName { get; set; } = "OneHot";

        /// <summary>Name of the key column read. Null means the output name.</summary>
        public string? InputColumnName { get; set; }

        /// <summary>T: steps in every output row. Required, at least 2.</summary>
        public int MaximumLength { get; set; }

        /// <summary>Where zero rows are added to short sequences. Default <see cref="SequenceSide.Post"/>.</summary>
        public SequenceSide Padding { get; set; } = SequenceSide.Post;

        /// <summary>Where long sequences are cut. Default <see cref="SequenceSide.Post"/> (keep the first T tokens).</summary>
        public SequenceSide Truncation { get; set; } = SequenceSide.Post;

        /// <summary>A copy, so that the estimator keeps the settings it checked whatever the caller changes later.</summary>
        internal Options Copy() => (Options)MemberwiseClone();
    }

    internal OneHotSequenceEstimator(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Copy();
        // ML.NET's KeyToVector gives a one-step column one dimension, [V], which a trainer would read as V float steps.
        Core.OptionChecks.Require(options.MaximumLength >= 2, nameof(Options.MaximumLength), options.MaximumLength,
            "at least 2 steps (a one-step column would have one dimension, [V], which the recurrent trainers read as V float steps)");
        Core.OptionChecks.Require(!string.IsNullOrWhiteSpace(options.OutputColumnName), nameof(Options.OutputColumnName), options.OutputColumnName, "a column name");
        Core.OptionChecks.Require(options.InputColumnName is null || !string.IsNullOrWhiteSpace(options.InputColumnName), nameof(Options.InputColumnName),
            options.InputColumnName, "a column name, or null for the output column's");
        Settings = options;
    }

    /// <summary>The settings this estimator was made with.</summary>
    public Options Settings { get; }

    private string InputColumn => Settings.InputColumnName ?? Settings.OutputColumnName;

    private string PaddedColumn => PaddedColumnOf(Settings.OutputColumnName);

    /// <summary>The name of the graph that pads and cuts a row's keys; its input is the key column read.</summary>
    private const string PadGraphName = "RnnMlNet.OneHotSequence.Pad";

    internal static string PaddedColumnOf(string oneHotColumn) => oneHotColumn + ".PaddedValues";

    private string PaddedKeysColumn => Settings.OutputColumnName + ".PaddedKeys";

    /// <inheritdoc />
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = SchemaChecks.Find(input.Schema, InputColumn, "a vector of keys (from BuildVocabulary or MapValueToKey)");
        if (column.Type is not VectorDataViewType { ItemType: KeyDataViewType key } || key.Count is 0 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{InputColumn}' is {column.Type}; expected a vector of keys with a known count (from BuildVocabulary or MapValueToKey).");
        int vocabulary = (int)key.Count;

        // A known-size column must be declared with its size: ML.NET misreads a symbolic dimension there.
        object length = column.Type is VectorDataViewType { IsKnownSize: true } known ? known.Size : "L";
        var pad = OwnedOnnxTransformer.Fit(_context, [PaddedColumn], [InputColumn], PadGraph(KeyColumns.OnnxType(key), length), input);
        var padded = pad.Transform(input);
        var keyData = _context.Data.LoadFromEnumerable(Enumerable.Range(1, vocabulary).Select(k => new KeyValue { Value = k }));
        var toKeys = _context.Transforms.Conversion.MapValueToKey(PaddedKeysColumn, PaddedColumn,
            keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData).Fit(padded);
        var keyed = toKeys.Transform(padded);
        var oneHot = _context.Transforms.Conversion.MapKeyToVector(Settings.OutputColumnName, PaddedKeysColumn, outputCountVector: false).Fit(keyed);
        var drop = _context.Transforms.DropColumns(PaddedColumn, PaddedKeysColumn).Fit(oneHot.Transform(keyed));
        return new TransformerChain<ITransformer>(pad, toKeys, oneHot, drop);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = SchemaChecks.Find(inputSchema, InputColumn, "a vector of keys (from BuildVocabulary or MapValueToKey)");
        if (!column.IsKey || column.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{InputColumn}' is {SchemaChecks.Describe(column)}; expected a vector of keys (from BuildVocabulary or MapValueToKey).");
        return SchemaChecks.AddColumns<OneHotColumn>(inputSchema, definition =>
        {
            var column = definition[nameof(OneHotColumn.Value)];
            column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, Settings.MaximumLength, 1);
            column.ColumnName = Settings.OutputColumnName;
        });
    }

    /// <summary>
    /// keys [1, L] → float [T]: cut to T steps at the truncation side, then zero-padded to T at the padding side.
    /// Rows are scored one at a time, so the batch dimension is 1. <paramref name="keysLength"/> is L: the column's size, or a
    /// symbol for a variable-size column.
    /// </summary>
    private byte[] PadGraph(DataType keyType, object keysLength)
    {
        long steps = Settings.MaximumLength;
        var g = new OnnxGraphBuilder(PadGraphName);
        string keys = g.Input(InputColumn, keyType, "N", keysLength);
        string values = g.Node("Cast", [keys], null, OnnxGraphBuilder.Int("to", (long)DataType.Float));
        string cut = Settings.Truncation == SequenceSide.Post
            ? g.Node("Slice", [values, g.Longs("cut.starts", 0), g.Longs("cut.ends", steps), g.Longs("cut.axes", 1)])
            : g.Node("Slice", [values, g.Longs("cut.starts", -steps), g.Longs("cut.ends", long.MaxValue), g.Longs("cut.axes", 1)]);
        string length = g.Node("Slice", [g.Node("Shape", [cut]), g.Longs("length.starts", 1), g.Longs("length.ends", 2)]);
        string missing = g.Node("Sub", [g.Longs("pad.steps", steps), length]);
        string zero = g.Longs("pad.zero", 0);
        // ONNX pads: [start of dim 0, start of dim 1, end of dim 0, end of dim 1].
        string pads = Settings.Padding == SequenceSide.Post
            ? g.Node("Concat", [zero, zero, zero, missing], null, OnnxGraphBuilder.Int("axis", 0))
            : g.Node("Concat", [zero, missing, zero, zero], null, OnnxGraphBuilder.Int("axis", 0));
        string padded = g.Node("Pad", [cut, pads]);
        g.Node("Reshape", [padded, g.Longs("out.shape", steps)], PaddedColumn);
        g.Output(PaddedColumn, DataType.Float, (int)steps);
        return g.ToBytes();
    }

    /// <summary>The key column a saved OneHotSequence made <paramref name="oneHotColumn"/> from, read from its pad graph among
    /// <paramref name="graphs"/> (those of a saved model); null when no pad graph, or more than one, wrote that column.</summary>
    internal static string? KeyColumnOf(IEnumerable<ModelProto> graphs, string oneHotColumn)
    {
        var pads = graphs.Where(m => m.Graph.Name == PadGraphName && m.Graph.Output.Any(o => o.Name == PaddedColumnOf(oneHotColumn))).Take(2).ToList();
        return pads.Count == 1 ? pads[0].Graph.Input[0].Name : null;
    }

    /// <summary>How the saved OneHotSequence that made <paramref name="oneHotColumn"/> cut each row's keys (T, and the side
    /// kept), read from its pad graph among <paramref name="graphs"/>; null as for <see cref="KeyColumnOf"/>.</summary>
    internal static KeyCut? CutOf(IEnumerable<ModelProto> graphs, string oneHotColumn)
    {
        var pads = graphs.Where(m => m.Graph.Name == PadGraphName && m.Graph.Output.Any(o => o.Name == PaddedColumnOf(oneHotColumn))).Take(2).ToList();
        if (pads.Count != 1) return null;
        long? Constant(string name) => pads[0].Graph.Initializer.FirstOrDefault(t => t.Name == name)?.Int64Data.FirstOrDefault();
        // PadGraph's constants: T, and where the cut starts (a negative start keeps the last T).
        return Constant("pad.steps") is long steps and > 0 and <= int.MaxValue && Constant("cut.starts") is long start
            ? new KeyCut((int)steps, start < 0 ? SequenceSide.Pre : SequenceSide.Post)
            : null;
    }

    private sealed class KeyValue
    {
        public float Value { get; set; }
    }

    /// <summary>Shape of the output column, for schema propagation.</summary>
    internal sealed class OneHotColumn
    {
        /// <summary>The [T, V] indicators.</summary>
        public float[] Value { get; set; } = [];
    }
}
