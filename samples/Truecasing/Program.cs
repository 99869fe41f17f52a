// Restores the capitalisation of lower-cased text: a character-level bidirectional LSTM tags every character "U"
// (upper-case in the original) or "L", trained on 20th-century State of the Union addresses and tested on the
// addresses of 2001-2021, beside the classic most-frequent-casing-per-word baseline on the same characters. The model
// is saved to a .zip, reloaded in a fresh MLContext and used through a PredictionEngine.
// Needs data/sotu/sotu.jsonl: run data/fetch-sotu.sh once. About three minutes of training on two cores; pass a
// sentence count as the second argument to train on a seeded random subset instead, for a quicker run.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Evaluation;
using RnnMlNet.Trainers;

// Longer sentences are left out rather than cut, so that every row starts a sentence, as the baseline assumes.
const int MaximumCharacters = 200;
string jsonl = args.Length > 0 ? args[0] : SampleData.Find("data/sotu/sotu.jsonl", "run data/fetch-sotu.sh, or pass the file's path as the first argument");
int trainCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : int.MaxValue;
var clock = Stopwatch.StartNew();

// Split by speech, never by sentence, so no address is seen on both sides. Casing conventions drift (the 1800s wrote
// "the nation" but "the Treasury"), so training takes the century just before the test years.
var speeches = Speech.Read(jsonl);
var trainSpeeches = speeches.Where(s => s.Year is >= 1901 and <= 2000).ToList();
var testSpeeches = speeches.Where(s => s.Year >= 2001).ToList();
List<TaggedSentence> Sentences(IEnumerable<Speech> from, out int tooLong)
{
    var all = from.SelectMany(s => s.Sentences()).ToList();
    var kept = all.Where(s => s.Length <= MaximumCharacters).Select(TaggedSentence.From).ToList();
    tooLong = all.Count - kept.Count;
    return kept;
}
var trainPool = Sentences(trainSpeeches, out int trainTooLong);
var test = Sentences(testSpeeches, out int testTooLong);
// Seeded, so that a smaller count takes random sentences of every training year, not the earliest addresses.
var shuffled = trainPool.ToArray();
new Random(1).Shuffle(shuffled);
var train = shuffled.Take(trainCount).ToList();
Console.WriteLine($"""
    Train: {trainSpeeches.Count} addresses of 1901-2000, {trainPool.Count:N0} sentences of at most {MaximumCharacters} characters ({trainTooLong:N0} longer ones left out); training on {train.Count:N0} of them, {train.Sum(s => s.Lower.Length):N0} characters.
    Test:  {testSpeeches.Count} addresses of 2001-2021, {test.Count:N0} sentences ({testTooLong:N0} longer ones left out), {test.Sum(s => s.Lower.Length):N0} characters, {test.Sum(s => s.Tags.Count(t => t == Casing.Upper)):N0} of them upper-case.

    """);

var ml = new MLContext(seed: 1);
// Fixed key order L = 1, U = 2. The label is mapped outside the pipeline, so the saved model reads text alone.
var tagKeys = ml.Data.LoadFromEnumerable(new[] { new TagName { Tag = Casing.Lower }, new TagName { Tag = Casing.Upper } });
var labels = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TaggedSentence.Tags), keyData: tagKeys).Fit(ml.Data.LoadFromEnumerable(train));
var trainView = labels.Transform(ml.Data.LoadFromEnumerable(train));
var testView = labels.Transform(ml.Data.LoadFromEnumerable(test));

var pipeline = SampleData.CharacterIds(ml, "CharIds", nameof(LowerCaseText.Lower))
    .Append(ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions
    {
        FeatureColumnName = "CharIds",
        EmbeddingSize = 16,
        HiddenSize = 160,
        Epochs = 12,
        ClassWeights = [1, 0.75],
        LearningRate = 5e-3,
        Schedule = LearningRateSchedule.Cosine(),
        Seed = 1,
        // Nothing held out: the README's figures were measured training on every speech (the automatic 10% hold-out with
        // early stopping is not measured on this task yet).
        ValidationFraction = 0,
        Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e =>
            ConsoleProgress.Line($"  epoch {e.Epoch}: loss {e.TrainingLoss:F5} ({e.Elapsed.TotalSeconds:F0}s)")),
        BatchProgress = ConsoleProgress.Batches("sentences"),
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue(nameof(Restoration.PredictedTags), "PredictedLabel"));

Console.WriteLine("Training the bidirectional LSTM tagger:");
var trainClock = Stopwatch.StartNew();
using var model = pipeline.Fit(trainView);
var trainTime = trainClock.Elapsed;
var scored = model.Transform(testView);
var lstm = SequenceTaggingMetrics.Evaluate(scored, "Label", "PredictedLabel");
var predicted = scored.GetColumn<string[]>(nameof(Restoration.PredictedTags)).ToList();

var baseline = new MostFrequentCasing(train.Select(s => s.Original));
SequenceTaggingMetrics Evaluate(MostFrequentCasing casing)
{
    var pairs = ml.Data.LoadFromEnumerable(test.Select(s => new TagPair { Tags = s.Tags, Guess = Casing.Tags(casing.Restore(s.Lower)) }));
    var keys = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagPair.Tags), keyData: tagKeys)
        .Append(ml.Transforms.Conversion.MapValueToKey("Guessed", nameof(TagPair.Guess), keyData: tagKeys));
    return SequenceTaggingMetrics.Evaluate(keys.Fit(pairs).Transform(pairs), "Label", "Guessed");
}

static string Row(string name, SequenceTaggingMetrics m)
{
    var u = m.PerTag.Single(t => t.Tag == Casing.Upper);
    return $"{name,-52} {m.TokenAccuracy,8:P2} {u.Precision,10:F3} {u.Recall,8:F3} {u.F1,8:F3}";
}
Console.WriteLine($"""

    Test characters ({lstm.Tokens:N0})                          accuracy  U precision  U recall   U F1
    {Row($"bidirectional LSTM ({train.Count:N0} sentences, {trainTime.TotalSeconds:F0}s)", lstm)}
    {Row("most frequent casing per word, same sentences", Evaluate(baseline))}
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

// Save through a temporary file, so an interrupted save never leaves a half-written model behind.
string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-truecasing.zip");
ml.Model.Save(model, trainView.Schema, path + ".tmp");
File.Move(path + ".tmp", path, overwrite: true);
Console.WriteLine($"Saved to {path}; reloading it in a fresh MLContext.");

var fresh = new MLContext();
using var loaded = (IDisposable)fresh.Model.Load(path, out _);
var engine = fresh.Model.CreatePredictionEngine<LowerCaseText, Restoration>((ITransformer)loaded);
const string Sentence = "in january the president flew from washington to detroit to meet workers at general motors and ford.";
Console.WriteLine($"  {Sentence}\n  {Casing.Restore(Sentence, engine.Predict(new LowerCaseText { Lower = Sentence }).PredictedTags)}");
Console.WriteLine($"Total run time {clock.Elapsed.TotalSeconds:F0}s.");


/// <summary>A tag name, to fix the order of the tag keys.</summary>
public sealed class TagName
{
    public string Tag { get; set; } = "";
}

/// <summary>The true tags of a sentence beside a baseline's guess, for the same metrics as the model's.</summary>
public sealed class TagPair
{
    public string[] Tags { get; set; } = [];
    public string[] Guess { get; set; } = [];
}
