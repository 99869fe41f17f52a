using Microsoft.ML;
using Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Onnx;

/// <summary>A saved model .zip: loaded after integrity checks, or read for its recurrent network without loading it into ML.NET.</summary>
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
        Core.Data.AtomicFile.WriteAllBytes(onnxPath, ReadRecurrentModel(modelZipPath).Bytes);
    }

    /// <summary>The summary (layers, shapes, parameter counts, history) that the LSTM, GRU and SimpleRNN trainers store with a saved model.</summary>
    public static RecurrentModelSummary ReadSummary(string modelZipPath)
    {
        var model = ReadRecurrentModel(modelZipPath).Model;
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == RecurrentModelSummary.MetadataKey)
            ?? throw new InvalidDataException($"'{modelZipPath}' holds a {KindOf(model)} model; summaries are stored by the LSTM, GRU and SimpleRNN trainers.");
        return RecurrentModelSummary.FromJson(entry.Value);
    }

    /// <summary>
    /// Loads a saved model after checking that it is the file that was written: every zip entry against its CRC-32, every
    /// graph RnnMlNet wrote against the digest stored with it, and no graph reading external data. Load stored or untrusted
    /// models this way: <c>MLContext.Model.Load</c> checks none of this, and a damaged file can load and predict differently.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or altered, or ML.NET cannot load it; the message names the file.</exception>
    public static ITransformer Load(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        byte[] zip = ModelIntegrity.ReadFile(path);
        ModelIntegrity.OnnxGraphs(path, ModelIntegrity.ReadZip(path, zip));
        try
        {
            // The bytes checked are the bytes loaded: the file is not read again.
            return ml.Model.Load(new MemoryStream(zip, writable: false), out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' passed its integrity checks, but ML.NET could not load it: {e.Message}", e);
        }
    }

    /// <summary>The one graph in a model .zip that an RnnMlNet estimator wrote as its model (older trainer models are known by their summary).</summary>
    private static (ModelProto Model, byte[] Bytes) ReadRecurrentModel(string modelZipPath)
    {
        byte[] zip = ModelIntegrity.ReadFile(modelZipPath);
        var graphs = ModelIntegrity.OnnxGraphs(modelZipPath, ModelIntegrity.ReadZip(modelZipPath, zip));
        if (graphs.Count == 0) throw new InvalidDataException($"'{modelZipPath}' holds no ONNX model: it was not trained by RnnMlNet.");
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
}
