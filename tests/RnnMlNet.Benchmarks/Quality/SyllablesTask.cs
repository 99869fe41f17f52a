using Microsoft.ML;
using Microsoft.ML.Trainers;
using RnnMlNet.Trainers;
using static RnnMlNet.Benchmarks.Quality.QualityDriver;

namespace RnnMlNet.Benchmarks.Quality;

/// <summary>
/// How many syllables a word has, from its spelling (data/cmudict, fetched by data/fetch-cmudict.sh): a multiclass task
/// on short character sequences, where the other tasks are binary, regression and tagging. The label is the number of
/// vowels in the word's primary pronunciation (each carries a stress digit), six or more counting as six. The G2P
/// sample's split by word (seed 1): its test words, and the first 24,000 of its training words, so that the task trains
/// in about a minute.
/// </summary>
internal static class SyllablesTask
{
    public const string DataPath = "data/cmudict/cmudict.tsv";

    private const int TrainingWords = 24_000;

    private const int MostSyllables = 6;

    public sealed class WordRow
    {
        public string Word { get; set; } = "";

        public string Syllables { get; set; } = "";
    }

    public static IEnumerable<Result> Run(Settings settings)
    {
        string tsv = Find(DataPath) ?? throw new FileNotFoundException($"{DataPath} not found: run bash data/fetch-cmudict.sh.");
        var (train, _, test) = CmuDict.Split(CmuDict.Read(tsv, keepStress: true), seed: 1);
        var ml = new MLContext(seed: 1);
        var contestants = new List<Contestant>
        {
            new("LSTM, default options", ml => Characters(ml).Append(ml.MulticlassClassification.Trainers.Lstm(featureColumnName: "CharIds"))),
        };
        if (settings.Tuned)
        {
            // What the short sequences' default (max pooling over 128 units) does against longer sequences' and a narrower one.
            contestants.Add(new("LSTM, attention over 64 units (Pooling Attention, HiddenSize 64)", ml => Characters(ml)
                .Append(ml.MulticlassClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Pooling = Pooling.Attention, HiddenSize = 64 }))));
            contestants.Add(new("LSTM, max pooling over 64 units (HiddenSize 64)", ml => Characters(ml)
                .Append(ml.MulticlassClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", HiddenSize = 64 }))));
        }
        contestants.Add(new("char 1–3-grams + SDCA maximum entropy (ML.NET)", ml => Label(ml)
            .Append(NamesTask.CharNgrams(ml, "Features", nameof(WordRow.Word))).Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }))));
        return Compete("syllables", ml, ml.Data.LoadFromEnumerable(Rows(train.Take(TrainingWords))), ml.Data.LoadFromEnumerable(Rows(test)), contestants, scored =>
        {
            var m = ml.MulticlassClassification.Evaluate(scored);
            return [("accuracy", m.MicroAccuracy), ("macro accuracy", m.MacroAccuracy), ("log-loss", m.LogLoss)];
        });
    }

    private static IEnumerable<WordRow> Rows(IEnumerable<Pronunciation> words) => words.Select(w => new WordRow
    {
        Word = w.Input,
        Syllables = Math.Min(MostSyllables, w.Target.Count(char.IsAsciiDigit)).ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static IEstimator<ITransformer> Label(MLContext ml) => ml.Transforms.Conversion.MapValueToKey("Label", nameof(WordRow.Syllables));

    private static IEstimator<ITransformer> Characters(MLContext ml) => Label(ml).Append(NamesTask.Characters(ml, nameof(WordRow.Word)));
}
