using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Trainers;

/// <summary>
/// The column whose rows are held out together (<see cref="RecurrentTrainerOptions.SamplingKeyColumnName"/>): each row's
/// value becomes a stable 64-bit number, which the hold-out's hash reads in place of the row's position, so rows with equal
/// values land on the same side.
/// </summary>
internal static class SamplingKey
{
    private const string Expected = "a scalar text, key, number or Boolean column naming each row's group";

    /// <summary>Raw types whose values can name a group: what ML.NET's scalar text, key, number and Boolean columns hold.</summary>
    private static readonly HashSet<Type> SupportedTypes =
    [
        typeof(ReadOnlyMemory<char>), typeof(bool), typeof(float), typeof(double),
        typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
    ];

    /// <summary>Throws, naming the column, unless the shape has it as a scalar of a supported type.</summary>
    public static void Check(SchemaShape schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || !SupportedTypes.Contains(column.ItemType.RawType))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {SchemaChecks.Describe(column)}; expected {Expected}.");
    }

    /// <summary>Throws, naming the column, unless the schema has it as a scalar of a supported type.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        return column.Type is not VectorDataViewType && SupportedTypes.Contains(column.Type.RawType)
            ? column
            : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {Expected}.");
    }

    /// <summary>A getter of the current row's group as a number: equal values give equal numbers in every process.</summary>
    public static Func<long> Reader(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(ReadOnlyMemory<char>) => Read<ReadOnlyMemory<char>>(row, column, Text),
        var t when t == typeof(bool) => Read<bool>(row, column, value => value ? 1 : 0),
        var t when t == typeof(float) => Read<float>(row, column, value => Number(value)),
        var t when t == typeof(double) => Read<double>(row, column, Number),
        var t when t == typeof(sbyte) => Read<sbyte>(row, column, value => value),
        var t when t == typeof(byte) => Read<byte>(row, column, value => value),
        var t when t == typeof(short) => Read<short>(row, column, value => value),
        var t when t == typeof(ushort) => Read<ushort>(row, column, value => value),
        var t when t == typeof(int) => Read<int>(row, column, value => value),
        var t when t == typeof(uint) => Read<uint>(row, column, value => value),
        var t when t == typeof(long) => Read<long>(row, column, value => value),
        var t when t == typeof(ulong) => Read<ulong>(row, column, value => unchecked((long)value)),
        var t => throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is {column.Type} ({t}); expected {Expected}."),
    };

    /// <summary>
    /// Throws unless <paramref name="split"/> holds out some of the data's groups and keeps some: with a few large groups
    /// the hash can take none or all of them, and early stopping would then rank nothing or train on nothing. Reads only
    /// the key column, and stops as soon as both sides have a group.
    /// </summary>
    public static void CheckSplit(IDataView data, DataViewSchema.Column column, ValidationSplit split, int seed)
    {
        var groups = new HashSet<long>();
        bool held = false, kept = false;
        using var cursor = data.GetRowCursor([column]);
        var read = Reader(cursor, column);
        while (cursor.MoveNext() && !(held && kept))
        {
            long group = read();
            if (split.IsValidation(group)) held = true;
            else kept = true;
            groups.Add(group);
        }
        if (held && kept) return;
        throw new ArgumentOutOfRangeException(nameof(data), $"SamplingKeyColumnName '{column.Name}': holding out {split.Fraction:P0} of its " +
            $"{groups.Count:N0} group(s) by a hash seeded with {seed} took {(held ? "all" : "none")} of them. Raise ValidationFraction, change Seed, " +
            "or give Fit(train, validation) validation data.");
    }

    private static Func<long> Read<TValue>(DataViewRow row, DataViewSchema.Column column, Func<TValue, long> group)
    {
        var getter = row.GetGetter<TValue>(column);
        TValue value = default!;
        return () =>
        {
            getter(ref value);
            return group(value);
        };
    }

    /// <summary>FNV-1a over the UTF-16 code units: fixed, unlike string.GetHashCode, which is randomised per process.</summary>
    private static long Text(ReadOnlyMemory<char> value)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in value.Span) hash = (hash ^ c) * 1099511628211UL;
        return unchecked((long)hash);
    }

    /// <summary>The value's bits, with −0 as 0 and every NaN as one group, so that values that compare equal stay together.</summary>
    private static long Number(double value) => value == 0 ? 0 : double.IsNaN(value) ? BitConverter.DoubleToInt64Bits(double.NaN) : BitConverter.DoubleToInt64Bits(value);
}
