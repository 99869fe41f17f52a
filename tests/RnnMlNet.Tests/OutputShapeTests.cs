using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// The columns a recurrent trainer adds have the types ML.NET's own trainer of the same task gives (SDCA), so evaluators,
/// PredictionEngine classes and code written for ML.NET's trainers work unchanged: binary Score, Probability and
/// PredictedLabel; multiclass Score as a vector of C and PredictedLabel as a key with the label's key values (names or numbers);
/// regression Score; the multiclass Score's slot names are the class names, as SDCA's, and survive save and load.
/// </summary>
public class OutputShapeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly string[] Added = ["Score", "Probability", "PredictedLabel"];

    private static void AssertSameColumns(DataViewSchema ours, DataViewSchema mlNets)
    {
        foreach (string name in Added)
        {
            var theirs = mlNets.GetColumnOrNull(name);
            var mine = ours.GetColumnOrNull(name);
            Assert.Equal(theirs is null, mine is null);
            if (theirs is null) continue;
            Assert.Equal(theirs.Value.Type, mine!.Value.Type);
        }
    }

    private static string[] SlotNames(DataViewSchema.Column column)
    {
        Assert.True(column.HasSlotNames(), $"Column '{column.Name}' has no slot names.");
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(v => v.ToString()).ToArray();
    }

    public sealed class NamedRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        public string Name { get; set; } = "";
    }

    private static NamedRow[] NamedRows() =>
        SyntheticData.TokenRows(30, 3).Select((r, i) => new NamedRow { Tokens = r.Tokens, Name = new[] { "low", "middle", "high" }[i % 3] }).ToArray();

    [Fact]
    public void BinaryMulticlassAndRegressionColumnsHaveSdcasTypes()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(30, 2));
        var features = ml.Transforms.Conversion.MapKeyToVector("Features", "Tokens", outputCountVector: true);
        RecurrentTrainerOptions Options(string label) => new() { FeatureColumnName = "Tokens", LabelColumnName = label, HiddenSize = 4, Epochs = 1 };

        using (var ours = ml.BinaryClassification.Trainers.Lstm(Options("Label")).Fit(data))
            AssertSameColumns(ours.Transform(data).Schema, features.Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression("Label")).Fit(data).Transform(data).Schema);

        // Class names as text keys, as MapValueToKey makes them from a text label.
        var named = ml.Transforms.Conversion.MapValueToKey("Named", "Name").Fit(ml.Data.LoadFromEnumerable(NamedRows())).Transform(ml.Data.LoadFromEnumerable(NamedRows()));
        using (var ours = ml.MulticlassClassification.Trainers.Gru(Options("Named")).Fit(named))
        {
            var mine = ours.Transform(named).Schema;
            var sdca = features.Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Named")).Fit(named).Transform(named).Schema;
            AssertSameColumns(mine, sdca);
            Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), mine["Score"].Type);
            VBuffer<ReadOnlyMemory<char>> ourKeys = default, theirKeys = default;
            mine["PredictedLabel"].GetKeyValues(ref ourKeys);
            sdca["PredictedLabel"].GetKeyValues(ref theirKeys);
            Assert.Equal(theirKeys.DenseValues().Select(v => v.ToString()), ourKeys.DenseValues().Select(v => v.ToString()));
            Assert.Equal(["high", "low", "middle"], SlotNames(sdca["Score"]).Order());
            Assert.Equal(SlotNames(sdca["Score"]), SlotNames(mine["Score"]));
            // ML.NET's evaluator names the confusion table's rows after the Score's slot names.
            string table = ml.MulticlassClassification.Evaluate(ours.Transform(named), "Named").ConfusionMatrix.GetFormattedConfusionTable();
            Assert.Contains("middle", table);

            string path = _temp.File("multiclass.zip");
            ml.Model.Save(ours, named.Schema, path);
            var loaded = _temp.Context().LoadModel(path, out _);
            Assert.Equal(SlotNames(sdca["Score"]), SlotNames(loaded.Transform(named).Schema["Score"]));
            (loaded as IDisposable)?.Dispose();
        }

        using (var ours = ml.Regression.Trainers.SimpleRnn(Options("Value")).Fit(data))
            AssertSameColumns(ours.Transform(data).Schema, features.Append(ml.Regression.Trainers.Sdca("Value")).Fit(data).Transform(data).Schema);
    }

    public sealed class NumberRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        public float Digit { get; set; }

        public int[] Marks { get; set; } = [];

        public short Code { get; set; }
    }

    /// <summary>A label of small integers (Int16 here; Byte, SByte and UInt16 alike) names its classes by them too, and
    /// MapKeyToValue gives them back: such types fell through to the key numbers, as text.</summary>
    [Fact]
    public void ALabelOfSmallIntegersIsPredictedAsThoseIntegers()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 4).Select(r => new NumberRow { Tokens = r.Tokens, Code = new short[] { -3, 12, 40 }[r.Class] }).ToArray();
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Code").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        using var ours = ml.MulticlassClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 }).Fit(data);
        var scored = ours.Transform(data);
        VBuffer<short> keys = default;
        data.Schema["Label"].GetKeyValues(ref keys);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].GetSlotNames(ref slots);
        Assert.Equal(keys.DenseValues().Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)), slots.DenseValues().Select(s => s.ToString()));
        var codes = ml.Transforms.Conversion.MapKeyToValue("PredictedCode", "PredictedLabel").Fit(scored).Transform(scored).GetColumn<short>("PredictedCode");
        Assert.All(codes, c => Assert.Contains(c, new short[] { -3, 12, 40 }));
    }

    /// <summary>A label of numbers (MapValueToKey over a float column, as for digits; an int vector for tags): PredictedLabel
    /// carries the label's own values with their type, as SDCA's does, so MapKeyToValue gives back the numbers (the key
    /// numbers as text, before), also after save and load.</summary>
    [Fact]
    public void ALabelOfNumbersIsPredictedAsThoseNumbers()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 4).Select(r => new NumberRow
        {
            Tokens = r.Tokens, Digit = new[] { 5f, 7f, 9f }[r.Class], Marks = r.Tokens.Select(t => t > 4 ? 20 : 10).ToArray(),
        }).ToArray();
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Append(ml.Transforms.Conversion.MapValueToKey("MarkKeys", "Marks"))
            .Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var back = ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel");

        using var ours = ml.MulticlassClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 }).Fit(data);
        var sdca = ml.Transforms.Conversion.MapKeyToVector("Features", "Tokens", outputCountVector: true).Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
            .Fit(data).Transform(data);
        var scored = ours.Transform(data);
        Assert.Equal(sdca.Schema["PredictedLabel"].Type, scored.Schema["PredictedLabel"].Type);
        VBuffer<float> ourKeys = default, theirKeys = default;
        scored.Schema["PredictedLabel"].GetKeyValues(ref ourKeys);
        sdca.Schema["PredictedLabel"].GetKeyValues(ref theirKeys);
        Assert.Equal(theirKeys.DenseValues(), ourKeys.DenseValues());
        var digits = back.Fit(scored).Transform(scored).GetColumn<float>("PredictedDigit").ToArray();
        Assert.All(digits, d => Assert.Contains(d, new[] { 5f, 7f, 9f }));
        // Score's slots and the export's classes are named by the values in key order, not by the key numbers ("1", "2", "3" before).
        string[] valueNames = theirKeys.DenseValues().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(["5", "7", "9"], valueNames.Order());
        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].GetSlotNames(ref slots);
        Assert.Equal(valueNames, slots.DenseValues().Select(s => s.ToString()));
        string path = _temp.File("digits.zip"), onnx = _temp.File("digits.onnx");
        ml.Model.Save(ours, data.Schema, path);
        Onnx.RecurrentModelFile.ExportOnnx(path, onnx);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx))
            Assert.Equal(valueNames, System.Text.Json.JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.ClassNames"])!);
        var loaded = _temp.Context().LoadModel(path, out _);
        var reloaded = loaded.Transform(data);
        Assert.Equal(digits, back.Fit(reloaded).Transform(reloaded).GetColumn<float>("PredictedDigit"));
        (loaded as IDisposable)?.Dispose();

        using var tagger = ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", LabelColumnName = "MarkKeys", HiddenSize = 4, Epochs = 1 }).Fit(data);
        var tagged = tagger.Transform(data);
        var marks = back.Fit(tagged).Transform(tagged).GetColumn<int[]>("PredictedDigit").ToArray();
        Assert.All(marks.SelectMany(m => m), m => Assert.Contains(m, new[] { 10, 20 }));
        Assert.Equal(rows.Select(r => r.Marks.Length), marks.Select(m => m.Length));
    }

    /// <summary>GetOutputSchema promises what Fit gives: PredictedLabel's key values are of the label's own value type (a
    /// float digit, a short code, int tags), so a MapKeyToValue after the trainer promises Single, Int16 or Int32 (Text,
    /// before, whatever the label), and the multiclass Score carries slot names in both.</summary>
    [Theory]
    [InlineData("multiclass", nameof(NumberRow.Digit))]
    [InlineData("multiclass", nameof(NumberRow.Code))]
    [InlineData("tagger", nameof(NumberRow.Marks))]
    public void TheOutputSchemaPromisesThePredictedValuesType(string trainer, string label)
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 4).Select(r => new NumberRow
        {
            Tokens = r.Tokens, Digit = new[] { 5f, 7f, 9f }[r.Class], Code = new short[] { -3, 12, 40 }[r.Class], Marks = r.Tokens.Select(t => t > 4 ? 20 : 10).ToArray(),
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 };
        IEstimator<ITransformer> recurrent = trainer == "tagger"
            ? ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 })
            : ml.MulticlassClassification.Trainers.Lstm(options);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", label).Append(recurrent).Append(ml.Transforms.Conversion.MapKeyToValue("Predicted", "PredictedLabel"));
        var promised = pipeline.GetOutputSchema(EstimatorWorkout.ShapeOf<NumberRow>());
        using var model = pipeline.Fit(data);
        var given = model.Transform(data).Schema;
        var predicted = given["Predicted"].Type;
        Assert.Equal((predicted as VectorDataViewType)?.ItemType ?? predicted, promised.Single(c => c.Name == "Predicted").ItemType);
        Assert.Equal(given["Score"].Annotations.Schema.GetColumnOrNull("SlotNames") is not null,
            promised.Single(c => c.Name == "Score").Annotations.Any(a => a.Name == "SlotNames"));
    }
}
