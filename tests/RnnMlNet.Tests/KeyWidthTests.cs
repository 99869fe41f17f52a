using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// Key columns of every raw width (UInt8, UInt16, UInt32, UInt64): the same keys give the same model and the same scores
/// whatever their width, for features, class labels, tags and OneHotSequence, and ML.NET's own UInt16 character keys
/// feed a trainer directly.
/// </summary>
public class KeyWidthTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class Row<TKey>
    {
        [KeyType(SyntheticData.Vocabulary)]
        public TKey[] Tokens { get; set; } = [];

        public bool Label { get; set; }

        [KeyType(3)]
        public TKey Class { get; set; } = default!;

        /// <summary>Per-step tags for the tagger: whether each token is above 4.</summary>
        [KeyType(2)]
        public TKey[] Tags { get; set; } = [];
    }

    /// <summary>The synthetic rows with keys of raw type <typeparamref name="TKey"/>. LoadFromEnumerable reads a scalar key
    /// 0-based and a key vector as given (1-based).</summary>
    private static IDataView Load<TKey>(MLContext ml, Func<uint, TKey> key) => ml.Data.LoadFromEnumerable(
        SyntheticData.TokenRows(50, 5).Select(r => new Row<TKey>
        {
            Tokens = r.Tokens.Select(key).ToArray(), Label = r.Label, Class = key(r.Class),
            Tags = r.Tokens.Select(t => key(t > 4 ? 2u : 1u)).ToArray(),
        }));

    private static readonly (string Name, Func<MLContext, IDataView> Load)[] Widths =
    [
        ("UInt8", ml => Load(ml, k => (byte)k)),
        ("UInt16", ml => Load(ml, k => (ushort)k)),
        ("UInt64", ml => Load(ml, k => (ulong)k)),
    ];

    private static RecurrentTrainerOptions Small(string label) => new()
    {
        LabelColumnName = label, FeatureColumnName = "Tokens", HiddenSize = 5, EmbeddingSize = 3, Epochs = 2, LearningRate = 0.01, Seed = 2,
    };

    /// <summary>Each estimator, fitted on UInt32 keys and on keys of another width, saved and reloaded: identical scores.</summary>
    public static IEnumerable<object[]> EstimatorsAndWidths() =>
        from estimator in new[] { "binary", "multiclass", "tagger", "onehot" }
        from width in Widths.Select(w => w.Name)
        // ML.NET's LoadFromEnumerable cannot read a UInt16 scalar key (its own key getter check fails), so the class
        // label is tried at UInt8 and UInt64; UInt16 key vectors are tried by every other estimator.
        where (estimator, width) != ("multiclass", "UInt16")
        select new object[] { estimator, width };

    [Theory]
    [MemberData(nameof(EstimatorsAndWidths))]
    public void EveryKeyWidthGivesTheScoresOfUInt32Keys(string estimator, string width)
    {
        var ml = _temp.Context();
        IEstimator<ITransformer> Pipeline() => estimator switch
        {
            "binary" => ml.BinaryClassification.Trainers.Gru(Small("Label")),
            "multiclass" => ml.MulticlassClassification.Trainers.Lstm(Small("Class")),
            "tagger" => ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { LabelColumnName = "Tags", FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 2, Seed = 2 }),
            _ => ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 6)
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 4, Epochs = 2, Seed = 2 })),
        };
        List<string> Scores(IDataView data)
        {
            using var model = (IDisposable)Pipeline().Fit(data);
            string path = _temp.File($"{estimator}-{Guid.NewGuid():N}.zip");
            ml.Model.Save((ITransformer)model, data.Schema, path);
            using var loaded = (IDisposable)_temp.Context().LoadModel(path, out _);
            var scored = ((ITransformer)loaded).Transform(data);
            return EstimatorWorkout.Values(scored, "Score").Concat(EstimatorWorkout.Values(scored, "PredictedLabel")).ToList();
        }

        var expected = Scores(Load(ml, k => k));
        var actual = Scores(Widths.Single(w => w.Name == width).Load(ml));
        Assert.Equal(expected, actual);
    }

    public sealed class NameRow
    {
        public string Name { get; set; } = "";

        public bool Label { get; set; }
    }

    /// <summary>ML.NET's own character tokenizer gives UInt16 keys; they go straight into a trainer (no MapKeyToValue and
    /// BuildVocabulary round trip), and the tagger's metrics read them.</summary>
    [Fact]
    public void CharacterKeysFromTokenizeIntoCharactersAsKeysTrainDirectly()
    {
        var ml = _temp.Context();
        var names = new[] { "anna", "maria", "john", "peter", "olga", "mark", "lisa", "paul" };
        var data = ml.Data.LoadFromEnumerable(names.Select(n => new NameRow { Name = n, Label = n.EndsWith('a') }));
        var characters = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Chars", "Name", useMarkerCharacters: false);
        Assert.Equal(typeof(ushort), ((VectorDataViewType)characters.Fit(data).Transform(data).Schema["Chars"].Type).ItemType.RawType);

        var options = Small("Label");
        options.FeatureColumnName = "Chars";
        options.Epochs = null;
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        using var model = characters.Append(trainer).Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.Equal(1.0, metrics.Accuracy);
    }
}
