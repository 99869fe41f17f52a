using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace TimeSeries;

/// <summary>One example: the last <see cref="Series.Window"/> days, normalised, and the next day's births.</summary>
/// <remarks>The window has a known size: SDCA needs one, and the LSTM reads it as 28 steps of one value.</remarks>
public sealed class WindowRow
{
    [VectorType(Series.Window)]
    public float[] Window { get; set; } = [];

    public float Label { get; set; }
}

/// <summary>Reads data/us-births/us-births-1994-2003.csv and cuts it into windows.</summary>
public static class Series
{
    /// <summary>Four weeks: enough to see the weekly cycle several times.</summary>
    public const int Window = 28;

    public const string RelativePath = "data/us-births/us-births-1994-2003.csv";

    /// <summary>Births per day in date order. The fetch script guarantees one row per day with no gaps.</summary>
    public static (DateOnly First, double[] Births) Read(string path)
    {
        var rows = File.ReadLines(path).Skip(1).Select((line, index) =>
        {
            var fields = line.Split(',');
            return fields.Length == 2
                   && DateOnly.TryParseExact(fields[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                   && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int births)
                ? (Date: date, Births: births)
                : throw new InvalidDataException($"{path}, line {index + 2}: '{line}'; expected yyyy-mm-dd,births.");
        }).ToList();
        return (rows[0].Date, rows.Select(r => (double)r.Births).ToArray());
    }


    /// <summary>The window that ends just before day <paramref name="target"/>, normalised (SDCA needs it, and the LSTM
    /// trains best on steps near unit scale), and that day's births as they are: the regressors standardise their label
    /// themselves and answer in births per day.</summary>
    public static WindowRow At(double[] values, int target, double mean, double std) => new()
    {
        Window = values[(target - Window)..target].Select(v => (float)((v - mean) / std)).ToArray(),
        Label = (float)values[target],
    };
}
