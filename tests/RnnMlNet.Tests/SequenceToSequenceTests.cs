using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Evaluation;
using RnnMlNet.Generation;

namespace RnnMlNet.Tests;

/// <summary>Many-to-many with different lengths: an encoder–decoder inside the saved model.</summary>
public class SequenceToSequenceTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class Pair
    {
        public string Input { get; set; } = "";
        public string Target { get; set; } = "";
    }

    /// <summary>Digit strings and their reversal spelled as words: "123" → "three two one".</summary>
    private static Pair[] Reversals(int count, int seed)
    {
        string[] words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var digits = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(10)).ToArray();
            return new Pair { Input = string.Concat(digits), Target = string.Join(' ', digits.Reverse().Select(d => words[d])) };
        }).ToArray();
    }

    private static SequenceToSequenceOptions Options(int epochs = 12) => new()
    {
        InputColumnName = "Input", TargetColumnName = "Target", OutputColumnName = "Output", HiddenSize = 48, EmbeddingSize = 16,
        BidirectionalEncoder = true, Epochs = epochs, LearningRate = 0.01, MaximumLength = 10, Seed = 2,
    };

    [Fact]
    public void SequenceToSequenceWorkout()
    {
        var ml = _temp.Context();
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.SequenceToSequence(Options(epochs: 1)), ml.Data.LoadFromEnumerable(Reversals(50, 8)),
            EstimatorWorkout.ShapeOf<Pair>(), ["Output"]);
    }

    /// <summary>A sequence-to-sequence model exports its encoder–decoder graph; it stores no trainer summary and says so.</summary>
    [Fact]
    public void TheEncoderDecoderGraphExportsAndTheSummaryIsRefusedByName()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Reversals(50, 8));
        using var model = ml.Transforms.Text.SequenceToSequence(Options(epochs: 1)).Fit(data);
        string zip = _temp.File("pairs.zip"), onnx = _temp.File("pairs.onnx");
        ml.Model.Save(model, data.Schema, zip);
        Onnx.RecurrentModelFile.ExportOnnx(zip, onnx);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx))
            Assert.Equal("SequenceToSequence", session.ModelMetadata.CustomMetadataMap["RnnMlNet.Model"]);
        var error = Assert.Throws<InvalidDataException>(() => Onnx.RecurrentModelFile.ReadSummary(zip));
        Assert.Contains("holds a SequenceToSequence model", error.Message);
    }

    [Fact]
    public void LearnsToReverseDigitStringsAndSurvivesSaveAndLoad()
    {
        var ml = _temp.Context();
        using var model = ml.Transforms.Text.SequenceToSequence(Options()).Fit(ml.Data.LoadFromEnumerable(Reversals(1500, 1)));
        var test = ml.Data.LoadFromEnumerable(Reversals(200, 2));
        var metrics = SequenceToSequenceMetrics.Evaluate(model.Transform(test), "Target", "Output");
        Assert.True(metrics.ExactMatch > 0.9, $"Exact match {metrics.ExactMatch:P1}, token error rate {metrics.TokenErrorRate:P1}.");
        Assert.True(metrics.TokenErrorRate < 0.05, $"Token error rate {metrics.TokenErrorRate:P1}.");

        string path = _temp.File("seq2seq.zip");
        ml.Model.Save(model, test.Schema, path);
        using var loaded = (IDisposable)_temp.Context().Model.Load(path, out _);
        Assert.Equal(model.Transform(test).GetColumn<string>("Output"), ((ITransformer)loaded).Transform(test).GetColumn<string>("Output"));
    }

    [Fact]
    public void TheGraphDecodesWhatTheEngineDecodes()
    {
        var ml = _temp.Context();
        var estimator = ml.Transforms.Text.SequenceToSequence(Options(epochs: 2));
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(Reversals(300, 3)));
        var pairs = Reversals(30, 4);
        var outputs = model.Transform(ml.Data.LoadFromEnumerable(pairs)).GetColumn<string>("Output").ToArray();
        var sources = pairs.Select(p => Sequence<float>.FromTokens(p.Input.Select(c => estimator.SourceTokens!.ToList().IndexOf(c.ToString()) + 1).ToArray())).ToList();
        var decoded = estimator.LastModel!.DecodeGreedy(sources, maximumLength: 10);
        for (int i = 0; i < pairs.Length; i++)
            Assert.Equal(string.Join(' ', decoded[i].Select(id => estimator.TargetTokens![id - 3])), outputs[i]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void BeamSearchInTheGraphFindsWhatTheEngineFinds(int beamWidth)
    {
        var ml = _temp.Context();
        var options = Options(epochs: 2);
        options.BeamWidth = beamWidth;
        options.Layers = 2;
        var estimator = ml.Transforms.Text.SequenceToSequence(options);
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(Reversals(300, 6)));
        var pairs = Reversals(25, 7);
        var outputs = model.Transform(ml.Data.LoadFromEnumerable(pairs)).GetColumn<string>("Output").ToArray();
        var tokens = estimator.SourceTokens!.ToList();
        var greedy = estimator.LastModel!.DecodeGreedy(pairs.Select(p => Sequence<float>.FromTokens(p.Input.Select(c => tokens.IndexOf(c.ToString()) + 1).ToArray())).ToList(), 10);
        for (int i = 0; i < pairs.Length; i++)
        {
            var source = Sequence<float>.FromTokens(pairs[i].Input.Select(c => tokens.IndexOf(c.ToString()) + 1).ToArray());
            int[] beam = estimator.LastModel!.DecodeBeam(source, beamWidth, maximumLength: 10);
            Assert.Equal(string.Join(' ', beam.Select(id => estimator.TargetTokens![id - 3])), outputs[i]);
            if (beamWidth == 1) Assert.Equal(greedy[i], beam);
        }
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var ml = _temp.Context();
        var pairs = Reversals(5, 5);
        pairs[2].Target = " ";
        var empty = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Text.SequenceToSequence(Options(1)).Fit(ml.Data.LoadFromEnumerable(pairs)));
        Assert.Contains("Column 'Target', row 2", empty.Message);
        Assert.Contains("empty", empty.Message);
        var beam = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { BeamWidth = 0 }));
        Assert.Contains("EarlyStoppingPatience", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { EarlyStoppingPatience = 2, ValidationFraction = 0 })).Message);
        Assert.Contains("BeamWidth", beam.Message);
        Assert.Equal(2, SequenceToSequenceMetrics.EditDistance(["a", "b", "c"], ["a", "c", "d"]));
    }
}
