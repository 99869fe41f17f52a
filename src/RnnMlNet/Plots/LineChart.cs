using System.Globalization;
using System.Security;
using System.Text;

namespace RnnMlNet.Plots;

/// <summary>One line of a chart: a name for the legend and its points (x ascending). Non-finite or, on a log scale,
/// non-positive values leave a gap.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A line chart as a standalone SVG document: axes with ticks, one polyline per series, an optional marker line, a
/// legend. Plain text with no dependency, so it opens in any browser and diffs in a repository.
/// </summary>
public static class LineChart
{
    private const double Width = 640, Height = 400, Left = 70, Right = 160, Top = 40, Bottom = 50;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    /// <summary>The error for series with no drawable point, shared with the PNG charts.</summary>
    internal static ArgumentException NothingToDraw(bool logY) =>
        new($"The series have no point to draw{(logY ? " (a log scale needs positive values)" : "")}.", "series");

    /// <summary>Draws <paramref name="series"/> under <paramref name="title"/>.</summary>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">Label of the x axis.</param>
    /// <param name="yLabel">Label of the y axis.</param>
    /// <param name="series">The lines; at least one with a drawable point.</param>
    /// <param name="logY">A base-10 logarithmic y axis (for gradients that vanish or explode).</param>
    /// <param name="markerX">An x at which to draw a dashed vertical line (e.g. the kept epoch); null for none.</param>
    /// <returns>The SVG document.</returns>
    public static string Svg(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logY = false, double? markerX = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        bool Drawable((double X, double Y) p) => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0);
        var points = series.SelectMany(s => s.Points).Where(Drawable).ToArray();
        if (points.Length == 0) throw NothingToDraw(logY);
        double Scale(double y) => logY ? Math.Log10(y) : y;
        double xMin = points.Min(p => p.X), xMax = points.Max(p => p.X), yMin = points.Min(p => Scale(p.Y)), yMax = points.Max(p => Scale(p.Y));
        // A log scale shows whole decades, at least one.
        if (logY) (yMin, yMax) = (Math.Floor(yMin), Math.Max(Math.Ceiling(yMax), Math.Floor(yMin) + 1));
        // Whole x values (epochs, time steps) get whole ticks only.
        bool wholeX = points.All(p => p.X == Math.Floor(p.X));
        (xMin, xMax) = Widened(xMin, xMax);
        (yMin, yMax) = Widened(yMin, yMax);
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double PixelX(double x) => Left + (x - xMin) / (xMax - xMin) * plotWidth;
        double PixelY(double y) => Top + (1 - (Scale(y) - yMin) / (yMax - yMin)) * plotHeight;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Left + plotWidth / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n"));
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#444\"/>\n"));
        var (xTicks, xStep) = Ticks(xMin, xMax, wholeX);
        foreach (double x in xTicks)
            svg.Append(Invariant($"<text x=\"{PixelX(x):0.#}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{Label(x, xStep)}</text>\n"));
        // On a log scale, every decade up to eight of them, then every second, third … so the labels never crowd.
        int decadeStep = Math.Max(1, (int)Math.Ceiling((yMax - yMin) / 8));
        var (linearTicks, yStep) = Ticks(yMin, yMax);
        var yTicks = logY
            ? Enumerable.Range(0, (int)(yMax - yMin) / decadeStep + 1).Select(i => Math.Pow(10, yMin + i * decadeStep))
            : linearTicks;
        foreach (double y in yTicks)
        {
            double py = PixelY(y);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{py:0.#}\" x2=\"{Left + plotWidth}\" y2=\"{py:0.#}\" stroke=\"#ddd\"/>\n"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{py + 4:0.#}\" text-anchor=\"end\">{(logY ? y.ToString("0E0", CultureInfo.InvariantCulture) : Label(y, yStep))}</text>\n"));
        }
        svg.Append(Invariant($"<text x=\"{Left + plotWidth / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n"));
        svg.Append(Invariant($"<text x=\"16\" y=\"{Top + plotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + plotHeight / 2})\">{Escape(yLabel)}</text>\n"));
        if (markerX is double marker && double.IsFinite(marker))
            svg.Append(Invariant($"<line x1=\"{PixelX(marker):0.#}\" y1=\"{Top}\" x2=\"{PixelX(marker):0.#}\" y2=\"{Top + plotHeight}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"));
        for (int i = 0; i < series.Count; i++)
        {
            string colour = Colours[i % Colours.Length];
            // A gap (a point that cannot be drawn) starts a new polyline.
            foreach (var run in Runs(series[i].Points, Drawable))
            {
                // A lone point (one epoch, or a value between two gaps) would be an invisible polyline.
                if (run.Count == 1)
                {
                    svg.Append(Invariant($"<circle cx=\"{PixelX(run[0].X):0.##}\" cy=\"{PixelY(run[0].Y):0.##}\" r=\"2.5\" fill=\"{colour}\"/>\n"));
                    continue;
                }
                svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.8\" points=\"{string.Join(' ', run.Select(p => Invariant($"{PixelX(p.X):0.##},{PixelY(p.Y):0.##}")))}\"/>\n");
            }
            double legendY = Top + 10 + 18 * i;
            svg.Append(Invariant($"<line x1=\"{Width - Right + 12}\" y1=\"{legendY}\" x2=\"{Width - Right + 32}\" y2=\"{legendY}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n"));
            svg.Append(Invariant($"<text x=\"{Width - Right + 38}\" y=\"{legendY + 4}\">{Escape(series[i].Name)}</text>\n"));
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Writes <paramref name="svg"/> to <paramref name="path"/> through a temporary file, so no half-written chart stays behind.</summary>
    public static void Save(string svg, string path)
    {
        ArgumentNullException.ThrowIfNull(svg);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Core.Data.AtomicFile.WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(svg));
    }

    private static IEnumerable<List<(double X, double Y)>> Runs(IReadOnlyList<(double X, double Y)> points, Func<(double X, double Y), bool> drawable)
    {
        var run = new List<(double X, double Y)>();
        foreach (var point in points)
        {
            if (drawable(point))
            {
                run.Add(point);
                continue;
            }
            if (run.Count > 0) yield return run;
            run = [];
        }
        if (run.Count > 0) yield return run;
    }

    /// <summary>A range of some width: a single value (or values a rounding error apart) gets a tenth of its size on each
    /// side (1 about 0), so that its ticks read as the value does (a margin of a millionth labelled one epoch's loss to seven
    /// decimals).</summary>
    private static (double Min, double Max) Widened(double min, double max)
    {
        double size = Math.Max(Math.Abs(min), Math.Abs(max));
        if (max - min >= Math.Max(1e-9, size * 1e-6)) return (min, max);
        double middle = (min + max) / 2, room = size > 0 ? size / 10 : 1;
        return (middle - room, middle + room);
    }

    /// <summary>About five round ticks (1, 2 or 5 times a power of ten apart) within [min, max], and their spacing; at
    /// least 1 apart where <paramref name="whole"/> (epochs have no halves).</summary>
    private static (double[] Ticks, double Step) Ticks(double min, double max, bool whole = false)
    {
        double rough = (max - min) / 5, power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        if (whole) step = Math.Max(step, 1);
        double first = Math.Ceiling(min / step);
        // Each tick from its index, not by repeated addition, so rounding can neither stall nor drift the loop.
        var ticks = Enumerable.Range(0, 12).Select(i => (first + i) * step).TakeWhile(t => t <= max + step * 1e-9).ToArray();
        return (ticks, step);
    }

    /// <summary>A tick's label with as many decimals as the tick spacing needs, and no "-0".</summary>
    private static string Label(double value, double step)
    {
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step)), 0, 15);
        string text = value.ToString("F" + decimals, CultureInfo.InvariantCulture);
        return text.TrimStart('-').Trim('0', '.').Length == 0 ? (0.0).ToString("F" + decimals, CultureInfo.InvariantCulture) : text;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
