using Microsoft.ML;

namespace RnnMlNet.Graphs;

/// <summary>
/// ML.NET's OnnxTransformer for a graph generated in memory, made so that disposing it leaves no file behind.
/// <para><c>ApplyOnnxModel(Stream)</c> copies the graph to a temporary file that the fitted transformer never deletes,
/// not even on Dispose, while a transformer that <c>Model.Load</c> made deletes its copy on Dispose. So the graph is
/// applied in a private folder (<see cref="PrivateTempFolder"/>), the transformer is saved to memory and loaded back,
/// and the folder is removed: the transformer returned is a loaded one, holding one temporary copy under the given
/// context's TempFilePath until it is disposed.</para>
/// </summary>
internal static class OwnedOnnxTransformer
{
    public static ITransformer Fit(MLContext context, string[] outputColumns, string[] inputColumns, byte[] graph, IDataView data)
    {
        using var folder = new PrivateTempFolder();
        var builder = new MLContext { TempFilePath = folder.Path };
        using var model = new MemoryStream();
        using (var applied = Onnx.TemporaryNameRetry.Run(() => builder.Transforms.ApplyOnnxModel(outputColumns, inputColumns, new MemoryStream(graph)).Fit(data)))
            // No input schema: the copy is only loaded back, and a wide model's n-gram column carries every n-gram's
            // name as slot names (saving spam's wide-and-deep copy took 2.8 s with them, 0.4 s without).
            builder.Model.Save(applied, inputSchema: null, model);
        return Onnx.TemporaryNameRetry.Load(context, model.ToArray(), out _);
    }
}
