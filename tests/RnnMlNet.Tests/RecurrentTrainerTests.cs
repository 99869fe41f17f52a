using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>The LSTM, GRU and SimpleRNN trainers as ML.NET estimators.</summary>
public class RecurrentTrainerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public enum Input { KeysEmbedded, KeysOneHot, OneHotSequence, Steps }

    private static RecurrentTrainerOptions Small(string label, string features, int epochs = 3) => new()
    {
        LabelColumnName = label, FeatureColumnName = features, HiddenSize = 6, EmbeddingSize = 4, Epochs = epochs, LearningRate = 0.01, Seed = 3, FeaturesPerStep = 2,
    };

    private static RecurrentTrainerEstimator Trainer(MLContext ml, RecurrentTask task, string cell, RecurrentTrainerOptions options) => (task, cell) switch
    {
        (RecurrentTask.BinaryClassification, "Lstm") => ml.BinaryClassification.Trainers.Lstm(options),
        (RecurrentTask.BinaryClassification, "Gru") => ml.BinaryClassification.Trainers.Gru(options),
        (RecurrentTask.BinaryClassification, "SimpleRnn") => ml.BinaryClassification.Trainers.SimpleRnn(options),
        (RecurrentTask.MulticlassClassification, "Lstm") => ml.MulticlassClassification.Trainers.Lstm(options),
        (RecurrentTask.MulticlassClassification, "Gru") => ml.MulticlassClassification.Trainers.Gru(options),
        (RecurrentTask.MulticlassClassification, "SimpleRnn") => ml.MulticlassClassification.Trainers.SimpleRnn(options),
        (RecurrentTask.Regression, "Lstm") => ml.Regression.Trainers.Lstm(options),
        (RecurrentTask.Regression, "Gru") => ml.Regression.Trainers.Gru(options),
        (RecurrentTask.Regression, "SimpleRnn") => ml.Regression.Trainers.SimpleRnn(options),
        _ => throw new ArgumentOutOfRangeException(nameof(task), $"{task} with {cell} has no trainer here (tagging is worked out in SequenceTaggerTests)."),
    };

    private static string LabelOf(RecurrentTask task) => task switch
    {
        RecurrentTask.BinaryClassification => "Label",
        RecurrentTask.MulticlassClassification => "Class",
        RecurrentTask.Regression => "Value",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "No label column for this task here."),
    };

    private static string[] OutputsOf(RecurrentTask task) => task switch
    {
        RecurrentTask.BinaryClassification => ["Score", "Probability", "PredictedLabel"],
        RecurrentTask.MulticlassClassification => ["Score", "PredictedLabel"],
        _ => ["Score"],
    };

    /// <summary>Every per-sequence task with every cell; tagging, whose label is a key per step, has its own workout in SequenceTaggerTests.</summary>
    public static IEnumerable<object[]> TasksAndCells() =>
        from task in Enum.GetValues<RecurrentTask>() where task != RecurrentTask.SequenceTagging
        from cell in new[] { "Lstm", "Gru", "SimpleRnn" } select new object[] { task, cell };

    [Theory]
    [MemberData(nameof(TasksAndCells))]
    public void TrainerWorkout(RecurrentTask task, string cell)
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 1));
        var trainer = Trainer(ml, task, cell, Small(LabelOf(task), "Tokens", epochs: 2));
        EstimatorWorkout.Run(_temp, trainer, data, EstimatorWorkout.ShapeOf<SyntheticData.TokenRow>(), OutputsOf(task));
    }

    public static IEnumerable<object[]> ParityCases() =>
    [
        [RecurrentTask.BinaryClassification, "Lstm", Input.KeysEmbedded, false, 1],
        [RecurrentTask.BinaryClassification, "Lstm", Input.KeysEmbedded, true, 1, 3],
        [RecurrentTask.Regression, "SimpleRnn", Input.Steps, false, 1, 2],
        [RecurrentTask.BinaryClassification, "Gru", Input.KeysOneHot, true, 1],
        [RecurrentTask.BinaryClassification, "SimpleRnn", Input.OneHotSequence, false, 2],
        [RecurrentTask.MulticlassClassification, "Lstm", Input.OneHotSequence, true, 2],
        [RecurrentTask.MulticlassClassification, "Gru", Input.KeysEmbedded, true, 2],
        [RecurrentTask.Regression, "Lstm", Input.Steps, true, 1],
        [RecurrentTask.Regression, "Gru", Input.Steps, false, 2],
        [RecurrentTask.BinaryClassification, "SimpleRnn", Input.Steps, true, 1],
        [RecurrentTask.BinaryClassification, "Lstm", Input.KeysEmbedded, true, 2, 0, Pooling.Mean],
        [RecurrentTask.MulticlassClassification, "Gru", Input.OneHotSequence, false, 1, 0, Pooling.Max],
        [RecurrentTask.Regression, "Lstm", Input.Steps, true, 1, 3, Pooling.Attention],
        [RecurrentTask.BinaryClassification, "SimpleRnn", Input.KeysOneHot, false, 2, 0, Pooling.Attention],
        [RecurrentTask.MulticlassClassification, "Lstm", Input.KeysEmbedded, false, 1, 0, Pooling.Max],
        // Ensembles: every member's graph beside the others', their logits averaged.
        [RecurrentTask.BinaryClassification, "Lstm", Input.KeysEmbedded, true, 2, 0, Pooling.Attention, 3],
        [RecurrentTask.MulticlassClassification, "Gru", Input.OneHotSequence, false, 1, 0, Pooling.Mean, 2],
        [RecurrentTask.Regression, "SimpleRnn", Input.Steps, false, 1, 2, Pooling.Last, 2],
        [RecurrentTask.BinaryClassification, "Gru", Input.KeysOneHot, true, 1, 0, Pooling.Max, 2],
    ];

    /// <summary>The ONNX graph inside the saved model scores exactly what the engine that trained it computes.</summary>
    [Theory]
    [MemberData(nameof(ParityCases))]
    public void OnnxScoresMatchTheNativeEngine(RecurrentTask task, string cell, Input input, bool bidirectional, int layers, int maximumLength = 0,
        Pooling pooling = Pooling.Last, int ensemble = 1)
    {
        var ml = _temp.Context();
        bool steps = input == Input.Steps;
        var rows = SyntheticData.TokenRows(40, 2);
        var stepRows = SyntheticData.StepRows(40, 2);
        IDataView data = steps ? SyntheticData.Load(ml, stepRows) : SyntheticData.Load(ml, rows);
        var options = Small(steps && task == RecurrentTask.BinaryClassification ? "Label" : LabelOf(task), steps ? "Steps" : "Tokens");
        options.Bidirectional = bidirectional;
        options.Layers = layers;
        options.MaximumLength = maximumLength;
        options.Pooling = pooling;
        options.EnsembleSize = ensemble;
        if (input == Input.KeysOneHot) options.EmbeddingSize = 0;
        IEstimator<ITransformer> prefix = input == Input.OneHotSequence
            ? ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 10)
            : ml.Transforms.CopyColumns("Unused", steps ? "Steps" : "Tokens");
        if (input == Input.OneHotSequence) options.FeatureColumnName = "OneHot";
        var trainer = Trainer(ml, task, cell, options);

        using var model = prefix.Append(trainer).Fit(data);
        string path = _temp.File("parity.zip");
        ml.Model.Save(model, data.Schema, path);
        using var loaded = (TransformerChain<ITransformer>)_temp.Context().LoadModel(path, out _);
        float[][] scores = EstimatorWorkout.ScoreRows(loaded.Transform(data));

        int keep = maximumLength > 0 ? maximumLength : 1_000_000;
        var sequences = steps
            ? stepRows.Select(r => Sequence<float>.FromFeatures(r.Steps.Take(2 * keep).ToArray(), 2)).ToArray()
            : rows.Select(r => Sequence<float>.FromTokens(r.Tokens.Take(keep).Select(k => (int)k).ToArray())).ToArray();
        var members = trainer.LastEnsemble!.Members;
        Assert.Equal(ensemble, members.Count);
        // Members differ (seeds Seed + k), so an average that read one member twice would not match.
        if (ensemble > 1) Assert.NotEqual(members[0].Predict(sequences)[0], members[1].Predict(sequences)[0]);
        var native = trainer.LastEnsemble.Predict(sequences);
        for (int i = 0; i < sequences.Length; i++)
        {
            float[] expected = task == RecurrentTask.MulticlassClassification ? Softmax(native[i]) : native[i];
            float[] actual = scores[i];
            Assert.Equal(expected.Length, actual.Length);
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-5, $"Row {i}, output {j}: native {expected[j]}, ONNX {actual[j]}.");
        }
    }

    /// <summary>ML.NET reads a scored view with several cursors at once (GetRowCursorSet, as its parallel consumers do): the
    /// one ONNX Runtime session behind the model gives every row the score a single cursor gives it.</summary>
    [Fact]
    public void ParallelCursorsScoreEveryRowAsOneCursorDoes()
    {
        var ml = _temp.Context();
        var data = ml.Data.Cache(SyntheticData.Load(ml, SyntheticData.TokenRows(400, 7)));
        using var model = ml.BinaryClassification.Trainers.Lstm(Small("Label", "Tokens", epochs: 1)).Fit(data);
        var scored = model.Transform(data);
        var serial = scored.GetColumn<float>("Score").ToArray();
        var cursors = scored.GetRowCursorSet([scored.Schema["Score"]], 4);
        Assert.True(cursors.Length > 1, "ML.NET gave one cursor: nothing would be read in parallel.");
        var byRow = new System.Collections.Concurrent.ConcurrentDictionary<ulong, float>();
        Parallel.ForEach(cursors, new ParallelOptions { MaxDegreeOfParallelism = cursors.Length }, cursor =>
        {
            using (cursor)
            {
                var id = cursor.GetIdGetter();
                var score = cursor.GetGetter<float>(scored.Schema["Score"]);
                DataViewRowId row = default;
                float value = 0;
                while (cursor.MoveNext())
                {
                    id(ref row);
                    score(ref value);
                    byRow[row.Low] = value;
                }
            }
        });
        Assert.Equal(Enumerable.Range(0, serial.Length).Select(i => (ulong)i), byRow.Keys.Order());
        Assert.All(byRow, pair => Assert.Equal(serial[(int)pair.Key], pair.Value));
    }

    /// <summary>ML.NET's Fit(train, validation): the loss on the validation set is measured every epoch and drives early
    /// stopping. Validated on the training rows with every label flipped, the loss rises as the model learns: training stops
    /// after the patience and keeps the first epoch.</summary>
    [Fact]
    public void AValidationSetIsMeasuredEachEpochAndStopsTraining()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(80, 3);
        var train = SyntheticData.Load(ml, rows);
        var flipped = SyntheticData.Load(ml, rows.Select(r => new SyntheticData.TokenRow { Tokens = r.Tokens, Label = !r.Label, Class = r.Class, Value = r.Value }));
        var options = Small("Label", "Tokens", epochs: 12);
        options.EarlyStoppingPatience = 2;
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        using var model = trainer.Fit(train, flipped);
        var history = trainer.LastSummary!.History;
        Assert.All(history, e => Assert.NotNull(e.ValidationLoss));
        Assert.True(history.Count < 12, $"Trained all {history.Count} epochs on a validation set that only got worse.");
        // A classifier keeps the epoch of the fewest validation errors, the lower loss among equals.
        Assert.Equal(history.OrderBy(e => e.ValidationErrorRate).ThenBy(e => e.ValidationLoss).First().Epoch, trainer.LastSummary.KeptEpoch);

        var missing = ml.Data.LoadFromEnumerable(new[] { new { Words = "a", Label = true } });
        Assert.Contains("'Tokens'", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(train, missing)).Message);
        var otherKeys = ml.Data.LoadFromEnumerable(new[] { new WiderKeysRow { Tokens = [1, 9], Label = true } });
        Assert.Contains("validation data", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(train, otherKeys)).Message);
    }

    /// <summary>A validation set transformed by an upstream pipeline fitted on itself has as many keys in another order (the
    /// mistake <c>Fit(train, validation)</c>'s documentation warns of): it was measured as if each key meant the training
    /// data's value, and is now refused naming the column, for the tokens and for the label.</summary>
    [Fact]
    public void AValidationSetWhoseKeysMeanOtherValuesIsRefused()
    {
        var ml = _temp.Context();
        var (train, validation) = (TextRows(ml, TrainingTexts), TextRows(ml, ("b b a", "y"), ("b", "x")));
        var (tokens, labels) = (WordKeys(ml), ml.Transforms.Conversion.MapValueToKey("Label", "Class"));
        var (trainTokens, ownTokens) = (tokens.Fit(train), tokens.Fit(validation));
        var (trainLabels, ownLabels) = (labels.Fit(train), labels.Fit(validation));
        IDataView Prepare(IDataView data, ITransformer tokenMap, ITransformer labelMap) => labelMap.Transform(tokenMap.Transform(data));
        var trainer = ml.MulticlassClassification.Trainers.Lstm(Small("Label", "Tokens", epochs: 1));
        var trainSet = Prepare(train, trainTokens, trainLabels);

        using (trainer.Fit(trainSet, Prepare(validation, trainTokens, trainLabels)) as IDisposable) { }
        var words = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(trainSet, Prepare(validation, ownTokens, trainLabels)));
        Assert.Contains("Column 'Tokens' of the validation data given maps key 1 to 'b', the training data's to 'a'", words.Message);
        var classes = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(trainSet, Prepare(validation, trainTokens, ownLabels)));
        Assert.Contains("Column 'Label' of the validation data given maps key 1 to 'y', the training data's to 'x'", classes.Message);
        // Named by Fit's own parameter.
        Assert.Equal("validationData", classes.ParamName);
    }

    /// <summary>A bad row of the validation data (here a class the training labels never had) is reported as the validation
    /// data's, naming its row, before any epoch trains: the validation rows were first read when the first epoch ended, and
    /// the error read like the training data's.</summary>
    [Fact]
    public void ABadValidationRowIsReportedAsTheValidationDatasBeforeTraining()
    {
        var ml = _temp.Context();
        var (train, validation) = (TextRows(ml, TrainingTexts), TextRows(ml, ("b a", "y"), ("a b", "z")));
        var upstream = WordKeys(ml).Append(ml.Transforms.Conversion.MapValueToKey("Label", "Class")).Fit(train);
        var batches = new List<BatchReport>();
        var options = Small("Label", "Tokens", epochs: 2);
        options.BatchProgress = new ImmediateProgress<BatchReport>(batches.Add);
        var trainer = ml.MulticlassClassification.Trainers.Lstm(options);
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(upstream.Transform(train), upstream.Transform(validation)));
        Assert.StartsWith("In the validation data given: Column 'Label', row 1: the label is missing", error.Message);
        Assert.Empty(batches);
    }

    /// <summary>Float steps in the (timesteps, features) layout, a [T, F] column, train and score as the same values in a
    /// flat column of T·F do (they were read as a one-hot sequence and refused at the first value other than 0 or 1), also
    /// after save and load; a second dimension other than FeaturesPerStep is refused naming both.</summary>
    [Fact]
    public void FloatStepsInATwoDimensionalColumnAreReadAsSteps()
    {
        var ml = _temp.Context();
        var random = new Random(4);
        var rows = Enumerable.Range(0, 40).Select(_ =>
        {
            float[] values = Enumerable.Range(0, 10).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new GridRow { Grid = values, Flat = values, Series = values, Value = values[0] * values[9] };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        float[] Scores(string column, out TransformerChain<ITransformer> model)
        {
            var options = Small("Value", column, epochs: 3);
            model = ml.Regression.Trainers.Gru(options).Fit(data);
            return model.Transform(data).GetColumn<float>("Score").ToArray();
        }
        float[] flat = Scores(nameof(GridRow.Flat), out var flatModel), grid = Scores(nameof(GridRow.Grid), out var gridModel);
        ((IDisposable)flatModel).Dispose();
        Assert.Equal(flat, grid);
        Assert.Contains(flat, score => score != flat[0]);
        string path = _temp.File("grid.zip");
        ml.Model.Save(gridModel, data.Schema, path);
        ((IDisposable)gridModel).Dispose();
        using var loaded = (TransformerChain<ITransformer>)_temp.Context().LoadModel(path, out _);
        Assert.Equal(grid, loaded.Transform(data).GetColumn<float>("Score"));

        // A [T, 1] series with the default FeaturesPerStep, 1 (it was a one-hot sequence of one slot).
        var series = Small("Value", nameof(GridRow.Series));
        series.FeaturesPerStep = 1;
        using (var seriesModel = ml.Regression.Trainers.Gru(series).Fit(data))
        {
            series.FeatureColumnName = nameof(GridRow.Flat);
            using var flatSeries = ml.Regression.Trainers.Gru(series).Fit(data);
            Assert.Equal(flatSeries.Transform(data).GetColumn<float>("Score"), seriesModel.Transform(data).GetColumn<float>("Score"));
        }

        var options = Small("Value", nameof(GridRow.Grid));
        options.FeaturesPerStep = 5;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Gru(options).Fit(data));
        Assert.Contains("Column 'Grid' has dimensions [5, 2]; FeaturesPerStep is 5", error.Message);
    }

    public sealed class GridRow
    {
        [VectorType(5, 2)]
        public float[] Grid { get; set; } = [];

        [VectorType(10)]
        public float[] Flat { get; set; } = [];

        [VectorType(10, 1)]
        public float[] Series { get; set; } = [];

        public float Value { get; set; }
    }

    private static readonly (string Text, string Class)[] TrainingTexts = [("a a b", "x"), ("b a", "y"), ("a", "x")];

    private static IDataView TextRows(MLContext ml, params (string Text, string Class)[] rows) =>
        ml.Data.LoadFromEnumerable(rows.Select(row => new ClassTextRow { Text = row.Text, Class = row.Class }));

    /// <summary>Text's words as vocabulary keys, in Tokens.</summary>
    private static IEstimator<ITransformer> WordKeys(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Text.BuildVocabulary("Tokens", "Words"));

    public sealed class ClassTextRow
    {
        public string Text { get; set; } = "";

        public string Class { get; set; } = "";
    }

    public sealed class WiderKeysRow
    {
        [KeyType(SyntheticData.Vocabulary + 2)]
        public uint[] Tokens { get; set; } = [];

        public bool Label { get; set; }
    }

    /// <summary>BatchProgress hears of every gradient step from the estimator, with the sequences trained so far.</summary>
    [Fact]
    public void BatchProgressReportsEveryStep()
    {
        var ml = _temp.Context();
        var reports = new List<BatchReport>();
        var options = Small("Label", "Tokens", epochs: 2);
        options.BatchSize = 8;
        options.BatchProgress = new ImmediateProgress<BatchReport>(reports.Add);
        using var model = ml.BinaryClassification.Trainers.Gru(options).Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(30, 4)));
        Assert.Equal(8, reports.Count);
        Assert.Equal([30, 30], reports.Where(r => r.Batch == 4).Select(r => r.RowsInEpoch));
    }

    /// <summary>PooledStateColumnName: the vector the head reads, as a column of the saved model, equal to the engine's
    /// pooled states after save → load, on the final states and on attention-pooled outputs; promised by GetOutputSchema;
    /// refused by the tagger.</summary>
    [Theory]
    [InlineData(Pooling.Last, true)]
    [InlineData(Pooling.Attention, false)]
    public void ThePooledStateIsAColumnEqualToTheEngines(Pooling pooling, bool bidirectional)
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(30, 8);
        var data = SyntheticData.Load(ml, rows);
        var options = Small("Label", "Tokens");
        options.Pooling = pooling;
        options.Bidirectional = bidirectional;
        options.PooledStateColumnName = "Embedding";
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        Assert.Contains(trainer.GetOutputSchema(EstimatorWorkout.ShapeOf<SyntheticData.TokenRow>(d => d[nameof(SyntheticData.TokenRow.Tokens)].ColumnType =
            new VectorDataViewType(new KeyDataViewType(typeof(uint), SyntheticData.Vocabulary)))), c => c.Name == "Embedding");
        using var model = trainer.Fit(data);
        string path = _temp.File("pooled.zip");
        ml.Model.Save(model, data.Schema, path);
        using var loaded = (TransformerChain<ITransformer>)_temp.Context().LoadModel(path, out _);
        // A plain vector of the state's width, as promised (it was a [1, H] column), before and after save → load.
        var width = new VectorDataViewType(NumberDataViewType.Single, (bidirectional ? 2 : 1) * options.HiddenSize!.Value);
        Assert.Equal(width, model.Transform(data).Schema["Embedding"].Type);
        Assert.Equal(width, loaded.Transform(data).Schema["Embedding"].Type);
        var states = loaded.Transform(data).GetColumn<VBuffer<float>>("Embedding").Select(v => v.DenseValues().ToArray()).ToArray();
        var native = trainer.LastNetwork!.PooledStates(rows.Select(r => Sequence<float>.FromTokens(r.Tokens.Select(k => (int)k).ToArray())).ToArray());
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal((bidirectional ? 2 : 1) * options.HiddenSize, states[i].Length);
            for (int j = 0; j < states[i].Length; j++)
                Assert.True(Math.Abs(native[i][j] - states[i][j]) <= 1e-5, $"Row {i}, unit {j}: native {native[i][j]}, ONNX {states[i][j]}.");
        }
        // A row training refuses has no state to show: NaN, as its score.
        var empty = loaded.Transform(ml.Data.LoadFromEnumerable(new[] { new SyntheticData.TokenRow { Tokens = [] } })).GetColumn<VBuffer<float>>("Embedding").Single();
        Assert.All(empty.DenseValues(), v => Assert.True(float.IsNaN(v)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { PooledStateColumnName = "Embedding" }));
    }

    internal static float[] Softmax(float[] logits)
    {
        float max = logits.Max();
        var exp = logits.Select(x => MathF.Exp(x - max)).ToArray();
        float sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }
}
