// The README's quick start, compiled by CI: the lines between the region markers are the README's code block, word for
// word (QuickStartTests compares them), so the README cannot show code that does not build.
#region quick-start
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(new[]
{
    new Review { Text = "movie was good", Label = true }, new Review { Text = "film was great", Label = true },
    new Review { Text = "the acting was good", Label = true }, new Review { Text = "i loved this movie", Label = true },
    new Review { Text = "what a great film", Label = true }, new Review { Text = "movie was bad", Label = false },
    new Review { Text = "film was not good", Label = false }, new Review { Text = "the acting was bad", Label = false },
    new Review { Text = "i hated this movie", Label = false }, new Review { Text = "what a boring film", Label = false },
});
var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
    .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
    .Append(ml.BinaryClassification.Trainers.Lstm(labelColumnName: "Label", featureColumnName: "TokenIds"));
using var model = pipeline.Fit(train);
var metrics = ml.BinaryClassification.Evaluate(model.Transform(train));
Console.WriteLine($"Training accuracy {metrics.Accuracy:P0}");
ml.Model.Save(model, train.Schema, "model.zip");

// Later, in another process, with only the package referenced:
using var loaded = (TransformerChain<ITransformer>)ml.Model.Load("model.zip", out _);   // disposed after the engine
using var engine = ml.Model.CreatePredictionEngine<Review, ReviewPrediction>(loaded);
Console.WriteLine($"'film was bad' is positive: {engine.Predict(new Review { Text = "film was bad" }).PredictedLabel}");

public sealed class Review
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
}

public sealed class ReviewPrediction
{
    public bool PredictedLabel { get; set; }
    public float Probability { get; set; }
}
#endregion
