// Generates new first names for a requested gender: a character-level LSTM language model conditioned on the gender
// (the one-to-many shape), trained on data/names/names.csv. It reports held-out perplexity, how many generated names
// are novel rather than copies of training names, and how often a separately trained classifier agrees with the
// requested gender.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

SampleData.Start(args, "[names.csv] [names per gender]");
string csv = SampleData.InputFile(args, "data/names/names.csv", "the names CSV");
int perGender = SampleData.Count(args, 1, "names to generate per gender", absent: 200);
var ml = new MLContext(seed: 1);
var names = File.ReadLines(csv).Skip(1).Select(line => line.Split(','))
    .Select(f => new NameRow { Name = f[0], Gender = f[1], Label = f[1] == "F" }).ToList();
var data = ml.Data.LoadFromEnumerable(names);
var clock = Stopwatch.StartNew();

var generator = ml.Transforms.Text.SequenceGenerator(new SequenceGeneratorOptions
{
    TextColumnName = "Name",
    ConditionColumnName = "Gender",
    PromptColumnName = "Prompt",
    HiddenSize = 128,
    EmbeddingSize = 24,
    Epochs = 12,
    BatchSize = 64,
    LearningRate = 5e-3,
    ValidationFraction = 0.1,
    MaximumLength = 15,
    Temperature = 0.8f,
    TopK = 8,
    Seed = 1,
    Progress = new RnnMlNet.ImmediateProgress<EpochReport>(e => Console.WriteLine($"  epoch {e.Epoch,2}: loss {e.TrainingLoss:F3}, validation {e.ValidationLoss:F3}")),
});
Console.WriteLine("Training the generator:");
using var model = generator.Fit(data);
Console.WriteLine($"Held-out perplexity per character: {generator.Perplexity:F2} ({clock.Elapsed.TotalSeconds:F0}s)");

// A separate judge: a bidirectional LSTM with the NameGender sample's former options, trained on the same list.
clock.Restart();
var judge = ml.Transforms.Text.NormalizeText("Lower", "Name")
    .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharKeys", "Lower", useMarkerCharacters: false))
    .Append(ml.Transforms.Conversion.MapKeyToValue("Chars", "CharKeys"))
    .Append(ml.Transforms.Text.BuildVocabulary("CharIds", "Chars"))
    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
    {
        FeatureColumnName = "CharIds", EmbeddingSize = 16, HiddenSize = 48, Bidirectional = true, Epochs = 6, LearningRate = 3e-3, Seed = 2,
        ValidationFraction = 0, Pooling = Pooling.Last,   // as when the README's figures were measured
    }))
    .Fit(ml.Data.LoadFromEnumerable(names.GroupBy(n => n.Name).Where(g => g.Count() == 1).Select(g => g.Single())));

var prompts = ml.Data.LoadFromEnumerable(new[] { "F", "M" }.SelectMany(g => Enumerable.Repeat(new NameRow { Gender = g }, perGender)));
var generated = model.Transform(prompts);
var requests = generated.GetColumn<string>("Gender").Zip(generated.GetColumn<string>("Generated"))
    .Select(p => new NameRow { Gender = p.First, Name = p.Second.Length > 0 ? char.ToUpperInvariant(p.Second[0]) + p.Second[1..] : "" }).ToList();
var judged = judge.Transform(ml.Data.LoadFromEnumerable(requests)).GetColumn<bool>("PredictedLabel").ToList();
var known = names.Select(n => n.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

foreach (var gender in new[] { "F", "M" })
{
    var mine = requests.Select((r, i) => (r, i)).Where(p => p.r.Gender == gender).ToList();
    // The judge trained on the list, so only the novel names test it: copies are names it has seen with their gender.
    var novel = mine.Where(p => p.r.Name.Length > 0 && !known.Contains(p.r.Name)).ToList();
    double agree = novel.Count(p => judged[p.i] == (gender == "F")) / (double)Math.Max(1, novel.Count);
    Console.WriteLine($"{gender}: {mine.Count} generated, {novel.Count / (double)mine.Count:P0} novel; the classifier agrees with the requested gender " +
                      $"for {agree:P0} of the novel ones. Examples: {string.Join(", ", novel.Select(p => p.r.Name).Distinct().Take(8))}");
}
Console.WriteLine($"Judge training and generation: {clock.Elapsed.TotalSeconds:F0}s.");
judge.Dispose();
return 0;


/// <summary>A name with its gender, and an empty prompt for generation.</summary>
public sealed class NameRow
{
    public string Name { get; set; } = "";

    public string Gender { get; set; } = "";

    public bool Label { get; set; }

    public string Prompt { get; set; } = "";
}
