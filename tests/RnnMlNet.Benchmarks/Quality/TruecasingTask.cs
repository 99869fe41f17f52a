using System.Diagnostics;
using Microsoft.ML;
using RnnMlNet.Evaluation;
using RnnMlNet.Trainers;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// Truecasing (data/sotu, fetched by data/fetch-sotu.sh): the Truecasing sample's split by address and its word tagger
/// with default options, then with one network and with a vocabulary that keeps every word, beside the
/// most-frequent-casing-per-word baseline, all scored on every character of the test sentences.
/// </summary>
internal static class TruecasingTask
{
    public static IEnumerable<Result> Run(Settings settings)
    {
        string path = Find(CasingSplit.RelativePath) ?? throw new FileNotFoundException($"{CasingSplit.RelativePath} not found: run bash data/fetch-sotu.sh.");
        var split = CasingSplit.Read(path);
        var ml = new MLContext(seed: 1);
        var labels = Truecaser.Labels(ml, ml.Data.LoadFromEnumerable(split.Train));
        var train = labels.Transform(ml.Data.LoadFromEnumerable(split.Train));
        var test = labels.Transform(ml.Data.LoadFromEnumerable(split.Test));
        var contestants = new List<Contestant>
        {
            new("word tagger (bidirectional LSTM), default options (5 networks)", ml => Truecaser.Pipeline(ml, Tagger())),
        };
        if (settings.Tuned)
        {
            // What the automatic ensemble and the vocabulary's automatic minimum count are measured by: one network, then one
            // network that keeps every training word, so that the unknown word's embedding, which every unseen test word
            // reads, is never trained.
            contestants.Add(new("word tagger, default options but one network (EnsembleSize 1)", ml => Truecaser.Pipeline(ml, Tagger(ensembleSize: 1))));
            contestants.Add(new("word tagger, one network keeping every word (EnsembleSize 1, minimumCount 1)",
                ml => Truecaser.Pipeline(ml, Tagger(ensembleSize: 1), minimumCount: 1)));
        }
        foreach (var result in Compete("truecasing", ml, train, test, contestants, scored => Metrics(Truecaser.Score(ml, split.Test, Truecaser.CharacterTags(split.Test, scored)))))
            yield return result;

        var clock = Stopwatch.StartNew();
        var baseline = new MostFrequentCasing(split.Train.Select(s => s.Original));
        var elapsed = clock.Elapsed;
        yield return new Result("truecasing", "most frequent casing per word", Metrics(Truecaser.Score(ml, split.Test, split.Test.Select(s => Casing.Tags(baseline.Restore(s.Lower))))), elapsed);
    }

    private static SequenceTaggerOptions Tagger(int? ensembleSize = null) => new() { FeatureColumnName = "WordIds", EnsembleSize = ensembleSize };

    private static IReadOnlyList<(string, double)> Metrics(SequenceTaggingMetrics m)
    {
        var upper = m.PerTag.Single(t => t.Tag == Casing.Upper);
        return [("accuracy", m.TokenAccuracy), ("U precision", upper.Precision), ("U recall", upper.Recall), ("U F1", upper.F1)];
    }
}
