// Grapheme-to-phoneme conversion on the CMU Pronouncing Dictionary: a character-level bidirectional LSTM encoder and an
// attentional LSTM decoder (ml.Transforms.Text.SequenceToSequence) spell out ARPAbet phonemes for a word. Split 90/5/5
// by word with a fixed seed; trains on the 90% (or a subset), reports word and phoneme error rates on the 5% dev and 5%
// test words with greedy decoding and with beam search, saves the beam-search model, reloads it in a fresh MLContext,
// times decoding the test words through it, and converts two words that are not in the dictionary.
//
//   dotnet run -c Release --project samples/G2P -- [--train-words N (0: all)] [--epochs N] [--no-stress]
//       [--attention general|dot|none] [--beam N] [--length-penalty X] [--hidden N] [--data PATH]
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using RnnMlNet;
using RnnMlNet.Evaluation;
using RnnMlNet.Generation;
using RnnMlNet.Onnx;

const int SplitSeed = 1;
var total = Stopwatch.StartNew();
SampleData.Start(args, Settings.Usage, takesOptions: true);
Settings settings;
try
{
    settings = Settings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
string? tsv = settings.Data ?? SampleData.TryFind("data/cmudict/cmudict.tsv");
if (tsv is null || !File.Exists(tsv))
{
    Console.Error.WriteLine($"{tsv ?? "data/cmudict/cmudict.tsv"} is missing. Fetch it first (needs npm and node):\n  bash data/fetch-cmudict.sh");
    return 2;
}

var options = new SequenceToSequenceOptions
{
    InputColumnName = "Spelling",
    TargetColumnName = "Target",
    OutputColumnName = "Output",
    InputLevel = TokenLevel.Character,
    TargetLevel = TokenLevel.Word,
    Cell = CellKind.Lstm,
    BidirectionalEncoder = true,
    Attention = settings.Attention,
    OutputDropout = 0.15,
    EmbeddingSize = 32,
    HiddenSize = settings.HiddenSize,   // 128 by default: the decoder has 2 x HiddenSize units, and 192 costs about twice as much per word
    Epochs = settings.Epochs,
    BatchSize = 64,
    LearningRate = 3e-3,
    Schedule = LearningRateSchedule.Cosine(),
    MaximumLength = 40,   // the longest pronunciation among plain words has 32 phonemes
    ValidationFraction = 0,   // the dev split is separate; the README's figures were measured training on every train word
    Seed = 1,
    Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e => ConsoleProgress.Line($"  epoch {e.Epoch,2}: loss {e.TrainingLoss:F4}, {e.Elapsed.TotalSeconds,5:F0}s")),
    BatchProgress = ConsoleProgress.Batches("words"),
};

var (fullTrain, dev, test) = CmuDict.Split(CmuDict.Read(tsv, settings.KeepStress), SplitSeed);
// The train part is already shuffled, so its first N words are a random subset of it.
var train = settings.TrainWords is int n && n < fullTrain.Count ? fullTrain[..n] : fullTrain;
Console.WriteLine($"""
    CMUdict plain words: {fullTrain.Count + dev.Count + test.Count:N0}; split by word with seed {SplitSeed}: {fullTrain.Count:N0} train, {dev.Count:N0} dev, {test.Count:N0} test.
    Training on {train.Count:N0} of the train words for {settings.Epochs} epochs; phonemes {(settings.KeepStress ? "with" : "without")} stress digits.
    LSTM encoder-decoder: bidirectional encoder 2 x {options.HiddenSize}, decoder {2 * options.HiddenSize}, attention {settings.Attention}, embedding {options.EmbeddingSize}, dropout {options.OutputDropout} on outputs, batch {options.BatchSize}, Adam {options.LearningRate} with a cosine schedule.
    Machine: {Machine()}
    """);

var ml = new MLContext(seed: 1);
// Lower-casing is part of the model, so callers may pass "Grapheme" or "GRAPHEME".
var normalize = ml.Transforms.Text.NormalizeText("Spelling", "Input", TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: true);
var seq2seq = ml.Transforms.Text.SequenceToSequence(options);

