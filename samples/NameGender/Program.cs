// Which first names are female and which male? A character-level bidirectional LSTM learns it from the
// public-domain name lists shipped in data/names/names.csv. Runs in well under a minute on two cores.
using System.Diagnostics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

string path = args.Length > 0 ? args[0] : FindData("data/names/names.csv");
var rows = File.ReadLines(path).Skip(1).Select(line => line.Split(','))
    .Select(f => f.Length == 2 && f[1] is "F" or "M" ? (Name: f[0], Female: f[1] == "F") : throw new InvalidDataException($"{path}: bad row '{string.Join(',', f)}'; expected Name,F|M."))
    .ToList();
// Names in both lists carry no signal for this task: keep the unambiguous ones.
var names = rows.GroupBy(r => r.Name).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
new Random(42).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(names));
// A fixed 80/10/10 split: train, validation (early stopping), test (reported once).
int trainEnd = names.Count * 8 / 10, validationEnd = names.Count * 9 / 10;
var train = names.Take(trainEnd).ToList();
var validation = names.Skip(trainEnd).Take(validationEnd - trainEnd).ToList();
var test = names.Skip(validationEnd).ToList();

// Character vocabulary from the training names; id 0 stands for a character never seen in training.
var alphabet = train.SelectMany(r => r.Name.ToLowerInvariant()).Distinct().Order().ToList();
var ids = alphabet.Select((c, i) => (c, i + 1)).ToDictionary(p => p.c, p => p.Item2);
Sequence<float> Encode(string name) => Sequence<float>.FromTokens(name.ToLowerInvariant().Select(c => ids.GetValueOrDefault(c)).ToArray());
LabeledSequence<float> Example((string Name, bool Female) r) => new(Encode(r.Name), [r.Female ? 1f : 0f]);

var network = new RecurrentNetwork<float>(new NetworkOptions
{
    Cell = CellKind.Lstm,
    Input = InputKind.EmbeddedTokens,
    VocabularySize = alphabet.Count + 1,
    EmbeddingSize = 16,
    HiddenSize = 48,
    Bidirectional = true,
}, seed: 1);
var options = new TrainingOptions
{
    Epochs = 15,
    EarlyStoppingPatience = 3,
    BatchSize = 32,
    LearningRate = 3e-3,
    Seed = 1,
    OnEpoch = e => Console.WriteLine($"epoch {e.Epoch,2}: training loss {e.TrainingLoss:F4}, validation loss {e.ValidationLoss:F4}, {e.Elapsed.TotalSeconds:F1}s"),
};
Console.WriteLine($"{train.Count} training, {validation.Count} validation and {test.Count} test names, {alphabet.Count} characters, {network.Parameters.Count:N0} parameters.");
var clock = Stopwatch.StartNew();
var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(train.Select(Example).ToList(), validation.Select(Example).ToList());

var logits = network.Predict(test.Select(r => Encode(r.Name)).ToList());
double accuracy = test.Select((r, i) => logits[i][0] > 0 == r.Female).Count(ok => ok) / (double)test.Count;
double majority = Math.Max(test.Count(r => r.Female), test.Count(r => !r.Female)) / (double)test.Count;
double lastLetter = test.Count(r => "aeiy".Contains(char.ToLowerInvariant(r.Name[^1])) == r.Female) / (double)test.Count;
Console.WriteLine($"Test accuracy {accuracy:P1} (majority class {majority:P1}, 'ends in a vowel or y' rule {lastLetter:P1}), trained in {clock.Elapsed.TotalSeconds:F1}s, weights of epoch {history.KeptEpoch} kept.");

string[] probes = ["Alexandra", "Alexander", "Maria", "Mario", "Yvonne", "Kevin", "Leia", "Anakin"];
var probeLogits = network.Predict(probes.Select(Encode).ToList());
for (int i = 0; i < probes.Length; i++)
    Console.WriteLine($"  {probes[i],-10} P(female) = {1 / (1 + Math.Exp(-probeLogits[i][0])):F3}");

static string FindData(string relative)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
    throw new FileNotFoundException($"Could not find {relative} above {AppContext.BaseDirectory}; pass the CSV's path as the first argument.");
}
