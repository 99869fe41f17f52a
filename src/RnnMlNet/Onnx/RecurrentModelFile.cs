using Microsoft.ML;
using Onnx;
using RnnMlNet.Core.Networks;
using RnnMlNet.Trainers;

namespace RnnMlNet.Onnx;

/// <summary>A model .zip: saved whole or not at all, loaded after integrity checks, or read for its recurrent network without loading it into ML.NET.</summary>
public static class RecurrentModelFile
{
    /// <summary>The ONNX metadata key naming what wrote a graph: the trainers' task, "SequenceGenerator" or "SequenceToSequence".</summary>
    internal const string ModelKindKey = "RnnMlNet.Model";

    /// <summary>
    /// Writes the recurrent model of a saved model as a standalone .onnx file that runs in ONNX Runtime anywhere, found by
    /// its metadata whatever precedes it in the pipeline (OneHotSequence, for one, adds a graph of its own).
    /// <para>A classifier, regressor or tagger on token keys, one-hot tokens or float steps is written for batches: inputs
    /// <c>TokenIds</c> int64 [N, T] (or <c>Steps</c> float [N, T, F]) and <c>SequenceLengths</c> int32 [N], so a padded
    /// batch scores each row as it scores alone; outputs the logits and the probabilities (binary <c>Logit</c>,
    /// <c>Probability</c>; multiclass <c>Logits</c>, <c>Probabilities</c>, <c>PredictedClass</c>; regression
    /// <c>Prediction</c>; tagging per-step <c>Logits</c>, <c>Probabilities</c>). Its metadata holds the vocabulary
    /// (<c>RnnMlNet.Vocabulary</c>, a JSON array: entry k−1 is token id k, 0 is unknown) and the class names
    /// (<c>RnnMlNet.ClassNames</c>), so another runtime can tokenize and name the classes.</para>
    /// <para>A sequence-to-sequence model or a sequence generator is written for batches too: inputs <c>TokenIds</c> (the
    /// source, or the prompt) and <c>SequenceLengths</c>, and for a generator its condition (<c>CategoryIds</c> or
    /// <c>Condition</c>); outputs <c>Tokens</c> string [N, L] and <c>OutputLengths</c>, with attention
    /// <c>AttentionWeights</c> [N, L, T], for a category generator <c>Check</c>. The vocabularies and the tokenization
    /// travel in the metadata.</para>
    /// <para>A model on one-hot input (keys without an embedding, or a OneHotSequence column) takes <c>TokenIds</c> as well,
    /// and its vocabulary is that of the key column read; on a OneHotSequence column, a row's whole keys, which the graph
    /// cuts as OneHotSequence did (its first or last maximumLength keys, by its truncation side).
    /// Models saved before this contract are written as the graph ML.NET runs (one row at a time, the inputs and outputs its
    /// metadata names).</para>
    /// The file is written to a temporary name and renamed, so a failure leaves no partial file.
    /// </summary>
    public static void ExportOnnx(string modelZipPath, string onnxPath)
    {
        var (model, bytes, graphs) = ReadRecurrentModel(modelZipPath);
        byte[]? export = KindOf(model) switch
        {
            "SequenceToSequence" => Generation.SequenceToSequenceExport.Build(model),
            "SequenceGenerator" => Generation.SequenceGeneratorExport.Build(model),
            _ => Graphs.ExportGraph.Build(model, () => Vocabulary(modelZipPath, KeyColumn(model, graphs.ToList())),
                Sequences.OneHotSequenceEstimator.CutOf(graphs, model.Graph.Input[0].Name)),
        };
        Core.Data.AtomicFile.WriteAllBytes(onnxPath, export ?? bytes);
    }

