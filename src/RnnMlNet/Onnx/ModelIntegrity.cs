using System.IO.Compression;
using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace RnnMlNet.Onnx;

/// <summary>
/// Checks that a saved model is the one that was written, before anything reads it: every zip entry against its own
/// CRC-32 (which ML.NET never checks, so a damaged file can load and predict differently), every graph RnnMlNet wrote
/// against the SHA-256 digest it stored when it wrote it, and no graph with external data (which ONNX Runtime would read
/// from files beside the temporary copy ML.NET makes). Every failure is an <see cref="InvalidDataException"/> naming the
/// file and what is wrong.
/// </summary>
internal static class ModelIntegrity
{
    /// <summary>The metadata key of a graph's digest: SHA-256 of its serialised GraphProto, in hexadecimal.</summary>
    public const string DigestKey = "RnnMlNet.GraphSha256";

    /// <summary>The producer name RnnMlNet writes: graphs with it must carry a digest.</summary>
    public const string Producer = "RnnMlNet";

    /// <summary>A model file's bytes; a file that exists but cannot be read is an <see cref="InvalidDataException"/> naming it
    /// (a missing one stays a <see cref="FileNotFoundException"/>).</summary>
    public static byte[] ReadFile(string path)
    {
        // Reading a folder fails as "access denied", which sends the user after permissions.
        if (Directory.Exists(path)) throw new InvalidDataException($"'{path}' is a folder; expected a file.");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && e is not FileNotFoundException and not DirectoryNotFoundException))
        {
            throw new InvalidDataException($"'{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Stores the digest of the model's graph in its metadata.</summary>
    public static void Seal(ModelProto model) => model.MetadataProps.Add(new StringStringEntryProto { Key = DigestKey, Value = Digest(model.Graph) });

    /// <summary>Each entry of a model .zip, its CRC checked: the name and bytes of every entry.</summary>
    public static List<(string Name, byte[] Bytes)> ReadZip(string path, byte[] zip)
    {
        if (IsOnnxGraph(zip))
            throw new InvalidDataException($"'{path}' is an ONNX graph, not a model .zip" + (IsExport(ModelProto.Parser.ParseFrom(zip))
                ? " (RecurrentModelFile.ExportOnnx writes such graphs for other runtimes): read the .zip it was exported from."
                : ": load it with MLContext.Transforms.ApplyOnnxModel, or read its recurrent weights with OnnxImport.Read."));
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            var entries = new List<(string, byte[])>();
            foreach (var entry in archive.Entries)
            {
                using var content = new MemoryStream();
                using (var stream = entry.Open()) stream.CopyTo(content);
                byte[] bytes = content.ToArray();
                if (bytes.Length != entry.Length)
                    throw new InvalidDataException($"'{path}': entry {entry.FullName} holds {bytes.Length} bytes; its header says {entry.Length}.");
                uint crc = System.IO.Hashing.Crc32.HashToUInt32(bytes);
                if (crc != entry.Crc32)
                    throw new InvalidDataException($"'{path}': entry {entry.FullName} is damaged (CRC-32 {crc:x8}, expected {entry.Crc32:x8}).");
                entries.Add((entry.FullName, bytes));
            }
            return entries;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException && !IsOurs(e, path))
        {
            throw new InvalidDataException($"'{path}' is not a readable model .zip: {e.Message}", e);
        }
    }

    /// <summary>
    /// The graphs stored by ML.NET's OnnxTransformers in a checked zip (entry ".../OnnxModel": a 4-byte length, then the
    /// bytes), each parsed and checked.
    /// </summary>
    public static List<(ModelProto Model, byte[] Bytes)> OnnxGraphs(string path, IEnumerable<(string Name, byte[] Bytes)> entries) =>
        entries.Where(e => e.Name.EndsWith("OnnxModel", StringComparison.Ordinal)).Select(e =>
        {
            int length = e.Bytes.Length >= 4 ? BitConverter.ToInt32(e.Bytes, 0) : -1;
            if (length <= 0 || length != e.Bytes.Length - 4)
                throw new InvalidDataException($"'{path}': the ONNX model entry {e.Name} is truncated ({Math.Max(0, e.Bytes.Length - 4)} bytes; its length says {length}).");
            byte[] graph = e.Bytes[4..];
            return (CheckGraph(path, graph), graph);
        }).ToList();

    /// <summary>Parses an ONNX graph and checks its digest (required for RnnMlNet's own) and that it holds no external data.</summary>
    public static ModelProto CheckGraph(string path, byte[] bytes)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{path}': an ONNX graph is damaged: {e.Message}", e);
        }
        if (model.Graph is null) throw new InvalidDataException($"'{path}': an ONNX model holds no graph.");
        if (ExternalTensor(model.Graph) is { } external)
            throw new InvalidDataException($"'{path}': graph '{model.Graph.Name}' reads tensor '{external}' from external data (a file outside the model); RnnMlNet refuses such graphs.");
        string? stored = model.MetadataProps.FirstOrDefault(p => p.Key == DigestKey)?.Value;
        if (stored is null && model.ProducerName == Producer)
            throw new InvalidDataException($"'{path}': graph '{model.Graph.Name}' has no digest: it was saved by an RnnMlNet older than this check, or altered. " +
                "Load it with MLContext.Model.Load only if you trust the file.");
        if (stored is not null && stored != Digest(model.Graph))
            throw new InvalidDataException($"'{path}': graph '{model.Graph.Name}' does not match the digest stored when it was written: it was altered.");
        return model;
    }

    private static string Digest(GraphProto graph) => Convert.ToHexString(SHA256.HashData(graph.ToByteArray()));

    /// <summary>The name of the first tensor, in the graph or any subgraph, whose data lives outside the model; null for none.</summary>
    private static string? ExternalTensor(GraphProto graph)
    {
        static bool External(TensorProto t) => t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0;
        static IEnumerable<TensorProto> Parts(SparseTensorProto sparse) => new[] { sparse.Values, sparse.Indices }.OfType<TensorProto>();
        foreach (var tensor in graph.Initializer.Concat(graph.SparseInitializer.SelectMany(Parts)))
            if (External(tensor)) return tensor.Name;
        foreach (var attribute in graph.Node.SelectMany(n => n.Attribute))
        {
            var tensors = attribute.Tensors.Append(attribute.T).Concat(attribute.SparseTensors.Append(attribute.SparseTensor).OfType<SparseTensorProto>().SelectMany(Parts));
            if (tensors.OfType<TensorProto>().FirstOrDefault(External) is { } external) return external.Name;
            foreach (var sub in attribute.Graphs.Append(attribute.G).OfType<GraphProto>())
                if (ExternalTensor(sub) is { } inner) return inner;
        }
        return null;
    }

    /// <summary>Whether <paramref name="bytes"/> parse as an ONNX model with a graph of at least one node (and are not a
    /// zip's, whose local header can parse as a few protobuf fields).</summary>
    public static bool IsOnnxGraph(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith("PK\u0003\u0004"u8)) return false;
        try
        {
            return ModelProto.Parser.ParseFrom(bytes).Graph is { Node.Count: > 0 };
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="model"/> is a model graph RnnMlNet wrote (as RecurrentModelFile.ExportOnnx writes
    /// them): it carries the model's kind or summary.</summary>
    public static bool IsExport(ModelProto model) => model.ProducerName == Producer
        && model.MetadataProps.Any(p => p.Key is RecurrentModelFile.ModelKindKey or Trainers.RecurrentModelSummary.MetadataKey);

    private static bool IsOurs(Exception e, string path) => e is InvalidDataException && e.Message.StartsWith($"'{path}'", StringComparison.Ordinal);
}
