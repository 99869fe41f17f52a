using System.IO.Compression;
using Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Onnx;

/// <summary>Reads what a saved model .zip holds about its recurrent network, without loading it into ML.NET.</summary>
public static class RecurrentModelFile
{
    /// <summary>
    /// Writes the recurrent network of a saved model as a standalone .onnx file that runs in ONNX Runtime anywhere.
    /// The file is written to a temporary name and renamed, so a failure leaves no partial file.
    /// </summary>
    public static void ExportOnnx(string modelZipPath, string onnxPath)
    {
        byte[] model = ReadOnnxBytes(modelZipPath);
        string temporary = onnxPath + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllBytes(temporary, model);
            File.Move(temporary, onnxPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The summary (layers, shapes, parameter counts, history) stored with a saved model.</summary>
    public static RecurrentModelSummary ReadSummary(string modelZipPath)
    {
        var model = ModelProto.Parser.ParseFrom(ReadOnnxBytes(modelZipPath));
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == RecurrentModelSummary.MetadataKey)
            ?? throw new InvalidDataException($"'{modelZipPath}' holds an ONNX model that RnnMlNet did not write: it has no summary.");
        return RecurrentModelSummary.FromJson(entry.Value);
    }

    /// <summary>The ONNX bytes of the (first) OnnxTransformer in a model .zip.</summary>
    internal static byte[] ReadOnnxBytes(string modelZipPath)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(modelZipPath);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{modelZipPath}' is not a model .zip: {e.Message}", e);
        }
        using (archive)
        {
            // ML.NET stores an OnnxTransformer's graph as an entry named ".../OnnxModel": a 4-byte length, then the bytes.
            var entry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("OnnxModel", StringComparison.Ordinal))
                ?? throw new InvalidDataException($"'{modelZipPath}' holds no ONNX model: it was not trained by RnnMlNet.");
            using var stream = entry.Open();
            using var reader = new BinaryReader(stream);
            int length = reader.ReadInt32();
            byte[] bytes = reader.ReadBytes(length);
            if (length <= 0 || bytes.Length != length)
                throw new InvalidDataException($"'{modelZipPath}': the ONNX model entry is truncated ({bytes.Length} of {length} bytes).");
            return bytes;
        }
    }
}
