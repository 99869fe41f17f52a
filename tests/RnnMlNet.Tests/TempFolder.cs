using Microsoft.ML;

namespace RnnMlNet.Tests;

/// <summary>A private folder for a test's files and for ML.NET's temporary copies of ONNX models; removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnnmlnet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        ModelTemp = System.IO.Path.Combine(Path, "mlnet-temp");
        Directory.CreateDirectory(ModelTemp);
    }

    public string Path { get; }

    /// <summary>Where contexts made by <see cref="Context"/> put their temporary files.</summary>
    public string ModelTemp { get; }

    public MLContext Context(int seed = 1) => new(seed) { TempFilePath = ModelTemp };

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
