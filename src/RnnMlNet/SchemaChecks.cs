using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet;

/// <summary>Column lookups with errors that name the column and what was expected.</summary>
internal static class SchemaChecks
{
    public static SchemaShape.Column Find(SchemaShape schema, string name, string expected)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' not found; expected {expected}.");
    }

    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string expected) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' not found; expected {expected}.");

    /// <summary>Checks that a column of the shape is scalar text; <paramref name="expected"/> describes it ("a text column of inputs").</summary>
    public static void CheckText(SchemaShape schema, string name, string expected)
    {
        var column = Find(schema, name, expected);
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {Describe(column)}; expected {expected}.");
    }

    /// <summary>The scalar text column of the schema, or an error naming it and <paramref name="expected"/>.</summary>
    public static DataViewSchema.Column FindText(DataViewSchema schema, string name, string expected)
    {
        var column = Find(schema, name, expected);
        return column.Type is TextDataViewType ? column : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {expected}.");
    }

    /// <summary>The input shape plus one text column of the given name.</summary>
    public static SchemaShape AddTextColumn(SchemaShape input, string name) =>
        AddColumns<TextColumn>(input, definition => definition[nameof(TextColumn.Value)].ColumnName = name);

    public static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => $"a scalar {column.ItemType}{(column.IsKey ? " key" : "")}",
        SchemaShape.Column.VectorKind.Vector => $"a fixed-size vector of {column.ItemType}{(column.IsKey ? " keys" : "")}",
        _ => $"a variable-size vector of {column.ItemType}{(column.IsKey ? " keys" : "")}",
    };

    /// <summary>Names for a key column's keys: its text key values, or the keys themselves as text.</summary>
    public static string[] KeyNames(DataViewSchema.Column column, int count)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.GetKeyValues(ref values);
            return values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return Enumerable.Range(1, count).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// Adds columns of the given types to a schema shape. ML.NET offers no public constructor for shape columns,
    /// so this asks a never-fitted CustomMapping estimator, whose output definition carries the runtime types.
    /// </summary>
    public static SchemaShape AddColumns<TColumns>(SchemaShape input, Action<SchemaDefinition> setTypes) where TColumns : class, new()
    {
        var definition = SchemaDefinition.Create(typeof(TColumns));
        setTypes(definition);
        return new MLContext().Transforms.CustomMapping<NoColumns, TColumns>((_, _) => { }, null, outputSchemaDefinition: definition).GetOutputSchema(input);
    }

    public sealed class NoColumns
    {
    }

    public sealed class TextColumn
    {
        public string Value { get; set; } = "";
    }
}
