// Data-parallel training of an ML.NET pipeline over MPI, on the names shipped in data/names/names.csv. Every process runs
// this same program on the same file; each trains on its shard of the rows, the gradients are combined in a fixed order,
// and every process ends with the same model, bit for bit the model one process trains with the same two shards.
//
//   dotnet build -c Release samples/DataParallel
//   mpirun.mpich -np 2 dotnet samples/DataParallel/bin/Release/net10.0/DataParallel.dll [names.csv] [output folder]
//   dotnet samples/DataParallel/bin/Release/net10.0/DataParallel.dll    (alone: a job of one process, the same model)
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Mpi;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

using var mpi = MpiCommunicator.Start(ref args);
SampleData.Start(args, "[names.csv] [output folder]", command: "mpirun.mpich -np 2 dotnet samples/DataParallel/bin/Release/net10.0/DataParallel.dll");
string csv = SampleData.InputFile(args, "data/names/names.csv", "the names CSV");
string folder = args.Length > 1 ? args[1] : Path.GetTempPath();
var ml = new MLContext(seed: 1);
var split = ml.Data.TrainTestSplit(ml.Data.LoadFromTextFile<NameRow>(csv, separatorChar: ',', hasHeader: true), testFraction: 0.2, seed: 1);

var pipeline = ml.Transforms.Conversion.MapValue("Label", new Dictionary<string, bool> { ["F"] = true, ["M"] = false }, "Gender")
    .Append(ml.Transforms.Text.NormalizeText("Lower", "Name"))
    .Append(SampleData.CharacterIds(ml, "CharIds", "Lower"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
    {
        FeatureColumnName = "CharIds",
        HiddenSize = 64,
        Threads = Math.Max(1, Environment.ProcessorCount / mpi.Size),
        // Two shards whatever the number of processes (it must divide them): one process or two train the same model.
        DataParallel = new DataParallelOptions { Communicator = mpi, Shards = 2 },
        // Rank 0 writes the checkpoint and every rank reads it: a job started again after a failure resumes from it.
        CheckpointDirectory = Path.Combine(folder, "rnnmlnet-names-job"),
    }));

var clock = Stopwatch.StartNew();
using var model = pipeline.Fit(split.TrainSet);
double seconds = clock.Elapsed.TotalSeconds;
var scored = model.Transform(split.TestSet);
// Every rank holds the same model: the same scores, so the same checksum on every line.
float checksum = scored.GetColumn<float>("Score").Aggregate(0f, (sum, score) => sum * 31 % 1e6f + score);
Console.WriteLine($"rank {mpi.Rank} of {mpi.Size}: trained in {seconds:F1}s, test-score checksum {checksum:R}");
mpi.Barrier();
if (mpi.Rank != 0) return;

var metrics = ml.BinaryClassification.Evaluate(scored);
Console.WriteLine($"Test accuracy {metrics.Accuracy:P2}, AUC {metrics.AreaUnderRocCurve:F3}");
// One rank saves (every rank has the same model), through a temporary file so no half-written model stays behind.
string path = Path.Combine(folder, "rnnmlnet-names-parallel.zip");
RecurrentModelFile.Save(ml, model, split.TrainSet.Schema, path);
Console.WriteLine($"Saved to {path}");

/// <summary>A line of names.csv: Name,Gender (F or M).</summary>
public sealed class NameRow
{
    [LoadColumn(0)]
    public string Name { get; set; } = "";

    [LoadColumn(1)]
    public string Gender { get; set; } = "";
}