    /// <summary>The key column whose ids the export takes, and a column that the step reading it writes: the model's input and
    /// first output, or for a one-hot column made by OneHotSequence the key column it was made from and its padded column.</summary>
    private static (string Key, string ReadBy) KeyColumn(ModelProto model, List<ModelProto> graphs)
    {
        string input = model.Graph.Input[0].Name;
        return Sequences.OneHotSequenceEstimator.KeyColumnOf(graphs, input) is { } key
            ? (key, Sequences.OneHotSequenceEstimator.PaddedColumnOf(input))
            : (input, model.Graph.Output[0].Name);
    }

    /// <summary>The tokens of the key column as the step that reads it sees them (the schema before the first step that writes
    /// <paramref name="column"/>.ReadBy), since a later column of the name, such as the trainer's <c>Probability</c>, hides it
    /// from the output schema. Null when that column has no text key values (keys made from numbers, or without a
    /// vocabulary), or the pipeline cannot be read here.</summary>
    private static IReadOnlyList<string>? Vocabulary(string modelZipPath, (string Key, string ReadBy) column)
    {
        ITransformer? loaded = null;
        try
        {
            loaded = Load(new MLContext(), modelZipPath, out var schema);
            foreach (var step in Steps(loaded))
            {
                var output = step.GetOutputSchema(schema);
                if (output.GetColumnOrNull(column.ReadBy) is not null)
                    return schema.GetColumnOrNull(column.Key) is { } key ? RnnMlNet.Vocabulary.VocabularyExtensions.TokensOf(key) : null;
                schema = output;
            }
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The graph exports without it; its other metadata still names the key input.
            return null;
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    /// <summary>A pipeline's transformers in order, nested chains opened.</summary>
    private static IEnumerable<ITransformer> Steps(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Steps) : [model];

    /// <summary>The summary (layers, shapes, parameter counts, history) that the LSTM, GRU and SimpleRNN trainers store with a
    /// saved model: read from the model .zip, or from a graph <see cref="ExportOnnx"/> wrote from it, which carries it.</summary>
    public static RecurrentModelSummary ReadSummary(string modelZipPath)
    {
        byte[] bytes = ModelIntegrity.ReadFile(modelZipPath);
        var model = ModelIntegrity.IsOnnxGraph(bytes) && ModelIntegrity.CheckGraph(modelZipPath, bytes) is var graph && ModelIntegrity.IsExport(graph)
            ? graph
            : ReadRecurrentModel(modelZipPath, bytes).Model;
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == RecurrentModelSummary.MetadataKey)
            ?? throw new InvalidDataException($"'{modelZipPath}' holds a {KindOf(model)} model; summaries are stored by the LSTM, GRU and SimpleRNN trainers.");
        return RecurrentModelSummary.FromJson(entry.Value);
    }

    /// <summary>
    /// The weights of the network an LSTM, GRU or SimpleRNN trainer (or the tagger) saved, in ONNX layout, for
    /// <see cref="RecurrentTrainerOptions.InitialWeights"/>: to fine-tune a saved model on new data, with the options that
    /// trained it (its summary's architecture: cell, sizes, directions, pooling), or to package it again with Epochs 0. A
    /// regressor's weights answer in the label's units and a model on float steps reads them as given, as the saved model
    /// does; training rescales both to its own standardisation. Checked as <see cref="Load"/> checks the file.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or altered, holds another kind of model or one saved
    /// before models carried their network's description, or an ensemble (whose networks would all start from one set of
    /// weights; train with EnsembleSize 1 a model to fine-tune later).</exception>
    public static IReadOnlyList<NamedTensor<float>> ReadWeights(string modelZipPath)
    {
        var model = ReadRecurrentModel(modelZipPath).Model;
        var (_, networks) = Graphs.ExportGraph.Restore(model)
            ?? throw new InvalidDataException($"'{modelZipPath}' holds a {KindOf(model)} model without a network description: weights are read from the LSTM, GRU, " +
                "SimpleRNN and tagger models this version saves.");
        return networks.Count == 1
            ? networks[0].Export()
            : throw new InvalidDataException($"'{modelZipPath}' holds an ensemble of {networks.Count} networks, and InitialWeights start one network: " +
                "train the model to fine-tune later with EnsembleSize = 1.");
    }

    /// <summary>
    /// Saves a model as <c>MLContext.Model.Save</c> does, but whole or not at all: to a temporary file beside
    /// <paramref name="path"/>, renamed over it once written. <c>Model.Save</c> writes straight to the path, so a process
    /// stopped while saving (Ctrl-C, a crash, a full disk) leaves a truncated .zip where the last good model was; here the
    /// previous file stays until the new one is complete, and a failed save deletes its temporary file. (A process killed
    /// during the write cannot delete it: it is a hidden ".*.tmp" file beside the model.)
    /// </summary>
    /// <param name="ml">The context whose <c>Model.Save</c> writes the model.</param>
    /// <param name="model">The fitted model.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on, saved for <see cref="Load"/> to return; null saves none.</param>
    /// <param name="path">The .zip to write; its folder must exist.</param>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema? inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Core.Data.AtomicFile.Write(path, stream => ml.Model.Save(model, inputSchema, stream));
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
        byte[] zip = ReadVerified(path);
        try
        {
            // The bytes checked are the bytes loaded: the file is not read again.
            return TemporaryNameRetry.Load(ml, zip, out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' passed its integrity checks, but ML.NET could not load it: {e.Message}", e);
        }
    }

    /// <summary>A saved model's bytes once its entries' CRCs, its graphs' digests and their data pass the checks
    /// <see cref="Load"/> describes; the bytes checked are the bytes to load, so the file is not read again.</summary>
    internal static byte[] ReadVerified(string path)
    {
        byte[] zip = ModelIntegrity.ReadFile(path);
        ModelIntegrity.OnnxGraphs(path, ModelIntegrity.ReadZip(path, zip));
        return zip;
    }

    /// <summary>The one graph in a model .zip that an RnnMlNet estimator wrote as its model (older trainer models are known by
    /// their summary), and every graph the .zip holds.</summary>
    private static (ModelProto Model, byte[] Bytes, IReadOnlyList<ModelProto> Graphs) ReadRecurrentModel(string modelZipPath) =>
        ReadRecurrentModel(modelZipPath, ModelIntegrity.ReadFile(modelZipPath));

    /// <summary>The same, from the file's bytes.</summary>
    private static (ModelProto Model, byte[] Bytes, IReadOnlyList<ModelProto> Graphs) ReadRecurrentModel(string modelZipPath, byte[] zip)
    {
        var graphs = ModelIntegrity.OnnxGraphs(modelZipPath, ModelIntegrity.ReadZip(modelZipPath, zip));
        if (graphs.Count == 0) throw new InvalidDataException($"'{modelZipPath}' holds no ONNX model: it was not trained by RnnMlNet.");
        var recurrent = graphs.Where(g => g.Model.MetadataProps.Any(p => p.Key is ModelKindKey or RecurrentModelSummary.MetadataKey)).ToList();
        return recurrent.Count switch
        {
            1 => (recurrent[0].Model, recurrent[0].Bytes, graphs.Select(g => g.Model).ToList()),
            0 => throw new InvalidDataException($"'{modelZipPath}' holds {graphs.Count} ONNX graph(s) ({string.Join(", ", graphs.Select(g => g.Model.Graph.Name))}), " +
                "none of them a recurrent model written by RnnMlNet."),
            _ => throw new InvalidDataException($"'{modelZipPath}' holds {recurrent.Count} recurrent models ({string.Join(", ", recurrent.Select(g => KindOf(g.Model)))}); " +
                "save the pipeline that holds the one you want on its own."),
        };
    }

    private static string KindOf(ModelProto model) => model.MetadataProps.FirstOrDefault(p => p.Key == ModelKindKey)?.Value ?? model.Graph.Name;
}
