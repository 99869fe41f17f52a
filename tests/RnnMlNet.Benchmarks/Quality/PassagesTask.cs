using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using RnnMlNet.Trainers;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// Which party's president gave a passage of a State of the Union address (data/sotu, fetched by data/fetch-sotu.sh):
/// a document-level text task, where many rows come from one document and the test documents are unseen. The 182
/// addresses of Republican and Democratic presidents are cut into passages of 60 words (a shorter rest is left out); a
/// seeded shuffle of the addresses puts a fifth of them in the test split, and three such splits (seeds 11, 12, 13) are
/// run, since one split's score moves by a point or more. The training passages are shuffled with the split's seed. A
/// test address is unseen, but its president often gave others in the training split, so party here is partly "which
/// president"; the split is the same for every contestant.
/// </summary>
internal static class PassagesTask
{
    private const int PassageWords = 60;

    private static readonly int[] SplitSeeds = [11, 12, 13];

    public sealed class PassageRow
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }

        /// <summary>The address the passage comes from: the group a hold-out should keep whole.</summary>
        public int Address { get; set; }
    }

    private sealed record Address(string Party, string Text);

    public static IEnumerable<Result> Run(Settings settings)
    {
        // The addresses' file, where the Truecasing sample (compiled into this project) finds it.
        string path = Find(CasingSplit.RelativePath) ?? throw new FileNotFoundException($"{CasingSplit.RelativePath} not found: run bash data/fetch-sotu.sh.");
        var json = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var addresses = File.ReadLines(path).Select(line => JsonSerializer.Deserialize<Address>(line, json)!)
            .Where(a => a.Party is "Republican" or "Democratic").ToArray();
        var results = new List<Result>();
        foreach (int seed in SplitSeeds)
        {
            var random = new Random(seed);
            var order = Enumerable.Range(0, addresses.Length).ToArray();
            random.Shuffle(order);
            var test = order[..(order.Length / 5)].ToHashSet();
            var train = Passages(addresses, i => !test.Contains(i)).ToArray();
            random.Shuffle(train);
            var ml = new MLContext(seed: 1);
            var contestants = new List<Contestant>
            {
                new("LSTM, default options (passages held out one by one)", ml => SpamTask.Tokens(ml).Append(ml.BinaryClassification.Trainers.Lstm(featureColumnName: "TokenIds"))),
                new("LSTM, addresses held out whole (SamplingKeyColumnName Address)", ml => SpamTask.Tokens(ml).Append(ml.BinaryClassification.Trainers.Lstm(
                    new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SamplingKeyColumnName = nameof(PassageRow.Address) }))),
            };
            if (settings.Tuned)
            {
                contestants.Add(new("wide and deep: LSTM + FeaturizeText, default options", ml => SpamTask.Tokens(ml, ngrams: true)
                    .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SideFeatureColumnName = "Ngrams" }))));
                contestants.Add(new("wide and deep, addresses held out whole", ml => SpamTask.Tokens(ml, ngrams: true).Append(ml.BinaryClassification.Trainers.Lstm(
                    new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", SideFeatureColumnName = "Ngrams", SamplingKeyColumnName = nameof(PassageRow.Address) }))));
            }
            contestants.Add(new("FeaturizeText + SDCA (ML.NET)", ml => ml.Transforms.Text.FeaturizeText("Features", nameof(PassageRow.Text))
                .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))));
            var split = Compete($"passages (split seed {seed})", ml, ml.Data.LoadFromEnumerable(train), ml.Data.LoadFromEnumerable(Passages(addresses, test.Contains)),
                contestants, NamesTask.Binary(ml)).ToList();
            results.AddRange(split);
            foreach (var result in split) yield return result;
        }
        // Each model's mean over the splits.
        foreach (var model in results.GroupBy(r => r.Model))
        {
            var runs = model.ToList();
            yield return new Result("passages", $"{model.Key}, mean of the {runs.Count} splits",
                runs[0].Metrics.Select((m, i) => (m.Metric, runs.Average(r => r.Metrics[i].Value))).ToList(), TimeSpan.FromTicks((long)runs.Average(r => r.Training.Ticks)));
        }
    }

    private static IEnumerable<PassageRow> Passages(Address[] addresses, Func<int, bool> keep)
    {
        for (int i = 0; i < addresses.Length; i++)
        {
            if (!keep(i)) continue;
            var words = addresses[i].Text.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            for (int start = 0; start + PassageWords <= words.Length; start += PassageWords)
                yield return new PassageRow { Text = string.Join(' ', words[start..(start + PassageWords)]), Label = addresses[i].Party == "Republican", Address = i };
        }
    }
}
