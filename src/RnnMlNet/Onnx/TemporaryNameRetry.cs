using Microsoft.ML;

namespace RnnMlNet.Onnx;

/// <summary>
/// Loads a model whose ONNX graphs ML.NET copies to temporary files, trying again when ONNX Runtime takes a copy for an
/// ORT-format model. ML.NET names each copy with <c>Path.GetRandomFileName()</c>, whose random three-letter extension is
/// "ort" about once in 46,656 names, and ONNX Runtime reads a file with that extension as its own flat-buffer format:
/// "ORT model verification failed" (dotnet/machinelearning#7339). The next try draws another name.
/// </summary>
internal static class TemporaryNameRetry
{
    private const int Attempts = 3;

    /// <summary>Loads a model from <paramref name="bytes"/>, as <c>ml.Model.Load</c> does.</summary>
    public static ITransformer Load(MLContext ml, byte[] bytes, out DataViewSchema inputSchema)
    {
        DataViewSchema? schema = null;
        var model = Run(() => ml.Model.Load(new MemoryStream(bytes, writable: false), out schema));
        inputSchema = schema!;
        return model;
    }

    /// <summary>Runs <paramref name="load"/>, which copies ONNX graphs to temporary files, again when a copy drew the ".ort" name.</summary>
    public static T Run<T>(Func<T> load)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return load();
            }
            catch (InvalidOperationException e) when (attempt < Attempts && e.ToString().Contains("ORT model verification failed", StringComparison.Ordinal))
            {
            }
        }
    }
}
