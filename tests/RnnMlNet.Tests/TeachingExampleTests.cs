using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;
using RnnMlNet.Vocabulary;

namespace RnnMlNet.Tests;

/// <summary>The teaching material's example, end to end: vocabulary, one-hot tensor, a model that learns, reload, predict.</summary>
public class TeachingExampleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class Review
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public sealed class ReviewPrediction
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
        public float Score { get; set; }
    }

    internal static readonly Review[] Reviews =
    [
        new() { Text = "movie was good", Label = true },
        new() { Text = "movie was bad", Label = false },
        new() { Text = "movie was not good", Label = false },
    ];

    [Fact]
    public void VocabularyIsOrderedByFrequencyThenFirstOccurrence()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Reviews);
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"));
        using var model = pipeline.Fit(data);
        Assert.Equal(["movie", "was", "good", "bad", "not"], model.GetVocabulary(data.Schema, "TokenIds"));
        Assert.Equal([1u, 2u, 5u, 3u], model.Transform(data).GetColumn<VBuffer<uint>>("TokenIds").Last().DenseValues());
    }

    [Fact]
    public void OneHotSequenceGivesTheTimestepsByFeaturesTensor()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Reviews);
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
            .Append(ml.Transforms.Text.OneHotSequence("OneHot", "TokenIds", maximumLength: 4));
        using var model = pipeline.Fit(data);
        var transformed = model.Transform(data);
        var type = Assert.IsType<VectorDataViewType>(transformed.Schema["OneHot"].Type);
        Assert.Equal([4, 5], type.Dimensions.ToArray());
        var rows = transformed.GetColumn<VBuffer<float>>("OneHot").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.Equal(3, rows.Length); // (3, 4, 5)
        float[] notGood = [1, 0, 0, 0, 0, /**/ 0, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 1, /**/ 0, 0, 1, 0, 0];
        Assert.Equal(notGood, rows[2]);
        float[] good = [1, 0, 0, 0, 0, /**/ 0, 1, 0, 0, 0, /**/ 0, 0, 1, 0, 0, /**/ 0, 0, 0, 0, 0];
        Assert.Equal(good, rows[0]);
    }

    [Fact]
    public void LstmLearnsGoodVersusBadAndNotGoodAndPredictsAfterReload()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Enumerable.Repeat(Reviews, 20).SelectMany(r => r));
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
            {
                FeatureColumnName = "TokenIds", HiddenSize = 8, EmbeddingSize = 4, Epochs = 30, LearningRate = 0.05, BatchSize = 6, Seed = 1,
            }));
        using var model = pipeline.Fit(data);
        string path = _temp.File("reviews.zip");
        ml.Model.Save(model, data.Schema, path);

        var fresh = _temp.Context();
        using var loaded = (IDisposable)fresh.LoadModel(path, out _);
        var engine = fresh.Model.CreatePredictionEngine<Review, ReviewPrediction>((ITransformer)loaded);
        Assert.True(engine.Predict(new Review { Text = "movie was good" }).PredictedLabel);
        Assert.False(engine.Predict(new Review { Text = "movie was bad" }).PredictedLabel);
        Assert.False(engine.Predict(new Review { Text = "movie was not good" }).PredictedLabel);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.Equal(1.0, metrics.Accuracy);
    }

    /// <summary>Ten short reviews, the negation among them: the teaching material's first exercise.</summary>
    internal static readonly Review[] TenReviews =
    [
        new() { Text = "movie was good", Label = true },
        new() { Text = "film was great", Label = true },
        new() { Text = "the acting was good", Label = true },
        new() { Text = "i loved this movie", Label = true },
        new() { Text = "what a great film", Label = true },
        new() { Text = "movie was bad", Label = false },
        new() { Text = "film was not good", Label = false },
        new() { Text = "the acting was bad", Label = false },
        new() { Text = "i hated this movie", Label = false },
        new() { Text = "what a boring film", Label = false },
    ];

    /// <summary>With default options (only the feature column named), ten rows are learned perfectly: the training budget grows
    /// to enough gradient steps, where ten epochs of one batch each would leave the model guessing.</summary>
    [Fact]
    public void TenReviewsAreLearnedPerfectlyWithDefaultOptions()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(TenReviews);
        var trainer = ml.BinaryClassification.Trainers.Lstm(featureColumnName: "TokenIds");
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
            .Append(trainer);
        using var model = pipeline.Fit(data);
        Assert.True(trainer.LastSummary!.History.Count > 10, $"Trained {trainer.LastSummary.History.Count} epochs.");
        Assert.Equal(1.0, ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy);
        using var engine = ml.Model.CreatePredictionEngine<Review, ReviewPrediction>(model);
        Assert.False(engine.Predict(new Review { Text = "film was bad" }).PredictedLabel);
        Assert.True(engine.Predict(new Review { Text = "the film was great" }).PredictedLabel);
    }
}
