using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>Each kind of bad input gets an exception naming the column (and row, where known) and what was expected.</summary>
public class BadInputTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RecurrentTrainerOptions Options(string features = "Tokens", string label = "Label") =>
        new() { FeatureColumnName = features, LabelColumnName = label, HiddenSize = 3, Epochs = 1 };

    public sealed class StepsRow
    {
        public float[] Steps { get; set; } = [];
        public bool Label { get; set; }
        [KeyType(2)]
        public uint Class { get; set; }
        public float Value { get; set; }
    }

    public sealed class KeysRow
    {
        [KeyType(5)]
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
        [KeyType(2)]
        public uint Class { get; set; }
        public float Value { get; set; }
    }

    [Fact]
    public void MissingOrMistypedColumnsAreNamed()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2] } });
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(Options(features: "Words")).Fit(data));
        Assert.Contains("'Words'", missing.Message);
        Assert.Contains("vector of keys", missing.Message);
        var mistypedLabel = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Lstm(Options(label: "Label")).Fit(data));
        Assert.Contains("'Label'", mistypedLabel.Message);
        Assert.Contains("Single", mistypedLabel.Message);
        var mistypedFeatures = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(Options(features: "Label")).Fit(data));
        Assert.Contains("'Label'", mistypedFeatures.Message);
        var notKey = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Gru(Options(label: "Label")).Fit(data));
        Assert.Contains("key label", notKey.Message);
        // A label of one class says so (ML.NET writes its key type as "0-0").
        var oneClass = ml.Transforms.Conversion.MapValueToKey("OneClass", "Label").Fit(ml.Data.LoadFromEnumerable(new[] { new KeysRow { Label = true } })).Transform(data);
        var oneClassError = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Gru(Options(label: "OneClass")).Fit(oneClass));
        Assert.Contains("(1 class)", oneClassError.Message);
        // Named as the other schema errors are (it named a parameter of the library's own).
        Assert.Equal("schema", oneClassError.ParamName);
        // The same checks run on schema shapes, before any data is read.
        var shape = EstimatorWorkout.ShapeOf<KeysRow>();
        Assert.Contains("'Words'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(Options(features: "Words")).GetOutputSchema(shape)).Message);
        Assert.Contains("'Label'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Lstm(Options()).GetOutputSchema(shape)).Message);
    }

    public sealed class OneHotRow
    {
        [VectorType(3, 4)]
        public float[] OneHot { get; set; } = new float[12];

        public bool Label { get; set; }
    }

    /// <summary>A one-hot column built by hand (a [T, V] vector) with a value other than 0 or 1, or a step with two 1s:
    /// training refuses it naming the step, and a saved model scores it NaN (it took the step's largest slot).</summary>
    [Fact]
    public void ARowThatIsNotOneHotIsRefusedAndScoresNaN()
    {
        var ml = _temp.Context();
        static float[] Steps(params (int Step, int Slot, float Value)[] set)
        {
            var values = new float[12];
            foreach (var (step, slot, value) in set) values[step * 4 + slot] = value;
            return values;
        }
        var train = ml.Data.LoadFromEnumerable(new[] { new OneHotRow { OneHot = Steps((0, 1, 1), (1, 2, 1)), Label = true }, new OneHotRow { OneHot = Steps((0, 3, 1)) } });
        var options = new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 3, Epochs = 1 };
        var bad = ml.Data.LoadFromEnumerable(new[] { new OneHotRow { OneHot = Steps((0, 1, 1)), Label = true }, new OneHotRow { OneHot = Steps((0, 1, 2)) }, new OneHotRow { OneHot = Steps((1, 0, 1), (1, 2, 1)) } });
        var error = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(bad));
        Assert.Contains("Column 'OneHot', row 1, step 0: expected one-hot rows", error.Message);
        using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(train);
        var scores = model.Transform(bad).GetColumn<float>("Score").ToArray();
        Assert.True(float.IsFinite(scores[0]), $"row 0 scored {scores[0]}");
        Assert.All(scores[1..], score => Assert.True(float.IsNaN(score), $"scored {score}"));
    }

    [Fact]
    public void AnEmptySequenceIsNamedWithItsRow()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1], Label = true }, new KeysRow { Tokens = [] } });
        var error = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(Options()).Fit(data));
        Assert.Contains("Column 'Tokens', row 1", error.Message);
        Assert.Contains("empty", error.Message);
    }

    /// <summary>What training refuses never gets a finite score from a saved model: NaN or infinite steps, empty sequences
    /// and values that do not split into steps score NaN (documented), for every task; good rows beside them score as before.</summary>
    [Theory]
    [InlineData(RecurrentTask.BinaryClassification)]
    [InlineData(RecurrentTask.MulticlassClassification)]
    [InlineData(RecurrentTask.Regression)]
    public void ScoringRowsThatTrainingRefusesGivesNaN(RecurrentTask task)
    {
        var ml = _temp.Context();
        var train = ml.Data.LoadFromEnumerable(new[] { new StepsRow { Steps = [1, 2], Label = true, Class = 1, Value = 1 }, new StepsRow { Steps = [-1, 0, 3, 1], Class = 0, Value = -1 } });
        var keys = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true, Class = 1, Value = 1 }, new KeysRow { Tokens = [3], Class = 0 } });
        string label = task switch { RecurrentTask.MulticlassClassification => "Class", RecurrentTask.Regression => "Value", _ => "Label" };
        var stepOptions = new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 2, Epochs = 1, HiddenSize = 3, LabelColumnName = label };
        var keyOptions = Options(label: label);
        IEstimator<ITransformer> Trainer(RecurrentTrainerOptions options) => task switch
        {
            RecurrentTask.BinaryClassification => ml.BinaryClassification.Trainers.Lstm(options),
            RecurrentTask.MulticlassClassification => ml.MulticlassClassification.Trainers.Gru(options),
            _ => ml.Regression.Trainers.SimpleRnn(options),
        };
        float[][] Scores(IEstimator<ITransformer> trainer, IDataView fitOn, IDataView score)
        {
            using var model = (IDisposable)trainer.Fit(fitOn);
            return EstimatorWorkout.ScoreRows(((ITransformer)model).Transform(score));
        }

        var steps = ml.Data.LoadFromEnumerable(new[]
        {
            new StepsRow { Steps = [1, 2] }, new StepsRow { Steps = [1, float.NaN] }, new StepsRow { Steps = [float.PositiveInfinity, 0, 1, 1] },
            new StepsRow { Steps = [0, float.NegativeInfinity] }, new StepsRow { Steps = [] }, new StepsRow { Steps = [1, 2, 3] },
        });
        var scores = Scores(Trainer(stepOptions), train, steps);
        Assert.All(scores[0], v => Assert.True(float.IsFinite(v)));
        for (int row = 1; row < scores.Length; row++) Assert.All(scores[row], v => Assert.True(float.IsNaN(v), $"Row {row} scored {v}."));
        var keyScores = Scores(Trainer(keyOptions), keys, ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [2] }, new KeysRow { Tokens = [] } }));
        Assert.All(keyScores[0], v => Assert.True(float.IsFinite(v)));
        Assert.All(keyScores[1], v => Assert.True(float.IsNaN(v), $"The empty sequence scored {v}."));
    }

    /// <summary>Input dropout masks embedded features: one-hot input is refused, at creation (EmbeddingSize 0) or at Fit
    /// (a OneHotSequence column, named).</summary>
    [Fact]
    public void InputDropoutOnOneHotInputIsRefused()
    {
        var ml = _temp.Context();
        Assert.Contains("InputDropout", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", EmbeddingSize = 0, InputDropout = 0.2 })).Message);
        var data = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true }, new KeysRow { Tokens = [3] } });
        var pipeline = ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 4)
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", InputDropout = 0.2, Epochs = 1 }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(data));
        Assert.Contains("Column 'OneHot'", error.Message);
        Assert.Contains("InputDropout", error.Message);
    }

    [Fact]
    public void NaNInNumericStepsIsNamedWithItsRowAndStep()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new StepsRow { Steps = [1, 2], Label = true }, new StepsRow { Steps = [1, 2, float.NaN, 4] } });
        var error = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 2, Epochs = 1 }).Fit(data));
        Assert.Contains("Column 'Steps', row 1, step 1", error.Message);
        var ragged = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 3, Epochs = 1 }).Fit(data));
        Assert.Contains("row 0", ragged.Message);
        Assert.Contains("FeaturesPerStep", ragged.Message);
    }

    public sealed class TaggedKeysRow
    {
        [KeyType(5)]
        public uint[] Tokens { get; set; } = [];
        [KeyType(2)]
        public uint[] Tags { get; set; } = [];
    }

    public sealed class WideKeysRow
    {
        [KeyType(5)]
        public ulong[] Tokens { get; set; } = [];

        public bool Label { get; set; }
    }

    /// <summary>ML.NET leaves the keys of a [KeyType] vector property as given, so a key past the key type's count reaches
    /// training: named with its column, row and step, for the tokens and for the tags (it used to surface as the engine's
    /// "token id" or "target row" of a batch position, naming no column).</summary>
    [Fact]
    public void KeysPastTheKeyTypeAreNamedWithTheirRowAndStep()
    {
        var ml = _temp.Context();
        var tokens = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true }, new KeysRow { Tokens = [3, 9], Label = false } });
        var token = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(Options()).Fit(tokens));
        Assert.Contains("Column 'Tokens', row 1, step 1: key 9 is past the 5 keys", token.Message);
        // A UInt64 key past UInt32's range too (it was a bare OverflowException, naming nothing).
        var wide = ml.Data.LoadFromEnumerable(new[] { new WideKeysRow { Tokens = [1, 2], Label = true }, new WideKeysRow { Tokens = [3, 5_000_000_000], Label = false } });
        Assert.Contains("Column 'Tokens', row 1, step 1: key 4294967295 or more is past the 5 keys",
            Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(Options()).Fit(wide)).Message);
        // A saved model scores such a row NaN, as every row training refuses (it read key 9 as unknown, a finite score).
        var valid = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true }, new KeysRow { Tokens = [3, 4], Label = false } });
        using (var model = ml.BinaryClassification.Trainers.Lstm(Options()).Fit(valid))
        {
            var scores = model.Transform(tokens).GetColumn<float>("Score").ToArray();
            Assert.True(float.IsFinite(scores[0]), $"row 0 scored {scores[0]}");
            Assert.True(float.IsNaN(scores[1]), $"row 1 scored {scores[1]}");
        }
        var tags = ml.Data.LoadFromEnumerable(new[] { new TaggedKeysRow { Tokens = [1, 2], Tags = [1, 2] }, new TaggedKeysRow { Tokens = [3, 4], Tags = [3, 1] } });
        var tag = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.SequenceTagger(
            new SequenceTaggerOptions { FeatureColumnName = "Tokens", LabelColumnName = "Tags", HiddenSize = 3, Epochs = 1 }).Fit(tags));
        Assert.Contains("Column 'Tags', row 1, step 0: key 3 is past the 2 tags", tag.Message);
    }

    [Fact]
    public void MissingLabelsAreNamedWithTheirRow()
    {
        var ml = _temp.Context();
        var keys = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1], Class = 0 }, new KeysRow { Tokens = [2], Class = 7 } });
        var key = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Lstm(Options(label: "Class")).Fit(keys));
        Assert.Contains("Column 'Class', row 1", key.Message);
        Assert.Contains("missing", key.Message);
        var steps = ml.Data.LoadFromEnumerable(new[] { new StepsRow { Steps = [1], Value = float.NaN } });
        var value = Assert.Throws<InvalidOperationException>(() => ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", LabelColumnName = "Value", Epochs = 1 }).Fit(steps));
        Assert.Contains("Column 'Value', row 0: the label is missing (NaN)", value.Message);
        var infinite = ml.Data.LoadFromEnumerable(new[] { new StepsRow { Steps = [1], Value = float.PositiveInfinity } });
        Assert.Contains("expected a finite number", Assert.Throws<InvalidOperationException>(() =>
            ml.Regression.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", LabelColumnName = "Value", Epochs = 1 }).Fit(infinite)).Message);
    }

    /// <summary>Binary training rows all of one class are refused before any batch trains, naming the column, the count and the
    /// class, and the hold-out when it took the other class's rows; one row of the other class, however late, is enough.</summary>
    [Fact]
    public void BinaryLabelsOfOneClassAreRefusedBeforeTraining()
    {
        var ml = _temp.Context();
        var rows = Enumerable.Range(0, 40).Select(i => new KeysRow { Tokens = [(uint)(i % 5 + 1)], Label = true }).ToArray();
        var batches = new List<BatchReport>();
        var options = Options();
        options.BatchProgress = new ImmediateProgress<BatchReport>(batches.Add);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Column 'Label': all 40 training rows are true; a binary classifier needs rows of both classes", error.Message);
        Assert.Empty(batches);
        rows[^1].Label = false;
        (options.HoldOutLastRows, options.ValidationFraction) = (true, 0.1);
        var heldOut = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Column 'Label': the rows held out for validation took every false one, leaving 36 training rows that are all true", heldOut.Message);
        Assert.Empty(batches);
        // An ensemble's second network, whose hold-out (seeded Seed + 1) draws the false row where the first network's does not.
        options.HoldOutLastRows = false;
        (options.Seed, options.ValidationFraction, options.EnsembleSize) = (Enumerable.Range(0, 1000).First(s =>
            !new ValidationSplit(0.5, s).IsValidation(39) && new ValidationSplit(0.5, s + 1).IsValidation(39)), 0.5, 2);
        var member = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("held out for validation by network 2 of the ensemble's 2, whose seed is Seed + 1, took every false one", member.Message);
        Assert.Empty(batches);
        (options.ValidationFraction, options.EnsembleSize) = (0, 1);
        using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.NotEmpty(batches);
    }

    /// <summary>A hold-out that drew no row left early stopping a validation loss of 0 that no later epoch beats, so the
    /// first epoch was kept: refused, saying which rows were to be held out, by the trainers and the text models alike.</summary>
    [Fact]
    public void AnEmptyHoldOutIsRefusedWhenEarlyStoppingNeedsIt()
    {
        var ml = _temp.Context();
        var rows = Enumerable.Range(0, 8).Select(i => new KeysRow { Tokens = [(uint)(i % 5 + 1)], Label = i % 2 == 0 }).ToArray();
        var train = ml.Data.LoadFromEnumerable(rows);
        var given = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(Options()).Fit(train, ml.Data.LoadFromEnumerable(Array.Empty<KeysRow>())));
        Assert.Contains("no validation examples (the validation data given)", given.Message);
        // Named by Fit's own parameters, not the engine's.
        Assert.Equal("validationData", given.ParamName);

        // A seed whose hash holds out none of 8 rows (a tenth is asked for).
        int seed = Enumerable.Range(0, 1000).First(s => Enumerable.Range(0, 8).All(i => !new ValidationSplit(0.1, s).IsValidation(i)));
        var options = Options();
        (options.EarlyStoppingPatience, options.Seed, options.EnsembleSize) = (1, seed, 1);
        var drawn = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(train));
        Assert.Contains("no validation examples (the held-out rows)", drawn.Message);
        Assert.Equal("trainData", drawn.ParamName);
        Assert.DoesNotContain("(Parameter 'validation')", drawn.Message);

        var texts = ml.Data.LoadFromEnumerable(new[] { "abc", "abd", "bcd", "cab", "dab", "bad", "cad", "dcb" }.Select(t => new OptionsTests.TextRow { Text = t }));
        var generator = new Generation.SequenceGeneratorOptions { HiddenSize = 4, EmbeddingSize = 3, Epochs = 1, EarlyStoppingPatience = 1, Seed = seed };
        var text = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Text.SequenceGenerator(generator).Fit(texts));
        Assert.Contains($"left none of the 8 texts", text.Message);
        // Without early stopping the generator trains, reporting no validation.
        generator.EarlyStoppingPatience = null;
        using var model = ml.Transforms.Text.SequenceGenerator(generator).Fit(texts);
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var ml = _temp.Context();
        Assert.Contains("EarlyStoppingPatience", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { EarlyStoppingPatience = 2, ValidationFraction = 0 })).Message);
        // Epochs = 0 packages given weights: the refusal says what it needs.
        Assert.Contains("Epochs", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { Epochs = 0 })).Message);
        Assert.Contains("(0, which trains nothing, needs InitialWeights to package)", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { Epochs = 0 })).Message);
        Assert.DoesNotContain("InitialWeights", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceGenerator(new Generation.SequenceGeneratorOptions { Epochs = 0 })).Message);
        Assert.Contains("ValidationFraction", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { ValidationFraction = 1 })).Message);
        // Averaging needs early stopping to rank the epochs: a share held out by hand without patience has none.
        Assert.Contains("without EarlyStoppingPatience", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { ValidationFraction = 0.2, AveragedEpochs = 3 })).Message);
        Assert.NotNull(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { ValidationFraction = 0.2, EarlyStoppingPatience = 1, AveragedEpochs = 3 }));
        // The pooled state's copy would silently replace a column that scoring and evaluation read.
        foreach (string output in new[] { "Score", "PredictedLabel", "Probability", "Label" })
            Assert.Contains("PooledStateColumnName", Assert.Throws<ArgumentOutOfRangeException>(() =>
                ml.MulticlassClassification.Trainers.Lstm(new RecurrentTrainerOptions { PooledStateColumnName = output })).Message);
    }

    /// <summary>A network whose weights would not fit one array is refused naming the weight and the settings that size it,
    /// before any of it is allocated (it was a bare OverflowException).</summary>
    [Fact]
    public void ANetworkTooLargeForOneArrayIsRefusedNamingItsSize()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true }, new KeysRow { Tokens = [3] } });
        var options = Options();
        options.HiddenSize = 30_000;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data));
        Assert.Contains("The network is too large", error.Message);
        Assert.Contains("[30000, 120000]", error.Message);
        Assert.Contains("HiddenSize", error.Message);
    }

    [Fact]
    public void CorruptFilesAreRejectedClearly()
    {
        string zip = _temp.File("corrupt.zip"), onnx = _temp.File("corrupt.onnx"), plainZip = _temp.File("plain.zip");
        File.WriteAllBytes(zip, [1, 2, 3, 4, 5]);
        File.WriteAllBytes(onnx, [0xff, 0xfe, 0x01, 0x80, 0x80]);
        Assert.Contains("corrupt.zip", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ReadSummary(zip)).Message);
        Assert.Contains("corrupt.onnx", Assert.Throws<InvalidDataException>(() => OnnxImport.Read(onnx)).Message);
        // A valid ML.NET model without an ONNX part: not one of ours.
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new StepsRow { Steps = [1] } });
        ml.Model.Save(ml.Transforms.CopyColumns("Copy", "Value").Fit(data), data.Schema, plainZip);
        Assert.Contains("no ONNX model", Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ExportOnnx(plainZip, _temp.File("out.onnx"))).Message);
        Assert.False(File.Exists(_temp.File("out.onnx")));
        // A model .zip given to the import is named as one, not as a damaged graph.
        Assert.Contains("is a .zip (an ML.NET model), not an ONNX graph", Assert.Throws<InvalidDataException>(() => OnnxImport.Read(plainZip)).Message);
        // ML.NET's own loader rejects the corrupt zip too.
        Assert.ThrowsAny<Exception>(() => ml.Model.Load(zip, out _));
    }

    /// <summary>A file of the wrong kind is named for what it is: an exported graph given where a model .zip is loaded (it was
    /// "End of Central Directory record could not be found"; ReadSummary reads the summary it carries), or to the import,
    /// whose refusal named an unsupported node; an ONNX graph of another framework given as a model .zip; a folder (it was
    /// "access denied").</summary>
    [Fact]
    public void AFileOfTheWrongKindIsNamedForWhatItIs()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new KeysRow { Tokens = [1, 2], Label = true }, new KeysRow { Tokens = [3] } });
        string zip = _temp.File("kind.zip"), exported = _temp.File("kind.onnx"), folder = _temp.File("kind-folder");
        using (var model = ml.BinaryClassification.Trainers.Lstm(Options()).Fit(data)) ml.Model.Save(model, data.Schema, zip);
        RecurrentModelFile.ExportOnnx(zip, exported);
        Directory.CreateDirectory(folder);
        string foreign = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch_lstm_binary.onnx");

        // The export carries the summary, which ReadSummary reads from it as from the .zip.
        Assert.Equal(RecurrentModelFile.ReadSummary(zip).ToString(), RecurrentModelFile.ReadSummary(exported).ToString());
        void Load(string path) => RecurrentModelFile.Load(ml, path, out _);
        void Export(string path) => RecurrentModelFile.ExportOnnx(path, _temp.File("again.onnx"));
        foreach (var read in new Action<string>[] { Load, Export })
            Assert.Contains($"'{exported}' is an ONNX graph, not a model .zip (RecurrentModelFile.ExportOnnx writes such graphs for other runtimes): read the .zip it was exported from",
                Assert.Throws<InvalidDataException>(() => read(exported)).Message);
        foreach (var read in new Action<string>[] { p => RecurrentModelFile.ReadSummary(p), Load, Export })
        {
            Assert.Contains($"'{foreign}' is an ONNX graph, not a model .zip: load it with MLContext.Transforms.ApplyOnnxModel, or read its recurrent weights with OnnxImport.Read",
                Assert.Throws<InvalidDataException>(() => read(foreign)).Message);
            Assert.Contains($"'{folder}' is a folder; expected a file.", Assert.Throws<InvalidDataException>(() => read(folder)).Message);
        }
        Assert.Contains($"'{exported}' is a graph RnnMlNet wrote (RecurrentModelFile.ExportOnnx writes them for other runtimes), which OnnxImport does not read back",
            Assert.Throws<InvalidDataException>(() => OnnxImport.Read(exported)).Message);
        Assert.Contains($"'{folder}' is a folder; expected a file.", Assert.Throws<InvalidDataException>(() => OnnxImport.Read(folder)).Message);
        Assert.False(File.Exists(_temp.File("again.onnx")));
    }
}
