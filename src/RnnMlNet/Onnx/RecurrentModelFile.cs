using System.IO.Compression;
using Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Onnx;

/// <summary>Reads what a saved model .zip holds about its recurrent network, without loading it into ML.NET.</summary>
public static class RecurrentModelFile
{
    /// <summary>The ONNX metadata key naming what wrote a graph: the trainers' task, "SequenceGenerator" or "SequenceToSequence".</summary>
    internal const string ModelKindKey = "RnnMlNet.Model";

    /// <summary>
    /// Writes the recurrent model of a saved model as a standalone .onnx file that runs in ONNX Runtime anywhere: the graph
    /// an LSTM/GRU/SimpleRNN trainer, a sequence generator or a sequence-to-sequence estimator wrote, found by its metadata
    /// whatever precedes it in the pipeline (OneHotSequence, for one, adds a graph of its own).
    /// The file is written to a temporary name and renamed, so a failure leaves no partial file.
    /// </summary>
    public static void ExportOnnx(string modelZipPath, string onnxPath)
    {
        byte[] model = ReadRecurrentModel(modelZipPath).Bytes;
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

    /// <summary>The summary (layers, shapes, parameter counts, history) that the LSTM, GRU and SimpleRNN trainers store with a saved model.</summary>
    public static RecurrentModelSummary ReadSummary(string modelZipPath)
    {
        var model = ReadRecurrentModel(modelZipPath).Model;
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == RecurrentModelSummary.MetadataKey)
            ?? throw new InvalidDataException($"'{modelZipPath}' holds a {KindOf(model)} model; summaries are stored by the LSTM, GRU and SimpleRNN trainers.");
        return RecurrentModelSummary.FromJson(entry.Value);
    }

    /// <summary>The one graph in a model .zip that an RnnMlNet estimator wrote as its model (older trainer models are known by their summary).</summary>
    private static (ModelProto Model, byte[] Bytes) ReadRecurrentModel(string modelZipPath)
    {
        var graphs = ReadOnnxEntries(modelZipPath).Select(bytes => (Model: Parse(modelZipPath, bytes), Bytes: bytes)).ToList();
        var recurrent = graphs.Where(g => g.Model.MetadataProps.Any(p => p.Key is ModelKindKey or RecurrentModelSummary.MetadataKey)).ToList();
        return recurrent.Count switch
        {
            1 => recurrent[0],
            0 => throw new InvalidDataException($"'{modelZipPath}' holds {graphs.Count} ONNX graph(s) ({string.Join(", ", graphs.Select(g => g.Model.Graph.Name))}), " +
                "none of them a recurrent model written by RnnMlNet."),
            _ => throw new InvalidDataException($"'{modelZipPath}' holds {recurrent.Count} recurrent models ({string.Join(", ", recurrent.Select(g => KindOf(g.Model)))}); " +
                "save the pipeline that holds the one to export on its own."),
        };
    }

    private static string KindOf(ModelProto model) => model.MetadataProps.FirstOrDefault(p => p.Key == ModelKindKey)?.Value ?? model.Graph.Name;

    private static ModelProto Parse(string modelZipPath, byte[] bytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{modelZipPath}': an ONNX model entry is damaged: {e.Message}", e);
        }
    }

    /// <summary>The ONNX bytes of every OnnxTransformer in a model .zip, in the order they are stored.</summary>
    private static List<byte[]> ReadOnnxEntries(string modelZipPath)
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
            var entries = archive.Entries.Where(e => e.FullName.EndsWith("OnnxModel", StringComparison.Ordinal)).ToList();
            if (entries.Count == 0) throw new InvalidDataException($"'{modelZipPath}' holds no ONNX model: it was not trained by RnnMlNet.");
            return entries.Select(entry =>
            {
                using var stream = entry.Open();
                using var reader = new BinaryReader(stream);
                int length = reader.ReadInt32();
                byte[] bytes = reader.ReadBytes(length);
                if (length <= 0 || bytes.Length != length)
                    throw new InvalidDataException($"'{modelZipPath}': the ONNX model entry {entry.FullName} is truncated ({bytes.Length} of {length} bytes).");
                return bytes;
            }).ToList();
        }
    }
}
