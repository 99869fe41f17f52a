using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// Wide and deep: a side-feature column read beside the sequence by a linear part joined to the head, trained with the
/// network, written into the saved graph as a second input, and refused where it cannot apply.
/// </summary>
public class WideAndDeepTests : IDisposable
{
    internal const int Slots = 20;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The synthetic token rows with a sparse side vector: two slots set, and the labels depend on slot 0 as well as on the order of the tokens.</summary>
    public sealed class WideRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        [VectorType(Slots)]
        public float[] Side { get; set; } = [];

        /// <summary>Binary: slot 0 is set, or a 3 comes before a 5 (the sequence rule of <see cref="SyntheticData.TokenRow"/>).</summary>
        public bool Label { get; set; }

        [KeyType(3)]
        public uint Class { get; set; }

        public float Value { get; set; }
    }

    internal static WideRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return SyntheticData.TokenRows(count, seed).Select(row =>
        {
            var side = new float[Slots];
            side[random.Next(2) == 0 ? 0 : random.Next(1, Slots)] = 1;
            side[random.Next(1, Slots)] = (float)random.NextDouble();
            return new WideRow
            {
                Tokens = row.Tokens, Side = side, Label = side[0] > 0 || row.Label,
                Class = side[0] > 0 ? 2 : row.Class, Value = row.Value + side[0],
            };
        }).ToArray();
    }

    private static RecurrentTrainerOptions Options(string label, int epochs = 3) => new()
    {
        LabelColumnName = label, FeatureColumnName = "Tokens", SideFeatureColumnName = "Side",
        HiddenSize = 6, EmbeddingSize = 4, Epochs = epochs, LearningRate = 0.01, Seed = 3,
    };

    [Fact]
    public void WideAndDeepWorkout()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Rows(60, 1));
        var trainer = ml.BinaryClassification.Trainers.Lstm(Options("Label", epochs: 2));
        EstimatorWorkout.Run(_temp, trainer, data, EstimatorWorkout.ShapeOf<WideRow>(d => d[nameof(WideRow.Tokens)].ColumnType =
            new VectorDataViewType(new KeyDataViewType(typeof(uint), SyntheticData.Vocabulary))), ["Score", "Probability", "PredictedLabel"]);
        Assert.Contains($"wide part on S={Slots} side features", trainer.LastSummary!.Architecture);
    }

    public static IEnumerable<object[]> ParityCases() =>
    [
        [RecurrentTask.BinaryClassification, Pooling.Last, false],
        [RecurrentTask.MulticlassClassification, Pooling.Attention, true],
        [RecurrentTask.Regression, Pooling.Mean, false],
    ];

    /// <summary>The saved graph, reloaded in a fresh context, scores what the engine computes with the side features, to 1e-5.</summary>
    [Theory]
    [MemberData(nameof(ParityCases))]
    public void OnnxScoresMatchTheNativeEngine(RecurrentTask task, Pooling pooling, bool bidirectional)
    {
        var ml = _temp.Context();
        var rows = Rows(40, 2);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Options(task switch { RecurrentTask.BinaryClassification => "Label", RecurrentTask.MulticlassClassification => "Class", _ => "Value" });
        options.Pooling = pooling;
        options.Bidirectional = bidirectional;
        var trainer = task switch
        {
            RecurrentTask.BinaryClassification => ml.BinaryClassification.Trainers.Lstm(options),
            RecurrentTask.MulticlassClassification => ml.MulticlassClassification.Trainers.Gru(options),
            _ => ml.Regression.Trainers.SimpleRnn(options),
        };
        using var model = trainer.Fit(data);
        string path = _temp.File("wide.zip");
        ml.Model.Save(model, data.Schema, path);
        using var loaded = (TransformerChain<ITransformer>)_temp.Context().LoadModel(path, out _);
        float[][] scores = EstimatorWorkout.ScoreRows(loaded.Transform(data));

        var network = trainer.LastNetwork!;
        var wide = network.Export().Single(w => w.Name == "wide.weights");
        Assert.Contains(wide.Values, w => w != 0);
        var sequences = rows.Select(r => Sequence<float>.FromTokens(r.Tokens.Select(k => (int)k).ToArray()).WithSide(
            new SideFeatures<float>([.. Enumerable.Range(0, Slots).Where(j => r.Side[j] != 0)], [.. r.Side.Where(v => v != 0)]))).ToArray();
        var native = network.Predict(sequences);
        // A side value training would refuse scores NaN, never a finite (saturated) probability.
        var infinite = rows[0];
        var bad = ml.Data.LoadFromEnumerable(new[] { new WideRow { Tokens = infinite.Tokens, Side = [float.PositiveInfinity, .. infinite.Side[1..]] } });
        var badScores = EstimatorWorkout.ScoreRows(loaded.Transform(bad)).Single();
        Assert.All(badScores, v => Assert.True(float.IsNaN(v), $"An infinite side value scored {v}."));
        for (int i = 0; i < rows.Length; i++)
        {
            float[] expected = task == RecurrentTask.MulticlassClassification ? RecurrentTrainerTests.Softmax(native[i]) : native[i];
            Assert.Equal(expected.Length, scores[i].Length);
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - scores[i][j]) <= 1e-5, $"Row {i}, output {j}: native {expected[j]}, ONNX {scores[i][j]}.");
        }
    }

    /// <summary>Half the labels come from side slot 0 alone, which no sequence shows: the sequence model cannot learn them,
    /// the wide part joined to it does.</summary>
    [Fact]
    public void TheWidePartLearnsWhatOnlyTheSideFeaturesTell()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Rows(300, 4));
        double AccuracyWith(string? side)
        {
            var options = Options("Label", epochs: 15);
            options.SideFeatureColumnName = side;
            using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(data);
            return ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy;
        }
        double deep = AccuracyWith(null), wideAndDeep = AccuracyWith("Side");
        // Measured: 0.95 and 0.66.
        Assert.True(wideAndDeep >= 0.9, $"Wide and deep: training accuracy {wideAndDeep:F3}.");
        Assert.True(wideAndDeep - deep >= 0.15, $"Wide and deep {wideAndDeep:F3}, the sequence alone {deep:F3}: the side features should add at least 15 points.");
    }

    /// <summary>With early stopping, wide and deep keeps the mean of its three best epochs' weights unless told otherwise; the
    /// LSTM alone keeps its best epoch, and takes a number when given one. The saved summary says which epochs.</summary>
    [Fact]
    public void WideAndDeepAveragesItsBestEpochsByDefault()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Rows(300, 5));
        RecurrentTrainerEstimator Trainer(string? side, int? averaged)
        {
            var options = Options("Label", epochs: 8);
            options.SideFeatureColumnName = side;
            options.ValidationFraction = 0.3;
            options.EarlyStoppingPatience = 8;
            options.AveragedEpochs = averaged;
            return ml.BinaryClassification.Trainers.Lstm(options);
        }
        var wide = Trainer("Side", null);
        using var model = wide.Fit(data);
        var summary = wide.LastSummary!;
        Assert.Equal(3, summary.AveragedEpochs.Count);
        Assert.Equal(summary.KeptEpoch, summary.AveragedEpochs[0]);
        Assert.Equal(3, summary.AveragedEpochs.Distinct().Count(e => e >= 1 && e <= summary.History.Count));
        Assert.Contains($"kept the mean of the weights of epochs {summary.AveragedEpochs[0]}, {summary.AveragedEpochs[1]} and {summary.AveragedEpochs[2]}", summary.ToString());
        string path = _temp.File("averaged.zip");
        ml.Model.Save(model, data.Schema, path);
        Assert.Equal(summary.AveragedEpochs, Onnx.RecurrentModelFile.ReadSummary(path).AveragedEpochs);

        var deep = Trainer(null, null);
        deep.Fit(data).Dispose();
        Assert.Empty(deep.LastSummary!.AveragedEpochs);
        Assert.Contains($"kept the weights of epoch {deep.LastSummary.KeptEpoch}", deep.LastSummary.ToString());
        var told = Trainer(null, 2);
        told.Fit(data).Dispose();
        Assert.Equal(2, told.LastSummary!.AveragedEpochs.Count);
        var once = Trainer("Side", 1);
        once.Fit(data).Dispose();
        Assert.Empty(once.LastSummary!.AveragedEpochs);
        // ML.NET's Fit(train, validation) averages as the hold-out does.
        var given = Trainer("Side", null);
        given.Fit(data, ml.Data.LoadFromEnumerable(Rows(100, 6))).Dispose();
        Assert.Equal(3, given.LastSummary!.AveragedEpochs.Count);

        Assert.Contains("AveragedEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(
            new RecurrentTrainerOptions { FeatureColumnName = "Tokens", AveragedEpochs = 0 })).Message);
        Assert.Contains("ValidationFraction is 0", Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(
            new RecurrentTrainerOptions { FeatureColumnName = "Tokens", AveragedEpochs = 3, ValidationFraction = 0 })).Message);
    }

    public sealed class BadSideRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        public float[] Ragged { get; set; } = [];

        [VectorType(3)]
        public float[] Side { get; set; } = [];

        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    public sealed class WiderSideRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        [VectorType(4)]
        public float[] Side { get; set; } = [];

        public bool Label { get; set; }
    }

    [Fact]
    public void BadSideFeaturesAreNamed()
    {
        var ml = _temp.Context();
        var rows = new[]
        {
            new BadSideRow { Tokens = [1, 2], Ragged = [1], Side = [1, 0, 0], Text = "a", Label = true },
            new BadSideRow { Tokens = [3], Ragged = [1, 2], Side = [0, float.NaN, 0], Text = "b", Label = false },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        RecurrentTrainerOptions With(string side) => new() { FeatureColumnName = "Tokens", SideFeatureColumnName = side, HiddenSize = 3, Epochs = 1 };

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(With("Ngrams")).Fit(data));
        Assert.Contains("Column 'Ngrams' not found", missing.Message);
        foreach (string column in new[] { "Ragged", "Text" })
        {
            var mistyped = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(With(column)).Fit(data));
            Assert.Contains($"Column '{column}'", mistyped.Message);
            Assert.Contains("float vector of known size", mistyped.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(With(column)).GetOutputSchema(EstimatorWorkout.ShapeOf<BadSideRow>()));
        }

        var nan = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(With("Side")).Fit(data));
        Assert.Contains("Column 'Side', row 1, slot 1", nan.Message);
        // Validation data whose side features have another width: named, not the feature column (of the same type).
        var valid = ml.Data.LoadFromEnumerable(rows.Take(1));
        var wider = ml.Data.LoadFromEnumerable(new[] { new WiderSideRow { Tokens = [1], Side = [1, 0, 0, 0], Label = true } });
        var other = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(With("Side")).Fit(valid, wider));
        Assert.StartsWith("Column 'Side' of the validation data given is Vector<Single, 4>, the training data's Vector<Single, 3>", other.Message);

        Assert.Contains("SideFeatureColumnName", Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(With("Tokens"))).Message);
        var tagger = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", LabelColumnName = "Tags", SideFeatureColumnName = "Side" }));
        Assert.Contains("SideFeatureColumnName", tagger.Message);
    }
}
