using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Evaluation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>Many-to-many with the same length: one tag per token.</summary>
public class SequenceTaggerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class TaggedRow
    {
        [KeyType(6)]
        public uint[] Tokens { get; set; } = [];

        /// <summary>Tag of each token: "repeat" when it equals the token before it, else "new".</summary>
        public string[] Tags { get; set; } = [];
    }

    /// <summary>Needs memory of the previous step: the same token is "new" or "repeat" depending on its neighbour.</summary>
    internal static TaggedRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var tokens = new List<uint> { (uint)random.Next(1, 7) };
            for (int i = random.Next(3, 10); i > 0; i--) tokens.Add(random.Next(3) == 0 ? tokens[^1] : (uint)random.Next(1, 7));
            return new TaggedRow
            {
                Tokens = tokens.ToArray(),
                Tags = tokens.Select((t, i) => i > 0 && tokens[i - 1] == t ? "repeat" : "new").ToArray(),
            };
        }).ToArray();
    }

    private static IEstimator<ITransformer> Pipeline(MLContext ml, SequenceTaggerOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Tags")
            .Append(ml.MulticlassClassification.Trainers.SequenceTagger(options));

    private static SequenceTaggerOptions Options(CellKind cell = CellKind.Lstm, int epochs = 20) => new()
    {
        Cell = cell, FeatureColumnName = "Tokens", HiddenSize = 12, EmbeddingSize = 6, Epochs = epochs, LearningRate = 0.02, Seed = 1, BatchSize = 16,
    };

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.SimpleRnn)]
    public void TaggerWorkout(CellKind cell)
    {
        var ml = _temp.Context();
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Tags").Fit(ml.Data.LoadFromEnumerable(Rows(40, 1)))
            .Transform(ml.Data.LoadFromEnumerable(Rows(40, 1)));
        EstimatorWorkout.Run(_temp, ml.MulticlassClassification.Trainers.SequenceTagger(Options(cell, epochs: 1)), data, KeyLabelShape(), ["PredictedLabel", "Score"]);
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void TaggerLearnsRepeatsAndEvaluatesPerTag(CellKind cell)
    {
        var ml = _temp.Context();
        var train = ml.Data.LoadFromEnumerable(Rows(300, 2));
        var test = ml.Data.LoadFromEnumerable(Rows(100, 3));
        using var model = (IDisposable)Pipeline(ml, Options(cell)).Fit(train);
        var metrics = SequenceTaggingMetrics.Evaluate(((ITransformer)model).Transform(test));
        Assert.True(metrics.TokenAccuracy > 0.97, $"Token accuracy {metrics.TokenAccuracy:P1}.");
        Assert.Equal(["new", "repeat"], metrics.PerTag.Select(t => t.Tag));
        var repeat = metrics.PerTag.Single(t => t.Tag == "repeat");
        Assert.True(repeat.F1 > 0.9, $"F1 of 'repeat' {repeat.F1:F3}.");
    }

    public sealed class TaggedPrediction
    {
        public string[] PredictedTags { get; set; } = [];
    }

    /// <summary>Each word gets a tag after save and load, the engine's; also with MaximumLength, which cuts what training reads
    /// but not the tags (a longer row got that many tags, fewer than its words).</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(1, 3)]
    public void PredictionsAlignWithTheInputAfterReloadAndMatchTheEngine(int ensemble, int maximumLength)
    {
        var ml = _temp.Context();
        var rows = Rows(200, 4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Options();
        options.EnsembleSize = ensemble;
        options.MaximumLength = maximumLength;
        Assert.Contains(rows.Take(20), row => row.Tokens.Length > maximumLength);
        var tagger = ml.MulticlassClassification.Trainers.SequenceTagger(options);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Tags").Append(tagger)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTags", "PredictedLabel"));
        using var model = pipeline.Fit(data);
        string path = _temp.File("tagger.zip");
        ml.Model.Save(model, data.Schema, path);
        var fresh = _temp.Context();
        using var loaded = (IDisposable)fresh.LoadModel(path, out _);
        var engine = fresh.Model.CreatePredictionEngine<TaggedRow, TaggedPrediction>((ITransformer)loaded);

        var native = tagger.LastEnsemble!.Predict(rows.Take(20).Select(r => Sequence<float>.FromTokens(r.Tokens.Select(t => (int)t).ToArray())).ToList());
        // Every step's probabilities are the softmax of the members' mean logits (a graph that read one member would differ).
        var scores = ((ITransformer)loaded).Transform(data).GetColumn<float[]>("Score").Take(20).ToArray();
        if (ensemble > 1) Assert.NotEqual(tagger.LastEnsemble.Members[0].Predict([Sequence<float>.FromTokens((int)rows[0].Tokens[0])])[0], tagger.LastEnsemble.Members[1].Predict([Sequence<float>.FromTokens((int)rows[0].Tokens[0])])[0]);
        for (int i = 0; i < 20; i++)
            for (int t = 0; t < rows[i].Tokens.Length; t++)
            {
                var expected = RecurrentTrainerTests.Softmax(native[i][(2 * t)..(2 * t + 2)]);
                Assert.Equal(expected[0], scores[i][2 * t], 1e-5);
                Assert.Equal(expected[1], scores[i][2 * t + 1], 1e-5);
            }
        for (int i = 0; i < 20; i++)
        {
            var predicted = engine.Predict(new TaggedRow { Tokens = rows[i].Tokens }).PredictedTags;
            Assert.Equal(rows[i].Tokens.Length, predicted.Length);
            // The engine's per-step logits [T × 2] pick the same tags (key order: "new" then "repeat").
            var fromEngine = Enumerable.Range(0, rows[i].Tokens.Length).Select(t => native[i][2 * t] >= native[i][2 * t + 1] ? "new" : "repeat");
            Assert.Equal(fromEngine, predicted);
        }
    }

    /// <summary>A row with one tag too few is refused, also when MaximumLength cuts both its steps and its tags to the
    /// same length (the lengths are compared before the cut). Rows whose lengths agree train under the cut.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void LabelsOfADifferentLengthAreRejectedWithTheRow(int maximumLength)
    {
        var ml = _temp.Context();
        var rows = Rows(5, 5);
        var options = Options(epochs: 1);
        options.MaximumLength = maximumLength;
        using (Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(rows)) as IDisposable) { }
        Assert.True(rows[3].Tags.Length > 3, "The shortened row must stay longer than the cut.");
        rows[3].Tags = rows[3].Tags.Skip(1).ToArray();
        var error = Assert.Throws<InvalidOperationException>(() => Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Column 'Label', row 3", error.Message);
        Assert.Contains("one tag per step", error.Message);
    }

    /// <summary>A one-hot sequence holds no step for an unknown word (an all-zero row, as padding is), so its tags would
    /// shift onto the wrong words: the tagger refuses it by name.</summary>
    [Fact]
    public void AOneHotSequenceIsRefusedByName()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Rows(5, 5));
        var pipeline = ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 10).Append(Pipeline(ml, new SequenceTaggerOptions { FeatureColumnName = "OneHot", Epochs = 1 }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(data));
        Assert.Contains("Column 'OneHot' is a one-hot sequence", error.Message);
    }

    [Fact]
    public void MetricsCountEachTag()
    {
        var ml = _temp.Context();
        var rows = new[] { new Pair { Label = ["a", "b", "b"], Predicted = ["a", "b", "a"] }, new Pair { Label = ["b"], Predicted = ["b"] } };
        var keys = ml.Transforms.Conversion.MapValueToKey("LabelKeys", "Label")
            .Append(ml.Transforms.Conversion.MapValueToKey("PredictedKeys", "Predicted", keyData: ml.Data.LoadFromEnumerable(new[] { new Term { Value = "a" }, new Term { Value = "b" } })));
        var data = ml.Data.LoadFromEnumerable(rows);
        var metrics = SequenceTaggingMetrics.Evaluate(keys.Fit(data).Transform(data), "LabelKeys", "PredictedKeys");
        Assert.Equal(0.75, metrics.TokenAccuracy, 12);
        var a = metrics.PerTag[0];
        var b = metrics.PerTag[1];
        Assert.Equal(("a", 0.5, 1.0, 1L), (a.Tag, a.Precision, a.Recall, a.Support));
        Assert.Equal(("b", 1.0, 3L), (b.Tag, b.Precision, b.Support));
        Assert.Equal(2.0 / 3, b.Recall, 12);
        Assert.Equal(2 * 0.5 / 1.5, a.F1, 12);

        // Keys are compared by number: a label map of the same count in another order is refused, naming the first key.
        var reordered = ml.Transforms.Conversion.MapValueToKey("LabelKeys", "Label", keyData: ml.Data.LoadFromEnumerable(new[] { new Term { Value = "b" }, new Term { Value = "a" } }))
            .Append(ml.Transforms.Conversion.MapValueToKey("PredictedKeys", "Predicted", keyData: ml.Data.LoadFromEnumerable(new[] { new Term { Value = "a" }, new Term { Value = "b" } })));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SequenceTaggingMetrics.Evaluate(reordered.Fit(data).Transform(data), "LabelKeys", "PredictedKeys"));
        Assert.Contains("Column 'LabelKeys' maps key 1 to 'b', and 'PredictedKeys' to 'a'", error.Message);
    }

    public sealed class KeyPair
    {
        [KeyType(2)]
        public uint[] Label { get; set; } = [];
        [KeyType(2)]
        public uint[] Predicted { get; set; } = [];
    }

    /// <summary>A step whose label is missing (key 0) is left out, and so is an empty row, whose one predicted tag has no
    /// label (one such row refused the whole test set); rows that do not align and a key past the key type's count (ML.NET
    /// does not check a [KeyType] vector) are named with their row and step.</summary>
    [Fact]
    public void MetricsLeaveOutMissingLabelsAndEmptyRowsAndNameKeysPastTheCount()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new KeyPair { Label = [1, 0, 2], Predicted = [1, 1, 2] }, new KeyPair { Label = [], Predicted = [2] }, new KeyPair { Label = [], Predicted = [] },
        });
        var metrics = SequenceTaggingMetrics.Evaluate(data, "Label", "Predicted");
        Assert.Equal((1.0, 2L), (metrics.TokenAccuracy, metrics.Tokens));
        // The empty row's predicted tag 2 is not counted against tag 2's precision.
        Assert.All(metrics.PerTag, t => Assert.Equal(1.0, t.Precision));
        var misaligned = ml.Data.LoadFromEnumerable(new[] { new KeyPair { Label = [1], Predicted = [1] }, new KeyPair { Label = [], Predicted = [1, 2] } });
        Assert.Contains("Row 1: 'Predicted' has 2 tags and 'Label' 0; they must align",
            Assert.Throws<InvalidOperationException>(() => SequenceTaggingMetrics.Evaluate(misaligned, "Label", "Predicted")).Message);
        var past = ml.Data.LoadFromEnumerable(new[] { new KeyPair { Label = [1, 2], Predicted = [1, 2] }, new KeyPair { Label = [1, 3], Predicted = [1, 1] } });
        Assert.Contains("Row 1, step 1: key 3 of 'Label'", Assert.Throws<InvalidOperationException>(() => SequenceTaggingMetrics.Evaluate(past, "Label", "Predicted")).Message);
    }

    public sealed class Pair
    {
        public string[] Label { get; set; } = [];
        public string[] Predicted { get; set; } = [];
    }

    public sealed class Term
    {
        public string Value { get; set; } = "";
    }

    private static SchemaShape KeyLabelShape() => EstimatorWorkout.ShapeOf<KeyLabelRow>(definition =>
        definition[nameof(KeyLabelRow.Label)].ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), 2)));

    public sealed class KeyLabelRow
    {
        [KeyType(6)]
        public uint[] Tokens { get; set; } = [];
        public uint[] Label { get; set; } = [];
    }
}
