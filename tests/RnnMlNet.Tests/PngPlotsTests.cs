using Microsoft.ML;
using RnnMlNet.Plots;
using RnnMlNet.Trainers;
using ScottPlot;
using SkiaSharp;

namespace RnnMlNet.Tests;

/// <summary>
/// RnnMlNet.Plots draws what training recorded: each loss, validation loss and learning rate sits where its value says,
/// each heatmap cell has the colour of its epoch's and step's gradient, each gradient-flow point sits at its log10; the
/// files are PNGs of the asked size, written whole. The histories come from an LSTM trained through ML.NET with
/// RecordGradientFlow, which also checks that the option reaches the engine.
/// </summary>
public class PngPlotsTests : IDisposable
{
    private const int Width = 800, Height = 480;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private TrainingHistory History()
    {
        var ml = _temp.Context();
        var estimator = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", HiddenSize = 8, EmbeddingSize = 4, Epochs = 6, ValidationFraction = 0.3, LearningRate = 0.01,
            Schedule = LearningRateSchedule.Cosine(1e-3), RecordGradientFlow = true, Threads = 1,
        });
        using var model = (IDisposable)estimator.Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(120, 1)));
        return estimator.LastHistory!;
    }

    private static SKBitmap Render(Plot plot) => SKBitmap.Decode(plot.GetImageBytes(Width, Height, ImageFormat.Png));

    /// <summary>Whether a pixel within <paramref name="radius"/> of <paramref name="at"/> has (nearly) colour <paramref name="colour"/>.</summary>
    private static bool Near(SKBitmap image, Pixel at, Color colour, int radius = 2, int tolerance = 40)
    {
        for (int dx = -radius; dx <= radius; dx++)
            for (int dy = -radius; dy <= radius; dy++)
            {
                int x = (int)Math.Round(at.X) + dx, y = (int)Math.Round(at.Y) + dy;
                if (x < 0 || y < 0 || x >= image.Width || y >= image.Height) continue;
                var pixel = image.GetPixel(x, y);
                if (Math.Abs(pixel.Red - colour.R) + Math.Abs(pixel.Green - colour.G) + Math.Abs(pixel.Blue - colour.B) <= tolerance) return true;
            }
        return false;
    }

    private static double Share(SKBitmap image, Color colour) =>
        Enumerable.Range(0, image.Width).Sum(x => Enumerable.Range(0, image.Height).Count(y => Near(image, new Pixel(x, y), colour, radius: 0))) / (double)(image.Width * image.Height);

    [Fact]
    public void LossCurvesPlaceEveryLossAndLearningRateWhereItsValueSays()
    {
        var history = History();
        Assert.All(history.Epochs, e => Assert.NotNull(e.LearningRate));
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationLoss));
        var plot = PngPlots.LossCurvesPlot(history.Epochs, history.KeptEpoch, "loss");
        using var image = Render(plot);
        foreach (var epoch in history.Epochs)
        {
            Assert.True(Near(image, plot.GetPixel(new Coordinates(epoch.Epoch, epoch.TrainingLoss)), Colors.C0), $"Epoch {epoch.Epoch}'s training loss is not drawn at its value.");
            Assert.True(Near(image, plot.GetPixel(new Coordinates(epoch.Epoch, epoch.ValidationLoss!.Value)), Colors.C3), $"Epoch {epoch.Epoch}'s validation loss is not drawn at its value.");
            Assert.True(Near(image, plot.GetPixel(new Coordinates(epoch.Epoch, epoch.LearningRate!.Value), plot.Axes.Bottom, plot.Axes.Right), Colors.Gray),
                $"Epoch {epoch.Epoch}'s learning rate is not drawn at its value on the right axis.");
        }
        // Lines, not paint: the training colour covers a sliver of the image.
        Assert.InRange(Share(image, Colors.C0), 0.0005, 0.03);
    }

    [Fact]
    public void TheHeatmapColoursEachStepOfEachEpochByItsGradient()
    {
        var history = History();
        var (plot, heatmap) = PngPlots.GradientFlowHeatmapPlot(history.Epochs, layer: 0, direction: 0, "flow");
        using var image = Render(plot);
        var range = heatmap.ManualRange!.Value;
        int checkedCells = 0;
        foreach (var epoch in history.Epochs)
        {
            var norms = epoch.GradientFlow![0][0];
            for (int t = 0; t < norms.Length; t++)
            {
                var expected = heatmap.Colormap.GetColor((Math.Log10(norms[t]) - range.Min) / (range.Max - range.Min));
                Assert.True(Near(image, plot.GetPixel(new Coordinates(t + 1, epoch.Epoch)), expected, radius: 0, tolerance: 12),
                    $"Epoch {epoch.Epoch}, step {t + 1}: the cell does not have the colour of log10 {norms[t]:E2}.");
                checkedCells++;
            }
        }
        Assert.True(checkedCells >= 6 * 8, $"Only {checkedCells} cells were checked.");
    }

    /// <summary>One recorded epoch is one row of cells, not an empty chart.</summary>
    [Fact]
    public void AHeatmapOfOneEpochDrawsItsRow()
    {
        double[] norms = [1e-6, 1e-4, 1e-2, 1];
        var (plot, heatmap) = PngPlots.GradientFlowHeatmapPlot([new EpochReport(1, 0.5, null, 1, TimeSpan.Zero) { GradientFlow = [[norms]] }], 0, 0, "one epoch");
        using var image = Render(plot);
        var range = heatmap.ManualRange!.Value;
        for (int t = 0; t < norms.Length; t++)
            Assert.True(Near(image, plot.GetPixel(new Coordinates(t + 1, 1)), heatmap.Colormap.GetColor((Math.Log10(norms[t]) - range.Min) / (range.Max - range.Min)), radius: 0, tolerance: 12),
                $"Step {t + 1} of the only epoch is not drawn.");
    }

    [Fact]
    public void GradientFlowLinesSitAtTheLogarithmOfEachNorm()
    {
        var history = History();
        var lines = new[] { ("first epoch", history.Epochs[0].GradientFlow![0][0]), ("last epoch", history.Epochs[^1].GradientFlow![0][0]) };
        var plot = PngPlots.GradientFlowPlot(lines, "flow");
        using var image = Render(plot);
        for (int line = 0; line < lines.Length; line++)
            for (int t = 0; t < lines[line].Item2.Length; t++)
                Assert.True(Near(image, plot.GetPixel(new Coordinates(t + 1, Math.Log10(lines[line].Item2[t]))), line == 0 ? Colors.C0 : Colors.C3),
                    $"{lines[line].Item1}, step {t + 1}: not drawn at log10 of its norm.");
    }

    /// <summary>Norms within one decade (2 to 8) still get a labelled axis: it spans whole decades, as the SVG chart's; series
    /// with nothing drawable are refused as the SVG chart refuses them, rather than drawn blank.</summary>
    [Fact]
    public void TheLogAxisSpansWholeDecadesAndNothingToDrawIsRefused()
    {
        var plot = PngPlots.GradientFlowPlot([("flat", [2.0, 5.0, 8.0])], "flow");
        using (Render(plot)) { }
        var limits = plot.Axes.GetLimits();
        Assert.Equal((0.0, 1.0), (limits.Bottom, limits.Top));
        Assert.Contains(plot.Axes.Left.TickGenerator.Ticks, tick => tick.IsMajor && tick.Label.Length > 0);
        Assert.Contains("log scale", Assert.Throws<ArgumentException>(() => PngPlots.GradientFlowPlot([("zeros", [0.0, 0.0])], "flow")).Message);
    }

    [Fact]
    public void FilesArePngsOfTheAskedSizeWrittenWhole()
    {
        var history = History();
        string loss = _temp.File("loss.png"), heatmap = _temp.File("flow.png");
        PngPlots.LossCurves(history, loss, width: 640, height: 400);
        PngPlots.GradientFlowHeatmap(history, heatmap);
        foreach (var (path, width, height) in new[] { (loss, 640, 400), (heatmap, PngPlots.DefaultWidth, PngPlots.DefaultHeight) })
        {
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes[..8]);
            using var image = SKBitmap.Decode(bytes);
            Assert.Equal((width, height), (image.Width, image.Height));
        }
        Assert.Equal(["flow.png", "loss.png"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order());

        Assert.Contains("RecordGradientFlow", Assert.Throws<ArgumentException>(() =>
            PngPlots.GradientFlowHeatmapPlot([new EpochReport(1, 0.5, null, 1, TimeSpan.Zero)], 0, 0, "none recorded")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PngPlots.LossCurves(history, _temp.File("y.png"), width: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngPlots.GradientFlowHeatmap(history, _temp.File("z.png"), layer: 1));
        Assert.Equal(2, Directory.GetFiles(_temp.Path).Length);
    }
}
