using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using RnnMlNet.Trainers;
using SpamFilter;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// Spam or ham (SpamAssassin, fetched by data/fetch-spam-assassin.sh): the SpamFilter sample's split (20% test, seed 1)
/// and a second seeded 80/20 split (seed 7).
/// </summary>
internal static class SpamTask
{
    // As in the sample: mail needs line breaks and markup split too; '!' and '$' stay inside tokens.
    private static readonly char[] Separators = [' ', '\t', '\r', '\n', '.', ',', ';', ':', '"', '\'', '(', ')', '[', ']', '{', '}', '<', '>', '=', '/', '\\', '|', '*', '-', '_'];

    public static IEnumerable<Result> Run(Settings settings)
    {
        string path = Find(Corpus.RelativePath) ?? throw new FileNotFoundException($"{Corpus.RelativePath} not found: run bash data/fetch-spam-assassin.sh.");
        var messages = Corpus.Read(path);
        foreach (int seed in settings.SpamSplits)
        {
            var ml = new MLContext(seed: 1);
            var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(messages), testFraction: 0.2, seed: seed);
            var train = ml.Data.Cache(split.TrainSet);
            var contestants = new List<Contestant>
            {
                new("LSTM, default options", ml => Tokens(ml).Append(ml.BinaryClassification.Trainers.Lstm(featureColumnName: "TokenIds"))),
                new("GRU, default options", ml => Tokens(ml).Append(ml.BinaryClassification.Trainers.Gru(featureColumnName: "TokenIds"))),
                new("SimpleRNN, default options", ml => Tokens(ml).Append(ml.BinaryClassification.Trainers.SimpleRnn(featureColumnName: "TokenIds"))),
            };
            if (settings.Tuned)
                contestants.Add(new("LSTM, first 256 tokens, 5 epochs, lr 2e-3, seed 1 (the SpamFilter sample's former options)", ml => Tokens(ml).Append(ml.BinaryClassification.Trainers.Lstm(
                    new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", MaximumLength = 256, Epochs = 5, LearningRate = 2e-3, Seed = 1 }))));
            contestants.Add(new("wide and deep: LSTM + FeaturizeText, default options", ml => Tokens(ml, ngrams: true)
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SideFeatureColumnName = "Ngrams" }))));
            if (settings.Tuned)
            {
                contestants.Add(new("LSTM, whole messages (TrainingWindow 0, the default before windows)", ml => Tokens(ml)
                    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", TrainingWindow = 0 }))));
                contestants.Add(new("wide and deep, whole messages (TrainingWindow 0)", ml => Tokens(ml, ngrams: true)
                    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SideFeatureColumnName = "Ngrams", TrainingWindow = 0 }))));
                contestants.Add(new("wide and deep, best epoch alone (AveragedEpochs 1)", ml => Tokens(ml, ngrams: true)
                    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SideFeatureColumnName = "Ngrams", AveragedEpochs = 1 }))));
                contestants.Add(new("LSTM, three best epochs averaged (AveragedEpochs 3)", ml => Tokens(ml)
                    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", AveragedEpochs = 3 }))));
            }
            contestants.Add(new("FeaturizeText + SDCA (ML.NET)", ml => ml.Transforms.Text.FeaturizeText("Features", "Text")
                .AppendCacheCheckpoint(ml)
                .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))));
            foreach (var result in Compete($"spam (split seed {seed})", ml, train, split.TestSet, contestants, NamesTask.Binary(ml)))
                yield return result;
        }
    }

    /// <summary>Word keys (and FeaturizeText's n-grams for wide and deep), cached: the chain is returned as a chain, so that
    /// appending the trainer flattens it and the cache checkpoint stands before the trainer rather than at the end of a nested chain,
    /// where ML.NET ignores it.</summary>
    internal static EstimatorChain<Microsoft.ML.Transforms.ValueToKeyMappingTransformer> Tokens(MLContext ml, bool ngrams = false) =>
        (ngrams ? new EstimatorChain<ITransformer>().Append(ml.Transforms.Text.FeaturizeText("Ngrams", "Text")) : new EstimatorChain<ITransformer>())
            .Append(ml.Transforms.Text.NormalizeText("Normalized", "Text", TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false))
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Normalized", Separators))
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens", maximumSize: 20_000, minimumCount: 2))
            .AppendCacheCheckpoint(ml);
}
