namespace RnnMlNet.Plots;

/// <summary>The charts a recurrent model's training calls for, as SVG documents (<see cref="LineChart"/>).</summary>
public static class TrainingPlots
{
    /// <summary>Training and validation loss by epoch, with the kept epoch (best validation result) marked by a dashed line,
    /// from an estimator's <c>History</c> (an ensemble's first network's) or the engine's trainer.</summary>
    public static string LossCurves(TrainingHistory history, string title = "Loss by epoch")
    {
        ArgumentNullException.ThrowIfNull(history);
        return LossCurves(history.Epochs, history.KeptEpoch, title);
    }

    /// <summary>The same chart from a saved model's summary (<c>RecurrentModelFile.ReadSummary</c>): for an ensemble, its
    /// first network's curves, which the default title says.</summary>
    public static string LossCurves(Trainers.RecurrentModelSummary summary, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return LossCurves(summary.History, summary.KeptEpoch, title ?? LossTitle(summary));
    }

    /// <summary>"Loss by epoch", naming the network drawn when the summary is an ensemble's.</summary>
    internal static string LossTitle(Trainers.RecurrentModelSummary summary) =>
        summary.Members.Count > 1 ? $"Loss by epoch, network 1 of {summary.Members.Count} in the ensemble" : "Loss by epoch";

    private static string LossCurves(IReadOnlyList<EpochReport> epochs, int keptEpoch, string title)
    {
        var (series, marker) = LossSeries(epochs, keptEpoch);
        return LineChart.Svg(title, "epoch", "loss", series, markerX: marker);
    }

    /// <summary>What a loss chart draws, as SVG here or as PNG in RnnMlNet.Plots: training and validation loss by epoch, and
    /// the kept epoch's x (null when none).</summary>
    internal static (IReadOnlyList<ChartSeries> Series, double? KeptEpoch) LossSeries(IReadOnlyList<EpochReport> epochs, int keptEpoch)
    {
        if (epochs.Count == 0) throw new ArgumentException("The history has no epoch to draw.", "history");
        var series = new List<ChartSeries> { new("training", epochs.Select(e => ((double)e.Epoch, e.TrainingLoss)).ToArray()) };
        if (epochs.Any(e => e.ValidationLoss is not null))
            series.Add(new ChartSeries("validation", epochs.Select(e => ((double)e.Epoch, e.ValidationLoss ?? double.NaN)).ToArray()));
        return (series, keptEpoch > 0 ? keptEpoch : null);
    }

    /// <summary>
    /// The gradient reaching each time step, ‖∂L/∂h_t‖ on a log scale, one line per network or layer (for example from
    /// <c>RecurrentNetwork.GradientReachingEachStep()</c>): where a SimpleRNN's early steps fall away by orders of magnitude
    /// and an LSTM's do not.
    /// </summary>
    public static string GradientFlow(IReadOnlyList<(string Name, double[] Norms)> lines, string title = "Gradient reaching each time step")
    {
        ArgumentNullException.ThrowIfNull(lines);
        return LineChart.Svg(title, "time step t", "‖∂L/∂h_t‖", FlowSeries(lines), logY: true);
    }

    /// <summary>One series per line of norms, step t (from 1) against its norm.</summary>
    internal static IReadOnlyList<ChartSeries> FlowSeries(IReadOnlyList<(string Name, double[] Norms)> lines) =>
        lines.Select(l => new ChartSeries(l.Name, l.Norms.Select((norm, t) => ((double)(t + 1), norm)).ToArray())).ToArray();
}
