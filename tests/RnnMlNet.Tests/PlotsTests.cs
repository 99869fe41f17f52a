using System.Globalization;
using System.Xml.Linq;
using Microsoft.ML;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Plots;

namespace RnnMlNet.Tests;

/// <summary>The SVG charts: well-formed, one line per series, values placed where they belong, gaps left as gaps.</summary>
public class PlotsTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Each polyline's points as (x, y) pixels.</summary>
    private static (double X, double Y)[][] Lines(string svg) => XDocument.Parse(svg).Descendants(Svg + "polyline")
        .Select(line => line.Attribute("points")!.Value.Split(' ').Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray())
        .ToArray();

    [Fact]
    public void LossCurvesDrawTrainingAndValidationWithTheKeptEpochMarked()
    {
        var random = new Random(1);
        var examples = Enumerable.Range(0, 60).Select(_ =>
        {
            var x = Enumerable.Range(0, 5).Select(_ => (float)random.NextDouble()).ToArray();
            return new LabeledSequence<float>(Sequence<float>.FromFeatures(x, 1), [x.Sum() > 2.5f ? 1f : 0f]);
        }).ToList();
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = 1 }, seed: 1);
        var history = new RecurrentTrainer<float>(network, new RnnMlNet.Core.Losses.BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 5, BatchSize = 8, LearningRate = 0.05, Seed = 1 })
            .Fit(examples[..48], examples[48..]);

        string svg = TrainingPlots.LossCurves(history);
        var lines = Lines(svg);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.Equal(5, line.Length));
        // Higher loss sits higher on the chart (a smaller pixel y), epochs run left to right.
        var training = history.Epochs.Select(e => e.TrainingLoss).ToArray();
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                if (training[i] > training[j]) Assert.True(lines[0][i].Y < lines[0][j].Y);
        Assert.True(lines[0].Zip(lines[0].Skip(1)).All(p => p.First.X < p.Second.X));
        var marker = XDocument.Parse(svg).Descendants(Svg + "line").Single(l => l.Attribute("stroke-dasharray") is not null);
        Assert.Equal(lines[0][history.KeptEpoch - 1].X, double.Parse(marker.Attribute("x1")!.Value, CultureInfo.InvariantCulture), 0.1);
        Assert.Contains(">validation<", svg);
    }

    [Fact]
    public void ASavedModelsSummaryDrawsOnePointPerEpoch()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Enumerable.Repeat(TeachingExampleTests.Reviews, 10).SelectMany(r => r));
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
            .Append(ml.BinaryClassification.Trainers.Lstm(new RnnMlNet.Trainers.RecurrentTrainerOptions
            {
                FeatureColumnName = "TokenIds", HiddenSize = 4, Epochs = 4, ValidationFraction = 0.2, Seed = 1,
            }));
        string zip = _temp.File("reviews.zip");
        using (var model = pipeline.Fit(data)) ml.Model.Save(model, data.Schema, zip);
        var summary = RnnMlNet.Onnx.RecurrentModelFile.ReadSummary(zip);
        Assert.Equal(4, summary.History.Count);
        var lines = Lines(TrainingPlots.LossCurves(summary));
        Assert.Equal(2, lines.Length);   // training and validation
        Assert.All(lines, line => Assert.Equal(summary.History.Count, line.Length));
    }

    [Fact]
    public void GradientFlowUsesALogScaleAndLeavesGapsForZeros()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");   // decimal commas must not reach the SVG
        try
        {
            string svg = TrainingPlots.GradientFlow([("SimpleRNN", [1e-8, 1e-4, 0, 1]), ("LSTM", [0.1, 0.2, 0.5, 1])]);
            var lines = Lines(svg);
            // The zero splits the first line: two points, then a lone point drawn as a dot.
            Assert.Equal(2, lines.Length);
            var first = lines[0];
            Assert.Equal(2, first.Length);
            Assert.Equal(4, lines[1].Length);
            var dot = XDocument.Parse(svg).Descendants(Svg + "circle").Single();
            // Equal steps in log10 are equal steps in pixels: 1e-8 → 1e-4 is half of 1e-8 → 1.
            double bottom = first[0].Y, middle = first[1].Y, top = double.Parse(dot.Attribute("cy")!.Value, CultureInfo.InvariantCulture);
            Assert.Equal(bottom - middle, middle - top, 0.05);
            Assert.Contains("1E-8", svg);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData(0.6931471805599453, 0.6931471805599454)]   // a rounding error apart: the tick loop once never ended
    [InlineData(-3e-4, 2e-4)]
    [InlineData(5e15, 5e15)]
    public void CloseOrEqualValuesGetDistinctReadableTicks(double low, double high)
    {
        string svg = LineChart.Svg("t", "x", "y", [new ChartSeries("s", [(1, low), (2, high)])]);
        var labels = XDocument.Parse(svg).Descendants(Svg + "text").Where(t => t.Attribute("text-anchor")?.Value == "end").Select(t => t.Value).ToArray();
        Assert.InRange(labels.Length, 2, 12);
        Assert.Equal(labels.Length, labels.Distinct().Count());
        Assert.DoesNotContain("-0", labels.Select(l => l.TrimEnd('0', '.')));
        Assert.DoesNotContain("NaN", svg);
    }

    /// <summary>Whole x values (epochs) get whole ticks only, and a single value a margin its ticks can read: one epoch's
    /// chart was labelled 0.9999990 to 1.0000010 epochs and a loss to seven decimals, three epochs' at 1.0, 1.5, 2.0.</summary>
    [Theory]
    [InlineData(1, new[] { "1" })]
    [InlineData(3, new[] { "1", "2", "3" })]
    [InlineData(30, new[] { "10", "20", "30" })]
    public void EpochsGetWholeTicksAndOneEpochAReadableRange(int epochs, string[] xLabels)
    {
        var losses = Enumerable.Range(1, epochs).Select(e => ((double)e, 0.7436340 / e)).ToArray();
        var texts = XDocument.Parse(LineChart.Svg("T", "X", "Y", [new ChartSeries("loss", losses)])).Descendants(Svg + "text").ToArray();
        Assert.Equal(xLabels, texts.Where(t => t.Attribute("text-anchor")?.Value == "middle" && t.Value is not ("T" or "X" or "Y")).Select(t => t.Value));
        var yLabels = texts.Where(t => t.Attribute("text-anchor")?.Value == "end").Select(t => t.Value).ToArray();
        Assert.InRange(yLabels.Length, 2, 12);
        Assert.All(yLabels, label => Assert.True(label.Length - label.IndexOf('.') - 1 <= 3 || !label.Contains('.'), label));
    }

    /// <summary>An ensemble's summary draws its first network, and the default title says so.</summary>
    [Fact]
    public void AnEnsemblesLossChartNamesTheNetworkDrawn()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(40, 3));
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RnnMlNet.Trainers.RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, Epochs = 2, EnsembleSize = 2 });
        using (trainer.Fit(data)) { }
        Assert.Contains(">Loss by epoch, network 1 of 2 in the ensemble<", TrainingPlots.LossCurves(trainer.LastSummary!));
        Assert.Contains(">Mine<", TrainingPlots.LossCurves(trainer.LastSummary!, "Mine"));
        trainer = ml.BinaryClassification.Trainers.Lstm(new RnnMlNet.Trainers.RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, Epochs = 2, EnsembleSize = 1 });
        using (trainer.Fit(data)) { }
        Assert.Contains(">Loss by epoch<", TrainingPlots.LossCurves(trainer.LastSummary!));
    }

    [Fact]
    public void NothingToDrawIsRejectedAndSavingLeavesNoTemporaryFile()
    {
        Assert.Contains("log scale", Assert.Throws<ArgumentException>(() => TrainingPlots.GradientFlow([("zeros", [0, 0])])).Message);
        string path = _temp.File("flow.svg");
        LineChart.Save(TrainingPlots.GradientFlow([("LSTM", [0.5, 1])]), path);
        Assert.NotNull(XDocument.Load(path).Root);
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!, "flow.svg*"));
    }
}