var clock = Stopwatch.StartNew();
var normalizer = normalize.Fit(ml.Data.LoadFromEnumerable(train));
using var greedy = seq2seq.Fit(normalizer.Transform(ml.Data.LoadFromEnumerable(train)));
var trainingTime = clock.Elapsed;
Console.WriteLine($"Training: {trainingTime.TotalSeconds:F0}s.\n");
// The same trained network, decoding with a beam instead of greedily.
using var beam = seq2seq.Rebuild(settings.BeamWidth, settings.LengthPenalty);
var greedyModel = normalizer.Append(greedy);
var beamModel = normalizer.Append(beam);

Console.WriteLine("Decoding    Split  words    WER (1 - exact match)   PER (phoneme error rate)   time");
List<(string Word, string Reference, string Output)> testScored = [];
foreach (var (name, model) in new[] { ("greedy", greedyModel), ($"beam {settings.BeamWidth}", beamModel) })
    foreach (var (split, rows) in new[] { ("dev", dev), ("test", test) })
    {
        clock.Restart();
        var metrics = Evaluate(model, rows, out var scored);
        Console.WriteLine($"{name,-11} {split,-5}  {metrics.Rows,5}    {1 - metrics.ExactMatch,8:P2}                {metrics.TokenErrorRate,8:P2}                  {clock.Elapsed.TotalSeconds,4:F0}s");
        if (split == "test" && name == "greedy") testScored = scored;
    }
Console.WriteLine("\nTest examples, greedy (word: predicted / reference):");
foreach (var (word, reference, output) in testScored.Take(12))
    Console.WriteLine($"  {(output == reference ? "ok " : "ERR")} {word.ToLowerInvariant(),-14} {output} / {reference}");

// Saved whole or not at all (through a temporary file): an interrupted save leaves the previous model, never half of one.
string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-g2p.zip");
RecurrentModelFile.Save(ml, beamModel, ml.Data.LoadFromEnumerable(test).Schema, path);
Console.WriteLine($"\nSaved the beam-search model to {path} ({new FileInfo(path).Length / 1024:N0} KB); reloading it in a fresh MLContext.");

var fresh = new MLContext();
using var loaded = (IDisposable)RecurrentModelFile.Load(fresh, path, out _);   // checked: CRCs and digests, unlike Model.Load
clock.Restart();
int decoded = ((ITransformer)loaded).Transform(fresh.Data.LoadFromEnumerable(test)).GetColumn<string>("Output").Count();
Console.WriteLine($"The reloaded model decoded the {decoded:N0} test words with beam width {settings.BeamWidth} in {clock.Elapsed.TotalSeconds:F0}s.");
using var engine = fresh.Model.CreatePredictionEngine<WordInput, PhonemeOutput>((ITransformer)loaded);
foreach (var word in new[] { "Grapheme", "Smartphone" })   // neither is in CMUdict
    Console.WriteLine($"  {word,-11} {engine.Predict(new WordInput { Input = word }).Output}");
Console.WriteLine($"\nTotal run time: {total.Elapsed.TotalSeconds:F0}s.");
return 0;

SequenceToSequenceMetrics Evaluate(ITransformer model, List<Pronunciation> rows, out List<(string Word, string Reference, string Output)> scored)
{
    // Cached, so the examples read the outputs the metrics saw instead of decoding again.
    var view = ml.Data.Cache(model.Transform(ml.Data.LoadFromEnumerable(rows)), "Input", "Target", "Output");
    var metrics = SequenceToSequenceMetrics.Evaluate(view, "Target", "Output", TokenLevel.Word);
    scored = view.GetColumn<string>("Input").Zip(view.GetColumn<string>("Target"), view.GetColumn<string>("Output")).ToList();
    return metrics;
}

static string Machine()
{
    string cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : RuntimeInformation.ProcessArchitecture.ToString();
    return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}";
}

/// <summary>What the saved model reads: a word.</summary>
public sealed class WordInput
{
    public string Input { get; set; } = "";
}

/// <summary>What the saved model adds: the phonemes, space-separated.</summary>
public sealed class PhonemeOutput
{
    public string Output { get; set; } = "";
}
