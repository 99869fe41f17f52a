using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;
using RnnMlNet;
using RnnMlNet.Trainers;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>Which first names are female (data/names/names.csv): the NameGender sample's split (20% test, seed 42).</summary>
internal static class NamesTask
{
    public sealed class NameRow
    {
        public string Name { get; set; } = "";

        public bool Label { get; set; }
    }

    public static IEnumerable<Result> Run(Settings settings)
    {
        string csv = Find("data/names/names.csv") ?? throw new FileNotFoundException("data/names/names.csv not found above the executable.");
        var rows = File.ReadLines(csv).Skip(1).Select(line => line.Split(',')).Where(f => f.Length == 2 && f[1] is "F" or "M")
            .GroupBy(f => f[0]).Where(g => g.Count() == 1).Select(g => new NameRow { Name = g.Key, Label = g.Single()[1] == "F" }).ToList();
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(rows), testFraction: 0.2, seed: 42);
        var contestants = new List<Contestant>
        {
            new("LSTM, default options", ml => Characters(ml).Append(ml.BinaryClassification.Trainers.Lstm(featureColumnName: "CharIds"))),
            // The other cells' defaults are the LSTM's, chosen on it: does each still beat the classic model?
            new("GRU, default options", ml => Characters(ml).Append(ml.BinaryClassification.Trainers.Gru(featureColumnName: "CharIds"))),
            new("SimpleRNN, default options", ml => Characters(ml).Append(ml.BinaryClassification.Trainers.SimpleRnn(featureColumnName: "CharIds"))),
        };
        if (settings.Tuned)
            contestants.Add(new("LSTM, bidirectional E16 H48, lr 3e-3, early stopping (the NameGender sample's former options)", ml => Characters(ml).Append(ml.BinaryClassification.Trainers.Lstm(
                new RecurrentTrainerOptions
                {
                    FeatureColumnName = "CharIds", EmbeddingSize = 16, HiddenSize = 48, Bidirectional = true, Epochs = 15, LearningRate = 3e-3,
                    ValidationFraction = 0.1, EarlyStoppingPatience = 3, Seed = 1,
                }))));
        contestants.Add(new("wide and deep: LSTM + char 1–3-grams, default options", ml => CharNgrams(ml, "Ngrams").Append(Characters(ml))
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", SideFeatureColumnName = "Ngrams" }))));
        if (settings.Tuned)
        {
            // What averaging the three best epochs (wide and deep's default) does, against each model's other setting.
            contestants.Add(new("wide and deep, best epoch alone (AveragedEpochs 1)", ml => CharNgrams(ml, "Ngrams").Append(Characters(ml))
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", SideFeatureColumnName = "Ngrams", AveragedEpochs = 1 }))));
            contestants.Add(new("LSTM, three best epochs averaged (AveragedEpochs 3)", ml => Characters(ml)
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", AveragedEpochs = 3 }))));
            // What reading short sequences by max pooling over 128 units (the default for them) does, against the longer sequences' attention over 64.
            contestants.Add(new("LSTM, attention over 64 units (Pooling Attention, HiddenSize 64)", ml => Characters(ml)
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Pooling = Pooling.Attention, HiddenSize = 64 }))));
            contestants.Add(new("LSTM, max pooling over 64 units (HiddenSize 64)", ml => Characters(ml)
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", HiddenSize = 64 }))));
            contestants.Add(new("wide and deep, attention over 64 units (Pooling Attention, HiddenSize 64)", ml => CharNgrams(ml, "Ngrams").Append(Characters(ml))
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", SideFeatureColumnName = "Ngrams", Pooling = Pooling.Attention, HiddenSize = 64 }))));
        }
        contestants.Add(new("char 1–3-grams + SDCA (ML.NET)", ml => CharNgrams(ml, "Features").Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))));
        var results = Compete("names", ml, split.TrainSet, split.TestSet, contestants, Binary(ml));
        if (settings.Seeds.Length == 0) return results;
        // Default options but the seed, and the early stopping on the validation loss that was the default before the error rate.
        Contestant Lstm(int seed, EarlyStoppingMetric? metric) => new("", ml => Characters(ml).Append(ml.BinaryClassification.Trainers.Lstm(
            new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Seed = seed, EarlyStoppingMetric = metric })));
        return results.Concat(MeanOverSeeds("names", ml, split.TrainSet, split.TestSet, settings.Seeds,
        [
            ("LSTM, default options", seed => Lstm(seed, null)),
            ("LSTM, default options but early stopping on the validation loss", seed => Lstm(seed, EarlyStoppingMetric.Loss)),
            ("wide and deep, default options", seed => new("", ml => CharNgrams(ml, "Ngrams").Append(Characters(ml))
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", SideFeatureColumnName = "Ngrams", Seed = seed })))),
        ], Binary(ml)));
    }

    /// <summary>Character 1–3-grams of <paramref name="inputColumnName"/>, the classic model's features (and wide and deep's).</summary>
    internal static IEstimator<ITransformer> CharNgrams(MLContext ml, string outputColumnName, string inputColumnName = nameof(NameRow.Name)) =>
        ml.Transforms.Text.FeaturizeText(outputColumnName, new TextFeaturizingEstimator.Options
        {
            CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = 3, UseAllLengths = true },
            WordFeatureExtractor = null,
        }, inputColumnName);

    /// <summary>The lower-cased characters of <paramref name="inputColumnName"/> as vocabulary keys, in CharIds.</summary>
    internal static IEstimator<ITransformer> Characters(MLContext ml, string inputColumnName = nameof(NameRow.Name)) =>
        ml.Transforms.Text.NormalizeText("Lower", inputColumnName)
            .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharKeys", "Lower", useMarkerCharacters: false))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Chars", "CharKeys"))
            .Append(ml.Transforms.Text.BuildVocabulary("CharIds", "Chars"));

    /// <summary>Accuracy, AUC and F1 of a scored binary test split.</summary>
    public static Func<IDataView, IReadOnlyList<(string, double)>> Binary(MLContext ml) => scored =>
    {
        var m = ml.BinaryClassification.Evaluate(scored);
        return [("accuracy", m.Accuracy), ("AUC", m.AreaUnderRocCurve), ("F1", m.F1Score)];
    };
}
