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

    private readonly Func<MLContext, IDataView, string, IEnumerable<ITransformer>> _toKeys;

    private LabelKeyValues(string[] names, Func<MLContext, IDataView, string, IEnumerable<ITransformer>> toKeys)
    {
        Names = names;
        _toKeys = toKeys;
    }

    /// <summary>The name the graph gives each class, in key order.</summary>
    public string[] Names { get; }

    public static LabelKeyValues Of(DataViewSchema.Column label, int count)
    {
        var type = label.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: var item } ? item : null;
        return type?.RawType switch
        {
            var t when t == typeof(float) => Typed<float>(label, count),
            var t when t == typeof(double) => Typed<double>(label, count),
            var t when t == typeof(int) => Typed<int>(label, count),
            var t when t == typeof(long) => Typed<long>(label, count),
            var t when t == typeof(uint) => Typed<uint>(label, count),
            var t when t == typeof(ulong) => Typed<ulong>(label, count),
            var t when t == typeof(bool) => Typed<bool>(label, count),
            var t when t == typeof(sbyte) => Typed<sbyte>(label, count),
            var t when t == typeof(byte) => Typed<byte>(label, count),
            var t when t == typeof(short) => Typed<short>(label, count),
            var t when t == typeof(ushort) => Typed<ushort>(label, count),
            // Text key values name the classes themselves; keys without values are named by their numbers.
            _ => Named(SchemaChecks.KeyNames(label, count)),
        };
    }

    /// <summary>The transformers from the predicted names in <paramref name="namesColumn"/> to PredictedLabel.</summary>
    public IEnumerable<ITransformer> ToKeys(MLContext context, IDataView scored, string namesColumn) => _toKeys(context, scored, namesColumn);

    private static LabelKeyValues Named(string[] names) => new(names, (context, scored, namesColumn) =>
        [ToKey(context, scored, namesColumn, names.Select(name => new KeyValue<string> { Value = name }))]);

    private static LabelKeyValues Typed<T>(DataViewSchema.Column label, int count)
    {
        VBuffer<T> buffer = default;
        label.GetKeyValues(ref buffer);
        T[] values = buffer.DenseValues().ToArray();
        if (values.Length != count) return Named(SchemaChecks.KeyNames(label, count));
        // Round-trip text of each value ("7", "2.5", "True"), so distinct key values get distinct names; the key numbers were
        // shown before, digits 0–9 as "1".."10".
        string[] names = values.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").ToArray();
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
