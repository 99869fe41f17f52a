// One rank of a data-parallel job, for MpiTests: trains on W1e-shaped data (LSTM or GRU over 1,000 token types, embedding
// and hidden 128, 40–50 steps, batches of 32; 256 rows, 2 epochs) with two shards, through the engine or through an ML.NET
// pipeline, and writes what it trained to <out>/rank<r>.bin: the engine's weights, or the saved model's ONNX initializers
// and its scores of the first rows; prints how many batches it trained.
//   mpirun -np 2 dotnet RnnMlNet.MpiWorker.dll engine|mlnet lstm|gru <out> [--single] [--checkpoint <path>] [--pause <ms>]
// --single: no MPI, one process with the same two shards (the reference); --plain: no MPI and no shards. --checkpoint: a checkpoint every 3 batches.
// --pause: sleep after each batch (so a test can kill a rank mid-epoch).
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Mpi;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;
using RnnMlNet.Vocabulary;

string path = args[0], cellName = args[1], output = args[2];
var cell = cellName == "gru" ? CellKind.Gru : CellKind.Lstm;
string? checkpoint = Option("--checkpoint");
int pause = Option("--pause") is { } ms ? int.Parse(ms, System.Globalization.CultureInfo.InvariantCulture) : 0;
bool plain = args.Contains("--plain");
if (args.Contains("--retry-after-missing-library"))
{
    // A first Start without its library fails, and once the library is named, a second starts: a job of one process.
    Environment.SetEnvironmentVariable("RNNMLNET_MPI_LIBRARY", "/nonexistent/libmpich.so.12");
    try
    {
        MpiCommunicator.Start(ref args).Dispose();
        return 4;
    }
    catch (DllNotFoundException error)
    {
        Console.WriteLine($"first start: {error.Message}");
    }
    Environment.SetEnvironmentVariable("RNNMLNET_MPI_LIBRARY", null);
    using var retried = MpiCommunicator.Start(ref args);
    Console.WriteLine($"second start: rank {retried.Rank} of {retried.Size}");
    return 0;
}
using var mpi = args.Contains("--single") || plain ? null : MpiCommunicator.Start(ref args);
IRankCommunicator communicator = mpi is null ? SingleProcess.Instance : mpi;
File.WriteAllText(Path.Combine(output, $"rank{communicator.Rank}.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
var dataParallel = plain ? null : new DataParallelOptions { Communicator = communicator, Shards = 2 };
// Rank 1 failing alone before training: an exception its program does not catch, options naming a column its data lacks,
// or an empty row in its copy of the data, whose error the program catches.
if (args.Contains("--rank1-throws") && communicator.Rank == 1) throw new InvalidOperationException("rank 1 failed on purpose");
string featureColumn = args.Contains("--rank1-column") && communicator.Rank == 1 ? "Missing" : "TokenIds";
var rows = Rows();
if (args.Contains("--rank1-empty-row") && communicator.Rank == 1) rows[0].Tokens = [];
int batchesTrained = 0;

byte[] trained;
try
{
    trained = path == "engine" ? TrainEngine() : TrainPipeline();
}
catch (Exception error) when (args.Contains("--rank1-empty-row"))
{
    Console.WriteLine($"rank {communicator.Rank} caught: {error.Message}");
    return 3;
}
string result = Path.Combine(output, $"rank{communicator.Rank}.bin");
File.WriteAllBytes(result + ".tmp", trained);
File.Move(result + ".tmp", result, overwrite: true);
Console.WriteLine($"rank {communicator.Rank} trained {batchesTrained} batches");
return 0;

byte[] TrainEngine()
{
    var network = new RecurrentNetwork<float>(new NetworkOptions
    {
        Cell = cell, Input = InputKind.EmbeddedTokens, VocabularySize = 1000, EmbeddingSize = 128, HiddenSize = 128, Pooling = Pooling.Attention,
        Dropout = 0.1, InputDropout = 0.1, Threads = 1,
    }, seed: 7);
    var examples = rows.Select(r => new LabeledSequence<float>(Sequence<float>.FromTokens(r.Tokens), [r.Label ? 1f : 0f])).ToArray();
    new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
    {
        Epochs = 2, BatchSize = 32, Seed = 3, DataParallel = dataParallel, CheckpointPath = checkpoint, CheckpointEveryBatches = 3,
        OnBatch = _ =>
        {
            batchesTrained++;
            Thread.Sleep(pause);
        },
    }).Fit(examples);
    var bytes = new byte[network.Parameters.Values.Length * sizeof(float)];
    Buffer.BlockCopy(network.Parameters.Values, 0, bytes, 0, bytes.Length);
    return bytes;
}

byte[] TrainPipeline()
{
    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Text = string.Join(' ', r.Tokens.Select(t => "w" + t)), Label = r.Label }));
    var options = new RecurrentTrainerOptions
    {
        FeatureColumnName = featureColumn, EmbeddingSize = 128, HiddenSize = 128, Epochs = 2, BatchSize = 32, ValidationFraction = 0.25, Threads = 1,
        DataParallel = dataParallel, CheckpointDirectory = checkpoint, CheckpointEveryBatches = checkpoint is null ? null : 3,
        BatchProgress = new ImmediateProgress<BatchReport>(_ =>
        {
            batchesTrained++;
            Thread.Sleep(pause);
        }),
    };
    var trainer = cell == CellKind.Gru ? ml.BinaryClassification.Trainers.Gru(options) : ml.BinaryClassification.Trainers.Lstm(options);
    var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
        .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
        .Append(trainer)
        .Fit(data);
    string zip = Path.Combine(output, $"rank{communicator.Rank}.zip");
    ml.Model.Save(model, data.Schema, zip);
    string onnx = Path.ChangeExtension(zip, ".onnx");
    RecurrentModelFile.ExportOnnx(zip, onnx);
    var graph = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).Graph;
    var scores = model.Transform(ml.Data.TakeRows(data, 64)).GetColumn<float>("Score").ToArray();
    using var stream = new MemoryStream();
    foreach (var tensor in graph.Initializer) stream.Write(Google.Protobuf.MessageExtensions.ToByteArray(tensor));
    stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(scores.AsSpan()));
    return stream.ToArray();
}

string? Option(string name) => Array.IndexOf(args, name) is int at and >= 0 ? args[at + 1] : null;

// Ragged token sequences whose label is whether a token below 100 occurs in the first five steps.
static (int[] Tokens, bool Label)[] Rows()
{
    var random = new Random(11);
    return Enumerable.Range(0, 256).Select(_ =>
    {
        var tokens = Enumerable.Range(0, random.Next(40, 51)).Select(_ => random.Next(1000)).ToArray();
        return (tokens, tokens.Take(5).Any(t => t < 100));
    }).ToArray();
}

internal sealed class Row
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }
}
