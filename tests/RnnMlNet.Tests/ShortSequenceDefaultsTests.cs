using Microsoft.ML;
using RnnMlNet.Core.Networks;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// The automatic pooling and hidden size of the classifiers and the regressor: short token sequences (at most 20 steps on
/// average) are read by max pooling over 128 units, longer ones by attention over 64, float steps by their final states;
/// what is set by hand is kept. (README, "Defaults that train well": measured on names and spam.)
/// </summary>
public class ShortSequenceDefaultsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary><paramref name="rows"/> rows alternating between <paramref name="shorter"/> and <paramref name="longer"/> tokens.</summary>
    private static SyntheticData.TokenRow[] Rows(int shorter, int longer, int rows = 40)
    {
        var random = new Random(shorter * 100 + longer);
        return Enumerable.Range(0, rows).Select(i => new SyntheticData.TokenRow
        {
            Tokens = Enumerable.Range(0, i % 2 == 0 ? shorter : longer).Select(_ => (uint)random.Next(1, SyntheticData.Vocabulary + 1)).ToArray(),
            Label = i % 4 < 2,
            Value = i % 3,
        }).ToArray();
    }

    private static RecurrentTrainerOptions Options() => new() { FeatureColumnName = "Tokens", EmbeddingSize = 2, Epochs = 1 };

    private NetworkOptions Trained(RecurrentTrainerOptions options, SyntheticData.TokenRow[] rows, RecurrentTask task = RecurrentTask.BinaryClassification)
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, rows);
        if (task == RecurrentTask.Regression) options.LabelColumnName = "Value";
        var trainer = task == RecurrentTask.Regression ? ml.Regression.Trainers.Lstm(options) : ml.BinaryClassification.Trainers.Gru(options);
        using var model = trainer.Fit(data);
        return trainer.LastNetwork!.Options;
    }

    /// <summary>The mean length decides, up to 20 steps on average inclusive: a mix of 2 and 38 tokens is short, 2 and 40 is not.</summary>
    [Theory]
    [InlineData(6, 6, true)]
    [InlineData(2, 38, true)]
    [InlineData(2, 40, false)]
    [InlineData(30, 30, false)]
    public void ShortTokenSequencesAreReadByMaxPoolingOverAWiderState(int shorter, int longer, bool isShort)
    {
        foreach (var task in new[] { RecurrentTask.BinaryClassification, RecurrentTask.Regression })
        {
            var network = Trained(Options(), Rows(shorter, longer), task);
            Assert.Equal(isShort ? (Pooling.Max, 128) : (Pooling.Attention, 64), (network.Pooling, network.HiddenSize));
        }
    }

    /// <summary>A pooling or a hidden size given by hand is kept, and the other stays automatic.</summary>
    [Fact]
    public void WhatIsSetByHandIsKept()
    {
        var pooling = Options();
        pooling.Pooling = Pooling.Last;
        Assert.Equal((Pooling.Last, 128), Shape(Trained(pooling, Rows(6, 6))));
        var width = Options();
        width.HiddenSize = 7;
        Assert.Equal((Pooling.Max, 7), Shape(Trained(width, Rows(6, 6))));
        Assert.Equal((Pooling.Attention, 7), Shape(Trained(width, Rows(30, 30))));
    }

    /// <summary>A pooled-state column's width is in the schema before any data is seen, so the automatic size is 64 there (or
    /// the starting weights'); the pooling stays automatic.</summary>
    [Fact]
    public void APooledStateColumnKeepsTheSchemasWidth()
    {
        var options = Options();
        options.PooledStateColumnName = "Embedding";
        var ml = _temp.Context();
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        var data = SyntheticData.Load(ml, Rows(6, 6));
        using var model = trainer.Fit(data);
        Assert.Equal((Pooling.Max, 64), Shape(trainer.LastNetwork!.Options));
        Assert.Equal(64, ((Microsoft.ML.Data.VectorDataViewType)model.Transform(data).Schema["Embedding"].Type).Size);

        // Starting weights of 9 units set a null width, in the network and the column alike (they were refused as 64 wide).
        var nine = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", EmbeddingSize = 2, Epochs = 1, HiddenSize = 9, Pooling = Pooling.Max });
        using (nine.Fit(data)) { }
        (options.InitialWeights, options.Epochs) = (nine.LastNetwork!.Export(), 0);
        var packaged = ml.BinaryClassification.Trainers.Lstm(options);
        using var embedded = packaged.Fit(data);
        Assert.Equal((Pooling.Max, 9), Shape(packaged.LastNetwork!.Options));
        Assert.Equal(9, ((Microsoft.ML.Data.VectorDataViewType)embedded.Transform(data).Schema["Embedding"].Type).Size);
    }

    /// <summary>Float steps keep their final states over 64 units however short, and the tagger, which pools nothing, its 64;
    /// the text models keep 128.</summary>
    [Fact]
    public void FloatStepsAndTheTaggerAreNotShortTokenSequences()
    {
        var ml = _temp.Context();
        var steps = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 2, Epochs = 1 });
        using (steps.Fit(SyntheticData.Load(ml, SyntheticData.StepRows(20, 1)))) { }
        Assert.Equal((Pooling.Last, 64), Shape(steps.LastNetwork!.Options));
        Assert.Equal(64, new SequenceTaggerOptions().HiddenSize);
        Assert.Null(new RecurrentTrainerOptions().HiddenSize);
        // Null elsewhere is the family's default.
        Assert.Equal((64, 128), (new SequenceTaggerOptions { HiddenSize = null }.HiddenSizeOrDefault, new SequenceGeneratorOptions { HiddenSize = null }.HiddenSizeOrDefault));
    }

    /// <summary>An automatic ensemble (1,000 rows or more) trains every member with the short sequences' shape.</summary>
    [Fact]
    public void EveryMemberOfAnAutomaticEnsembleHasTheShape()
    {
        var ml = _temp.Context();
        var trainer = ml.BinaryClassification.Trainers.Lstm(Options());
        using var model = trainer.Fit(SyntheticData.Load(ml, Rows(4, 4, rows: 1_000)));
        Assert.Equal(5, trainer.LastEnsemble!.Members.Count);
        Assert.All(trainer.LastEnsemble.Members, member => Assert.Equal((Pooling.Max, 128), Shape(member.Options)));
    }

    /// <summary>Starting weights were trained by a network of their own: the automatic width and pooling follow them, not the
    /// data, so weights of either shape fine-tune on short or long rows with default options.</summary>
    [Theory]
    [InlineData(Pooling.Max, 9, 30)]
    [InlineData(Pooling.Attention, 5, 6)]
    public void StartingWeightsChooseTheShapeTheyWereTrainedWith(Pooling pooling, int width, int length)
    {
        var ml = _temp.Context();
        var first = ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", EmbeddingSize = 2, Epochs = 1, Pooling = pooling, HiddenSize = width });
        using (first.Fit(SyntheticData.Load(ml, Rows(6, 6)))) { }
        var options = Options();
        options.InitialWeights = first.LastNetwork!.Export();
        Assert.Equal((pooling, width), Shape(Trained(options, Rows(length, length))));
    }

    public sealed class TaggedRow
    {
        [Microsoft.ML.Data.KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        public string[] Tags { get; set; } = [];
    }

    /// <summary>The tagger pools nothing, so its null hidden size is its family's 64, however short the rows (1,000 of them, so
    /// that the automatic ensemble counts their tokens).</summary>
    [Fact]
    public void TheTaggerKeepsItsWidthOnShortRows()
    {
        var ml = _temp.Context();
        var rows = Rows(4, 4, rows: 1_000).Select(r => new TaggedRow { Tokens = r.Tokens, Tags = r.Tokens.Select(t => t % 2 == 0 ? "even" : "odd").ToArray() });
        var tagger = ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", EmbeddingSize = 2, Epochs = 1, HiddenSize = null });
        using (ml.Transforms.Conversion.MapValueToKey("Label", "Tags").Append(tagger).Fit(SyntheticData.Load(ml, rows))) { }
        Assert.All(tagger.LastEnsemble!.Members, member => Assert.Equal((Pooling.Last, 64), Shape(member.Options)));
    }

    private static (Pooling, int) Shape(NetworkOptions network) => (network.Pooling, network.HiddenSize);
}
