using RnnMlNet.Core.Data;
using RnnMlNet.Trainers;
using ScottPlot;
using ScottPlot.Plottables;

namespace RnnMlNet.Plots;

/// <summary>
/// Training charts as PNG images (ScottPlot): the loss curves of <see cref="TrainingPlots"/> with the learning rate on a
/// second axis, the gradient reaching each time step on a log scale, and that gradient epoch by epoch as a time-step ×
/// epoch heatmap. Each file is written to a temporary file and renamed, so no half-written image stays behind.
/// </summary>
public static class PngPlots
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 480;

    private static readonly Color[] Colours = [Colors.C0, Colors.C3, Colors.C2, Colors.C1, Colors.C4, Colors.C5];

    /// <summary>Training and validation loss by epoch, the kept epoch as a dashed line, and the learning rate of each
    /// epoch's last batch on the right axis (when the history has it), from an estimator's (an ensemble's first network's) or
    /// the trainer's history.</summary>
    public static void LossCurves(TrainingHistory history, string path, string title = "Loss by epoch", int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        Save(LossCurvesPlot(history.Epochs, history.KeptEpoch, title), path, width, height);
    }

    /// <summary>The same chart from a saved model's summary (<c>RecurrentModelFile.ReadSummary</c>): for an ensemble, its
    /// first network's curves, which the default title says.</summary>
    public static void LossCurves(RecurrentModelSummary summary, string path, string? title = null, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Save(LossCurvesPlot(summary.History, summary.KeptEpoch, title ?? TrainingPlots.LossTitle(summary)), path, width, height);
    }

    /// <summary>The gradient reaching each time step, ‖∂L/∂h_t‖ on a log scale, one line per network or layer (from
    /// <c>RecurrentNetwork.GradientReachingEachStep()</c> or an epoch's <see cref="EpochReport.GradientFlow"/>).</summary>
    public static void GradientFlow(IReadOnlyList<(string Name, double[] Norms)> lines, string path, string title = "Gradient reaching each time step",
        int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Save(GradientFlowPlot(lines, title), path, width, height);
    }

    /// <summary>The gradient reaching each time step (x) in each epoch (y), coloured by log10 ‖∂L/∂h_t‖: how far back through
    /// time the network learns as training goes on. Needs a history trained with <c>RecordGradientFlow</c>.</summary>
    public static void GradientFlowHeatmap(TrainingHistory history, string path, int layer = 0, int direction = 0, string title = "Gradient reaching each time step, by epoch",
        int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        Save(GradientFlowHeatmapPlot(history.Epochs, layer, direction, title).Plot, path, width, height);
    }

    internal static Plot LossCurvesPlot(IReadOnlyList<EpochReport> epochs, int keptEpoch, string title)
    {
        var (series, marker) = TrainingPlots.LossSeries(epochs, keptEpoch);
        var plot = LinePlot(title, "epoch", "loss", series, logY: false);
        if (marker is double kept)
        {
            var line = plot.Add.VerticalLine(kept, width: 1, color: Colors.Gray, pattern: LinePattern.Dashed);
            line.LegendText = $"kept epoch {kept:0}";
            plot.MoveToBack(line); // under the curves, which it crosses at the kept epoch
        }
        // Epochs read back from a checkpoint have no rate: the line joins the epochs that have one.
        var withRate = epochs.Where(e => e.LearningRate is not null).ToArray();
        if (withRate.Length > 0)
        {
            var rates = plot.Add.Scatter(withRate.Select(e => (double)e.Epoch).ToArray(), withRate.Select(e => e.LearningRate!.Value).ToArray(), Colors.Gray);
            rates.LinePattern = LinePattern.Dotted;
            rates.MarkerSize = 5;
            rates.LegendText = "learning rate (right)";
            rates.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "learning rate";
            plot.MoveToBack(rates); // under the losses where they cross
            // From zero, so a constant rate is a flat line at its value rather than the middle of an arbitrary scale.
            plot.Axes.SetLimitsY(0, 1.1 * withRate.Max(e => e.LearningRate!.Value), plot.Axes.Right);
        }
        return plot;
    }

    internal static Plot GradientFlowPlot(IReadOnlyList<(string Name, double[] Norms)> lines, string title) =>
        LinePlot(title, "time step t", "‖∂L/∂h_t‖", TrainingPlots.FlowSeries(lines), logY: true);

    internal static (Plot Plot, Heatmap Heatmap) GradientFlowHeatmapPlot(IReadOnlyList<EpochReport> epochs, int layer, int direction, string title)
    {
        var recorded = epochs.Where(e => e.GradientFlow is not null).ToArray();
        if (recorded.Length == 0) throw new ArgumentException("No epoch recorded its gradient flow: train with RecordGradientFlow = true.", nameof(epochs));
        var flows = recorded.Select(e => e.GradientFlow!).ToArray();
        if (layer < 0 || layer >= flows[0].Length) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The network has {flows[0].Length} layers.");
        if (direction < 0 || direction >= flows[0][layer].Length) throw new ArgumentOutOfRangeException(nameof(direction), direction, $"Layer {layer} has {flows[0][layer].Length} directions.");
        int steps = flows.Max(f => f[layer][direction].Length);
        // Row r is epoch recorded[r]; a step an epoch never reached, or a zero gradient, is a gap.
        var intensities = new double[recorded.Length, steps];
        for (int r = 0; r < recorded.Length; r++)
            for (int t = 0; t < steps; t++)
            {
                var norms = flows[r][layer][direction];
                intensities[r, t] = t < norms.Length && norms[t] > 0 && double.IsFinite(norms[t]) ? Math.Log10(norms[t]) : double.NaN;
            }
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("time step t");
        plot.YLabel("epoch");
        var heatmap = plot.Add.Heatmap(AtLeastTwoByTwo(intensities));
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        var finite = intensities.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        // The colour scale spans the recorded values (a single value still gets a scale around it).
        heatmap.ManualRange = new ScottPlot.Range(finite.Min(), Math.Max(finite.Max(), finite.Min() + 1e-9));
        heatmap.FlipVertically = true;
        // Cell edges: step t's cell spans x = t ± 0.5, and the rows share the epochs' span (one row per recorded epoch).
        heatmap.Rectangle = new CoordinateRect(0.5, steps + 0.5, recorded[0].Epoch - 0.5, recorded[^1].Epoch + 0.5);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "log10 ‖∂L/∂h_t‖";
        return (plot, heatmap);
    }

    /// <summary>ScottPlot draws nothing for a heatmap of one row or one column: a lone row or column is doubled, and the two
    /// halves share its cells' rectangle.</summary>
    private static double[,] AtLeastTwoByTwo(double[,] values)
    {
        int rows = values.GetLength(0), columns = values.GetLength(1);
        int repeatRows = rows == 1 ? 2 : 1, repeatColumns = columns == 1 ? 2 : 1;
        var result = new double[rows * repeatRows, columns * repeatColumns];
        for (int r = 0; r < result.GetLength(0); r++)
            for (int c = 0; c < result.GetLength(1); c++) result[r, c] = values[r / repeatRows, c / repeatColumns];
        return result;
    }

    private static Plot LinePlot(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logY)
    {
        var drawable = series.SelectMany(s => DrawableRuns(s.Points, logY)).SelectMany(run => run).ToArray();
        if (drawable.Length == 0) throw LineChart.NothingToDraw(logY);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        for (int s = 0; s < series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            bool named = false;
            // Each run of drawable points is its own line, so a gap stays a gap.
            foreach (var run in DrawableRuns(series[s].Points, logY))
            {
                var line = plot.Add.Scatter(run.Select(p => p.X).ToArray(), run.Select(p => logY ? Math.Log10(p.Y) : p.Y).ToArray(), colour);
                line.LineWidth = 2;
                line.MarkerSize = run.Length == 1 ? 5 : 0;
                if (!named) line.LegendText = series[s].Name;
                named = true;
            }
        }
        if (logY)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                LabelFormatter = exponent => $"1e{exponent:0}",
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            };
            // Whole decades, as the SVG chart: norms within one decade would leave the integer ticks none to label.
            double low = Math.Floor(drawable.Min(p => Math.Log10(p.Y))), high = Math.Ceiling(drawable.Max(p => Math.Log10(p.Y)));
            plot.Axes.SetLimitsY(low, Math.Max(high, low + 1));
        }
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static IEnumerable<(double X, double Y)[]> DrawableRuns(IReadOnlyList<(double X, double Y)> points, bool logY)
    {
        var run = new List<(double X, double Y)>();
        foreach (var point in points)
        {
            if (double.IsFinite(point.Y) && (!logY || point.Y > 0)) run.Add(point);
            else if (run.Count > 0)
            {
                yield return run.ToArray();
                run.Clear();
            }
        }
        if (run.Count > 0) yield return run.ToArray();
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"{width} × {height} pixels is too small for a chart; use at least 100 × 100.");
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
