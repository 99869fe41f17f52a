using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// The verified load path: a damaged or altered model file is refused with an error naming it, never loaded into
/// different answers; graphs reading external data are refused; ReadSummary, ExportOnnx and OnnxImport check the same way.
/// </summary>
public class ModelIntegrityTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private (string Path, IDataView Data, List<string> Scores) SavedModel()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(20, 5));
        using var model = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, EmbeddingSize = 3, Epochs = 1 }).Fit(data);
        string path = _temp.File("model.zip");
        RecurrentModelFile.Save(ml, model, data.Schema, path);
        return (path, data, ScoresOf(RecurrentModelFile.Load(_temp.Context(), path, out _), data));
    }

    /// <summary>A save that fails (here, a pipeline ML.NET cannot save: a custom mapping without a contract name) leaves the
    /// model saved before it loadable with its scores, and no temporary file; ML.NET's own Model.Save had truncated it.</summary>
    [Fact]
    public void AFailedSaveLeavesThePreviousModelAndNoTemporaryFile()
    {
        var (path, data, expected) = SavedModel();
        var ml = _temp.Context();
        var unsaveable = ml.Transforms.CustomMapping<UnsaveableInput, UnsaveableOutput>((input, output) => output.Copy = input.Label, contractName: null).Fit(data);

        Assert.ThrowsAny<Exception>(() => RecurrentModelFile.Save(ml, unsaveable, data.Schema, path));
        Assert.Equal(expected, ScoresOf(RecurrentModelFile.Load(_temp.Context(), path, out _), data));
        Assert.Empty(Directory.EnumerateFiles(_temp.Path, "*.tmp"));

        var missingFolder = Assert.Throws<DirectoryNotFoundException>(() => RecurrentModelFile.Save(ml, unsaveable, data.Schema, _temp.File("no/such/folder/model.zip")));
        Assert.Contains(_temp.File("no/such/folder"), missingFolder.Message);
    }

    private sealed class UnsaveableInput
    {
        public bool Label { get; set; }
    }

    private sealed class UnsaveableOutput
    {
        public bool Copy { get; set; }
    }

    private static List<string> ScoresOf(ITransformer model, IDataView data)
    {
        try
        {
            return EstimatorWorkout.Values(model.Transform(data), "Score");
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>One byte changed at 1,000 places spread over the file: each load is refused naming the file, or gives the original scores.</summary>
    [Fact]
    public void OneThousandByteFlipsGiveNoSilentWrongAnswer()
    {
        var (path, data, expected) = SavedModel();
        byte[] original = File.ReadAllBytes(path);
        int refused = 0, same = 0;
        for (int i = 0; i < 1000; i++)
        {
            int position = (int)((long)i * original.Length / 1000);
            byte[] damaged = (byte[])original.Clone();
            damaged[position] ^= (byte)(1 + i % 255);
            string file = _temp.File($"flip-{i}.zip");
            File.WriteAllBytes(file, damaged);
            try
            {
                var scores = ScoresOf(RecurrentModelFile.Load(_temp.Context(), file, out _), data);
                Assert.True(expected.SequenceEqual(scores), $"A flip at byte {position} of {original.Length} loaded and scored differently.");
                same++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(file, e.Message);
                refused++;
            }
            File.Delete(file);
        }
        Assert.Equal(1000, refused + same);
        // Measured: 868 refused, 132 loaded unchanged (flips in zip header fields nothing reads).
        Assert.True(refused > 500, $"{refused} refused, {same} loaded unchanged.");
    }

    [Fact]
    public void TruncatedFilesAreRefusedByName()
    {
        var (path, _, _) = SavedModel();
        byte[] original = File.ReadAllBytes(path);
        foreach (int length in new[] { 0, 1, 22, original.Length / 2, original.Length - 1 })
        {
            string file = _temp.File($"cut-{length}.zip");
            File.WriteAllBytes(file, original[..length]);
            Assert.Contains(file, Assert.Throws<InvalidDataException>(() => RecurrentModelFile.Load(_temp.Context(), file, out _)).Message);
            Assert.Contains(file, Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ReadSummary(file)).Message);
            Assert.Contains(file, Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ExportOnnx(file, _temp.File("cut.onnx"))).Message);
        }
    }

    /// <summary>An initializer pointing at a file outside the model (ONNX Runtime would read it from beside ML.NET's temporary
    /// copy) is refused even with a valid CRC and a recomputed digest; a weight changed under the old digest is refused too.</summary>
    [Fact]
    public void ExternalDataAndAlteredGraphsAreRefused()
    {
        var (path, _, _) = SavedModel();
        string external = Rewrite(path, "external.zip", model =>
        {
            var tensor = model.Graph.Initializer.First(t => t.RawData.Length > 0 || t.FloatData.Count > 0);
            tensor.RawData = ByteString.Empty;
            tensor.FloatData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "secret.bin" });
            Reseal(model);
        });
        File.WriteAllBytes(_temp.File("secret.bin"), new byte[4096]);
        var error = Assert.Throws<InvalidDataException>(() => RecurrentModelFile.Load(_temp.Context(), external, out _));
        Assert.Contains("external data", error.Message);
        Assert.Contains(external, error.Message);
        Assert.Contains("external data", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ReadSummary(external)).Message);
        Assert.Contains("external data", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ExportOnnx(external, _temp.File("from-external.onnx"))).Message);

        string altered = Rewrite(path, "altered.zip", model =>
        {
            var tensor = model.Graph.Initializer.First(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.RawData.Length >= 4);
            byte[] raw = tensor.RawData.ToByteArray();
            raw[0] ^= 0x40;
            tensor.RawData = ByteString.CopyFrom(raw);
        });
        Assert.Contains("does not match the digest", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.Load(_temp.Context(), altered, out _)).Message);
        Assert.Contains("does not match the digest", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ReadSummary(altered)).Message);
        Assert.Contains("does not match the digest", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ExportOnnx(altered, _temp.File("from-altered.onnx"))).Message);
        Assert.False(File.Exists(_temp.File("from-altered.onnx")));

        // A standalone graph: OnnxImport checks the same way.
        string onnx = _temp.File("external.onnx");
        RecurrentModelFile.ExportOnnx(path, onnx);
        var exported = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        exported.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;
        Reseal(exported);
        File.WriteAllBytes(onnx, exported.ToByteArray());
        Assert.Contains("external data", Assert.Throws<InvalidDataException>(() => OnnxImport.Read(onnx)).Message);
    }

    /// <summary>Models saved before digests existed load with MLContext.Model.Load; the verified path names why it refuses them.</summary>
    [Fact]
    public void AModelWithoutADigestIsRefusedWithTheReason()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "saved-models", "binary-lstm-keys.zip");
        var error = Assert.Throws<InvalidDataException>(() => RecurrentModelFile.Load(_temp.Context(), fixture, out _));
        Assert.Contains("has no digest", error.Message);
    }

    private static void Reseal(ModelProto model)
    {
        var old = model.MetadataProps.Where(p => p.Key == ModelIntegrity.DigestKey).ToList();
        foreach (var entry in old) model.MetadataProps.Remove(entry);
        ModelIntegrity.Seal(model);
    }

    /// <summary>A copy of the saved model whose recurrent graph <paramref name="change"/> altered, written as a valid zip
    /// (every CRC right), as someone crafting a file would.</summary>
    private string Rewrite(string path, string name, Action<ModelProto> change)
    {
        string target = _temp.File(name);
        using var source = ZipFile.OpenRead(path);
        using var output = ZipFile.Open(target, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            using var read = entry.Open();
            using var buffer = new MemoryStream();
            read.CopyTo(buffer);
            byte[] bytes = buffer.ToArray();
            if (entry.FullName.EndsWith("OnnxModel", StringComparison.Ordinal))
            {
                var model = ModelProto.Parser.ParseFrom(bytes[4..]);
                if (model.MetadataProps.Any(p => p.Key == RecurrentModelFile.ModelKindKey))
                {
                    change(model);
                    byte[] graph = model.ToByteArray();
                    bytes = [.. BitConverter.GetBytes(graph.Length), .. graph];
                }
            }
            using var write = output.CreateEntry(entry.FullName).Open();
            write.Write(bytes);
        }
        return target;
    }
}
