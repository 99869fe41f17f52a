using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Tests;

/// <summary>
/// ML.NET's TestEstimatorCore, for estimators outside ML.NET: the predicted output schema matches the real one,
/// Fit works, the model saves to a .zip and loads in a fresh MLContext with identical outputs, and bad input is rejected.
/// </summary>
internal static class EstimatorWorkout
{
    /// <summary>A schema shape with the columns of a row class (ML.NET has no public way to make one from a schema).</summary>
    public static SchemaShape ShapeOf<TRow>(Action<SchemaDefinition>? setTypes = null) where TRow : class, new() =>
        SchemaChecks.AddColumns<TRow>(new SchemaShape([]), setTypes ?? (_ => { }));

    public static void Run<TTransformer>(TempFolder temp, IEstimator<TTransformer> estimator, IDataView data, SchemaShape inputShape, string[] outputColumns)
        where TTransformer : class, ITransformer
    {
        // Schema propagation: every column the shape promises exists with the same kind, item type and key-ness.
        var predicted = estimator.GetOutputSchema(inputShape);
        var model = estimator.Fit(data);
        try
        {
            var transformed = model.Transform(data);
            foreach (var column in predicted)
            {
                var actual = transformed.Schema.GetColumnOrNull(column.Name);
                Assert.True(actual is not null, $"Predicted column '{column.Name}' is missing from the output.");
                var (kind, item, isKey) = Describe(actual!.Value.Type);
                Assert.Equal(column.Kind, kind);
                Assert.Equal(column.IsKey, isKey);
                if (!column.IsKey) Assert.Equal(column.ItemType, item);
            }
            foreach (var name in outputColumns) Assert.Contains(predicted, c => c.Name == name);

            // Save, load in a fresh context, same outputs.
            string path = temp.File($"workout-{Guid.NewGuid():N}.zip");
            var context = temp.Context();
            context.Model.Save(model, data.Schema, path);
            var loaded = temp.Context().LoadModel(path, out var loadedSchema);
            try
            {
                Assert.Equal(data.Schema.Select(c => c.Name), loadedSchema.Select(c => c.Name));
                var reloaded = loaded.Transform(data);
                foreach (var name in outputColumns)
                    Assert.Equal(Values(transformed, name), Values(reloaded, name));
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>The Score column's rows: the class scores of a multiclass model, one value otherwise.</summary>
    public static float[][] ScoreRows(IDataView scored) => scored.Schema["Score"].Type is VectorDataViewType
        ? scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray()
        : scored.GetColumn<float>("Score").Select(f => new[] { f }).ToArray();

    /// <summary>Every value of a column, as text, so columns of any type compare exactly.</summary>
    public static List<string> Values(IDataView data, string column) => data.Schema[column].Type switch
    {
        VectorDataViewType { ItemType: KeyDataViewType } => data.GetColumn<VBuffer<uint>>(column).Select(v => string.Join(",", v.DenseValues())).ToList(),
        VectorDataViewType => data.GetColumn<VBuffer<float>>(column).Select(v => string.Join(",", v.DenseValues().Select(x => x.ToString("R")))).ToList(),
        KeyDataViewType => data.GetColumn<uint>(column).Select(x => x.ToString()).ToList(),
        BooleanDataViewType => data.GetColumn<bool>(column).Select(x => x.ToString()).ToList(),
        TextDataViewType => data.GetColumn<string>(column).ToList(),
        _ => data.GetColumn<float>(column).Select(x => x.ToString("R")).ToList(),
    };

    private static (SchemaShape.Column.VectorKind, DataViewType, bool) Describe(DataViewType type) => type switch
    {
        VectorDataViewType v => (v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, v.ItemType, v.ItemType is KeyDataViewType),
        _ => (SchemaShape.Column.VectorKind.Scalar, type, type is KeyDataViewType),
    };
}
