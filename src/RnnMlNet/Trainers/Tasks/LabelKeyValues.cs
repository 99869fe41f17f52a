using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace RnnMlNet.Trainers;

/// <summary>
/// The key values of a classifier's or tagger's label, and the built-in transformers that turn the graph's predicted
/// class names into a PredictedLabel key (or key vector) carrying them, so that MapKeyToValue gives back the label's own
/// values with their own type, as after ML.NET's own trainers. The graph names a class by its text key value, or, for a
/// label of numbers or Booleans, by its value written out, which
/// MapValue then maps back to the value; Score's slot names and the export's class names are those names.
/// </summary>
internal sealed class LabelKeyValues
{
    private const string ValueColumn = "RnnMlNet.PredictedLabelKeyValue";
    private const string KeyValuesKind = "KeyValues";

    private readonly Func<MLContext, IDataView, string, IEnumerable<ITransformer>> _toKeys;

    private LabelKeyValues(string[] names, Func<MLContext, IDataView, string, IEnumerable<ITransformer>> toKeys)
    {
        Names = names;
        _toKeys = toKeys;
    }

    /// <summary>The name the graph gives each class, in key order.</summary>
    public string[] Names { get; }

    /// <summary>The label types whose values name their classes and come back through MapKeyToValue with their own type;
    /// a label with text key values, or none, is named by text.</summary>
    private static readonly Dictionary<Type, (Func<DataViewSchema.Column, int, LabelKeyValues> Of, Action<SchemaDefinition.Column, PrimitiveDataViewType> Placeholders,
        Func<DataViewSchema.Column, string[]> Texts)> ValueTypes = new()
    {
        [typeof(float)] = Kind<float>(), [typeof(double)] = Kind<double>(), [typeof(int)] = Kind<int>(), [typeof(long)] = Kind<long>(),
        [typeof(uint)] = Kind<uint>(), [typeof(ulong)] = Kind<ulong>(), [typeof(bool)] = Kind<bool>(), [typeof(sbyte)] = Kind<sbyte>(),
        [typeof(byte)] = Kind<byte>(), [typeof(short)] = Kind<short>(), [typeof(ushort)] = Kind<ushort>(),
    };

    public static LabelKeyValues Of(DataViewSchema.Column label, int count) =>
        // Text key values name the classes themselves; keys without values are named by their numbers.
        ValueType(label) is { } type && ValueTypes.TryGetValue(type.RawType, out var kind) ? kind.Of(label, count) : Named(SchemaChecks.KeyNames(label, count));

    /// <summary>A key column's values written out as they name classes, in key order, or null when it has none (or values of
    /// a type not listed): two key columns with the same count but other texts map the same key to different values.</summary>
    public static string[]? ValueTexts(DataViewSchema.Column column) => ValueType(column) switch
    {
        TextDataViewType => SchemaChecks.KeyNames(column, 0),
        { } type when ValueTypes.TryGetValue(type.RawType, out var kind) => kind.Texts(column),
        _ => null,
    };

    /// <summary>The first key (1-based) that two key columns map to different values, with those values' texts; null when
    /// they agree or either has no values to compare.</summary>
    public static (int Key, string Ours, string Theirs)? FirstDifferentKey(DataViewSchema.Column ours, DataViewSchema.Column theirs)
    {
        if (ValueTexts(ours) is not { } a || ValueTexts(theirs) is not { } b) return null;
        int key = Enumerable.Range(0, Math.Max(a.Length, b.Length)).FirstOrDefault(k => a.ElementAtOrDefault(k) != b.ElementAtOrDefault(k), -1);
        return key < 0 ? null : (key + 1, a.ElementAtOrDefault(key) ?? "", b.ElementAtOrDefault(key) ?? "");
    }

    private static DataViewType? ValueType(DataViewSchema.Column column) =>
        column.Annotations.Schema.GetColumnOrNull(KeyValuesKind)?.Type is VectorDataViewType { ItemType: var item } ? item : null;

    /// <summary>Gives a schema definition's PredictedLabel column two placeholder key values of the type the fitted model's
    /// will have, for a label whose key values are of <paramref name="labelValues"/> (null: none), so that the schema
    /// <c>GetOutputSchema</c> promises after a MapKeyToValue is the one <c>Fit</c> gives.</summary>
    public static void AddPlaceholders(SchemaDefinition.Column predictedLabel, DataViewType? labelValues)
    {
        if (labelValues is PrimitiveDataViewType primitive && ValueTypes.TryGetValue(primitive.RawType, out var kind)) kind.Placeholders(predictedLabel, primitive);
        else Placeholders<ReadOnlyMemory<char>>(predictedLabel, TextDataViewType.Instance);
    }

    private static (Func<DataViewSchema.Column, int, LabelKeyValues>, Action<SchemaDefinition.Column, PrimitiveDataViewType>, Func<DataViewSchema.Column, string[]>) Kind<T>() =>
        (Typed<T>, Placeholders<T>, column => Texts(Values<T>(column)));

    private static void Placeholders<T>(SchemaDefinition.Column column, PrimitiveDataViewType type) =>
        column.AddAnnotation(KeyValuesKind, new VBuffer<T>(2, new T[2]), new VectorDataViewType(type, 2));

    /// <summary>The transformers from the predicted names in <paramref name="namesColumn"/> to PredictedLabel.</summary>
    public IEnumerable<ITransformer> ToKeys(MLContext context, IDataView scored, string namesColumn) => _toKeys(context, scored, namesColumn);

    private static LabelKeyValues Named(string[] names) => new(names, (context, scored, namesColumn) =>
        [ToKey(context, scored, namesColumn, names.Select(name => new KeyValue<string> { Value = name }))]);

    private static T[] Values<T>(DataViewSchema.Column column)
    {
        VBuffer<T> buffer = default;
        column.GetKeyValues(ref buffer);
        return buffer.DenseValues().ToArray();
    }

    /// <summary>Round-trip text of each value ("7", "2.5", "True"), so distinct key values get distinct names; the key numbers
    /// were shown before, digits 0–9 as "1".."10".</summary>
    private static string[] Texts<T>(T[] values) => values.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").ToArray();

    private static LabelKeyValues Typed<T>(DataViewSchema.Column label, int count)
    {
        T[] values = Values<T>(label);
        if (values.Length != count) return Named(SchemaChecks.KeyNames(label, count));
        string[] names = Texts(values);
        return new(names, (context, scored, namesColumn) =>
        {
            var map = context.Transforms.Conversion.MapValue(ValueColumn, names.Zip(values, (name, value) => new KeyValuePair<string, T>(name, value)), namesColumn).Fit(scored);
            var mapped = map.Transform(scored);
            var toKey = ToKey(context, mapped, ValueColumn, values.Select(value => new KeyValue<T> { Value = value }));
            var drop = context.Transforms.DropColumns(ValueColumn).Fit(toKey.Transform(mapped));
            return [map, toKey, drop];
        });
    }

    /// <summary>ValueToKey with the keys in the label's order (<paramref name="values"/>).</summary>
    private static ITransformer ToKey<T>(MLContext context, IDataView scored, string column, IEnumerable<KeyValue<T>> values) =>
        context.Transforms.Conversion.MapValueToKey("PredictedLabel", column, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence,
            keyData: context.Data.LoadFromEnumerable(values)).Fit(scored);

    private sealed class KeyValue<T>
    {
        public T Value { get; set; } = default!;
    }
}
