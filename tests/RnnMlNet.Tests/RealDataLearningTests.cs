using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>Learning on real data shipped in data/: first names labelled female or male (public domain).</summary>
public class RealDataLearningTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class NameRow
    {
        public string Name { get; set; } = "";
        public bool Label { get; set; }
    }

    private static List<NameRow> ReadNames()
    {
        string? path = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && path is null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data/names/names.csv"))) path = Path.Combine(dir.FullName, "data/names/names.csv");
        Assert.True(path is not null, "data/names/names.csv is missing from the checkout.");
        return File.ReadLines(path!).Skip(1).Select(line => line.Split(','))
            .GroupBy(f => f[0]).Where(g => g.Count() == 1)
            .Select(g => new NameRow { Name = g.Key, Label = g.Single()[1] == "F" }).ToList();
    }

    [Fact]
    public void CharacterLstmLearnsNameGenderWellAboveTheSimpleRules()
    {
        var ml = _temp.Context();
        var names = ReadNames();
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(names), testFraction: 0.2, seed: 42);
        var pipeline = ml.Transforms.Text.NormalizeText("Lower", "Name")
            .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharKeys", "Lower", useMarkerCharacters: false))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Chars", "CharKeys"))
            .Append(ml.Transforms.Text.BuildVocabulary("CharIds", "Chars"))
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = "CharIds", EmbeddingSize = 12, HiddenSize = 32, Epochs = 4, LearningRate = 5e-3, Seed = 1,
            }));
        using var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));

        var test = split.TestSet.GetColumn<string>("Name").Zip(split.TestSet.GetColumn<bool>("Label")).ToList();
        double majority = Math.Max(test.Count(t => t.Second), test.Count(t => !t.Second)) / (double)test.Count;
        double vowelRule = test.Count(t => "aeiy".Contains(char.ToLowerInvariant(t.First[^1])) == t.Second) / (double)test.Count;
        Assert.True(metrics.Accuracy > vowelRule + 0.03, $"LSTM accuracy {metrics.Accuracy:P1}; 'ends in a vowel or y' rule {vowelRule:P1}, majority {majority:P1}.");
        Assert.True(metrics.AreaUnderRocCurve > 0.88, $"AUC {metrics.AreaUnderRocCurve:F3}.");
    }
}
