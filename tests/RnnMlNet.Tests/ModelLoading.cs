using Microsoft.ML;
using RnnMlNet.Onnx;

namespace RnnMlNet.Tests;

/// <summary>ML.NET's own <c>Model.Load</c>, for the tests that check that a plain ML.NET load works.</summary>
internal static class ModelLoading
{
    /// <summary><c>ml.Model.Load</c> of the file's bytes, drawn again when ML.NET's temporary copy of a graph happens to
    /// get the ".ort" extension that ONNX Runtime reads as its own format (1 name in 46,656, dotnet/machinelearning#7339):
    /// these tests load a few hundred graphs a run, and one such name failed a CI run.</summary>
    public static ITransformer LoadModel(this MLContext ml, string path, out DataViewSchema inputSchema) =>
        TemporaryNameRetry.Load(ml, File.ReadAllBytes(path), out inputSchema);
}
