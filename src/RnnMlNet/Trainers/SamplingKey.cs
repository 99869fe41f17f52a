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

    /// <summary>For each raw type whose values can name a group (what ML.NET's scalar text, key, number and Boolean columns
    /// hold), how to read a row's value as the group's number.</summary>
    private static readonly Dictionary<Type, Func<DataViewRow, DataViewSchema.Column, Func<long>>> Readers = new()
    {
        [typeof(ReadOnlyMemory<char>)] = (row, column) => Read<ReadOnlyMemory<char>>(row, column, Text),
        [typeof(bool)] = (row, column) => Read<bool>(row, column, value => value ? 1 : 0),
        [typeof(float)] = (row, column) => Read<float>(row, column, value => Number(value)),
        [typeof(double)] = (row, column) => Read<double>(row, column, Number),
        [typeof(sbyte)] = (row, column) => Read<sbyte>(row, column, value => value),
        [typeof(byte)] = (row, column) => Read<byte>(row, column, value => value),
        [typeof(short)] = (row, column) => Read<short>(row, column, value => value),
        [typeof(ushort)] = (row, column) => Read<ushort>(row, column, value => value),
        [typeof(int)] = (row, column) => Read<int>(row, column, value => value),
        [typeof(uint)] = (row, column) => Read<uint>(row, column, value => value),
        [typeof(long)] = (row, column) => Read<long>(row, column, value => value),
        [typeof(ulong)] = (row, column) => Read<ulong>(row, column, value => unchecked((long)value)),
    };

    /// <summary>Throws, naming the column, unless the shape has it as a scalar of a supported type.</summary>
    public static void Check(SchemaShape schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || !Readers.ContainsKey(column.ItemType.RawType))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {SchemaChecks.Describe(column)}; expected {Expected}.");
    }

    /// <summary>Throws, naming the column, unless the schema has it as a scalar of a supported type.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        return column.Type is not VectorDataViewType && Readers.ContainsKey(column.Type.RawType)
            ? column
            : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {Expected}.");
    }

    /// <summary>A getter of the current row's group as a number, for a column <see cref="Find"/> accepted: equal values give
    /// equal numbers in every process.</summary>
    public static Func<long> Reader(DataViewRow row, DataViewSchema.Column column) => Readers[column.Type.RawType](row, column);

    /// <summary>
    /// Throws unless <paramref name="split"/> holds out some of the data's groups and keeps some: with a few large groups
    /// the hash can take none or all of them, and early stopping would then rank nothing or train on nothing. Reads only
    /// the key column, and stops as soon as both sides have a group.
    /// </summary>
    public static void CheckSplit(IDataView data, DataViewSchema.Column column, ValidationSplit split, int seed, string? member = null)
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
        throw new ArgumentOutOfRangeException(nameof(data), FormattableString.Invariant($"SamplingKeyColumnName '{column.Name}': holding out {split.Fraction:P0} of its ") +
            FormattableString.Invariant($"{groups.Count:N0} group(s) by a hash seeded with {seed}{(member is null ? "" : $" ({member})")} took {(held ? "all" : "none")} of them. ") +
            $"Raise ValidationFraction, change Seed,{(member is null ? "" : " set EnsembleSize = 1,")} or give Fit(train, validation) validation data.");
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
