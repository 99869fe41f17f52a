using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// One small model of every kind RnnMlNet saves, with the rows it scores and the columns whose values are compared.
/// The fixture maker (tests/fixture-makers/SavedModels) compiles this file against an earlier version of the library to
/// write Fixtures/saved-models; <see cref="SavedModelTests"/> loads those zips with the current one. Only API that both
/// versions share may be used here.
/// </summary>
internal static class SavedModelCases
{
    public sealed record Case(string Name, Func<MLContext, IEstimator<ITransformer>> Pipeline, Func<MLContext, IDataView> Training,
        Func<MLContext, IDataView> Scored, string[] Outputs);

    public sealed class TaggedRow
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        public string[] Tags { get; set; } = [];
    }

    public sealed class TextRow
    {
        public string Text { get; set; } = "";
        public string Prompt { get; set; } = "";
        public string Input { get; set; } = "";
        public string Target { get; set; } = "";
    }

    private static RecurrentTrainerOptions Trainer(string label, string features) => new()
    {
        LabelColumnName = label, FeatureColumnName = features, HiddenSize = 5, EmbeddingSize = 3, Epochs = 2, LearningRate = 0.01, Seed = 4, FeaturesPerStep = 2,
    };

    private static IDataView Tokens(MLContext ml, int seed) => ml.Data.LoadFromEnumerable(SyntheticData.TokenRows(24, seed));

    private static IDataView Steps(MLContext ml, int seed) => ml.Data.LoadFromEnumerable(SyntheticData.StepRows(24, seed));

    private static IDataView Tagged(MLContext ml, int seed) => ml.Data.LoadFromEnumerable(SyntheticData.TokenRows(24, seed)
        .Select(r => new TaggedRow { Tokens = r.Tokens, Tags = r.Tokens.Select(t => t % 2 == 0 ? "even" : "odd").ToArray() }));

    private static IDataView Texts(MLContext ml) => ml.Data.LoadFromEnumerable(new[] { "abba", "abc", "cab", "bca", "acab" }
        .Select(t => new TextRow { Text = t, Prompt = t[..1], Input = t, Target = string.Join(' ', t.Reverse()) }));

    public static readonly Case[] All =
    [
        new("binary-lstm-keys", ml => ml.BinaryClassification.Trainers.Lstm(Trainer("Label", "Tokens")), ml => Tokens(ml, 1), ml => Tokens(ml, 2),
            ["Score", "Probability", "PredictedLabel"]),
        new("multiclass-gru-keys", ml => ml.MulticlassClassification.Trainers.Gru(Trainer("Class", "Tokens")), ml => Tokens(ml, 1), ml => Tokens(ml, 2),
            ["Score", "PredictedLabel"]),
        new("regression-simplernn-steps", ml => ml.Regression.Trainers.SimpleRnn(Trainer("Value", "Steps")), ml => Steps(ml, 1), ml => Steps(ml, 2),
            ["Score"]),
        new("binary-gru-onehot", ml => ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 6).Append(ml.BinaryClassification.Trainers.Gru(Trainer("Label", "OneHot"))),
            ml => Tokens(ml, 1), ml => Tokens(ml, 2), ["Score", "Probability", "PredictedLabel"]),
        new("tagger-lstm", ml => ml.Transforms.Conversion.MapValueToKey("TagKeys", "Tags").Append(ml.MulticlassClassification.Trainers.SequenceTagger(
                new SequenceTaggerOptions { LabelColumnName = "TagKeys", FeatureColumnName = "Tokens", HiddenSize = 5, EmbeddingSize = 3, Epochs = 2, Seed = 4 })),
            ml => Tagged(ml, 1), ml => Tagged(ml, 2), ["Score", "PredictedLabel"]),
        new("generator", ml => ml.Transforms.Text.SequenceGenerator(new SequenceGeneratorOptions { HiddenSize = 6, EmbeddingSize = 3, Epochs = 2, MaximumLength = 5, Temperature = 0, ValidationFraction = 0 }),
            Texts, Texts, ["Generated"]),
        new("seq2seq-beam", ml => ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { HiddenSize = 6, EmbeddingSize = 3, Epochs = 2, MaximumLength = 5, BeamWidth = 2, BidirectionalEncoder = true }),
            Texts, Texts, ["Output"]),
    ];

    /// <summary>The values of the compared columns, one line per row, floats in round-trip form.</summary>
    public static string Describe(ITransformer model, IDataView scored, string[] outputs)
    {
        var view = model.Transform(scored);
        var lines = new List<string>();
        var preview = view.Preview(maxRows: 1000);
        foreach (var row in preview.RowView)
            lines.Add(string.Join(" | ", outputs.Select(name => Format(row.Values.Single(v => v.Key == name).Value))));
        return string.Join('\n', lines) + '\n';
    }

    private static string Format(object value) => value switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        VBuffer<float> v => string.Join(' ', v.DenseValues().Select(f => f.ToString("R", CultureInfo.InvariantCulture))),
        VBuffer<uint> keys => string.Join(' ', keys.DenseValues()),
        VBuffer<ReadOnlyMemory<char>> texts => string.Join(' ', texts.DenseValues()),
        ReadOnlyMemory<char> text => text.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
