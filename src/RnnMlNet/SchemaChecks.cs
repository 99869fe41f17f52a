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

    public static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => $"a scalar {column.ItemType}{(column.IsKey ? " key" : "")}",
        SchemaShape.Column.VectorKind.Vector => $"a fixed-size vector of {column.ItemType}{(column.IsKey ? " keys" : "")}",
        _ => $"a variable-size vector of {column.ItemType}{(column.IsKey ? " keys" : "")}",
    };

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
}
