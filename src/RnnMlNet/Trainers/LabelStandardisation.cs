using Microsoft.ML;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Trainers;

/// <summary>
/// How a regressor's label is standardised for training: z = (label − <see cref="Mean"/>) / <see cref="StandardDeviation"/>,
/// the mean and standard deviation of the training rows' labels (1 when they are all equal). A network's outputs start near
/// 0 with a spread near 1, and its learning rate and gradient clipping are sized for that, so a label of any scale (births
/// per day near 10⁴, a price, a rate near 10⁻³) trains with the default options; unstandardised, a label near 10⁴ was never
/// reached. After training the head is rescaled (<see cref="NetworkWeights.RescaleOutputs{T}"/>), so the model, its saved
/// graph and its ONNX export answer in the label's own units; the losses training reports are of z (a loss of 1 is that of
/// always answering the mean).
/// </summary>
/// <param name="Mean">The training rows' mean label.</param>
/// <param name="StandardDeviation">Their standard deviation (of the population), or 1 when it is 0.</param>
public sealed record LabelStandardisation(double Mean, double StandardDeviation)
{
    /// <summary>The standardisation of every row of <paramref name="data"/>, read through <paramref name="readLabel"/>
    /// (which names the row of a label that is not a finite number), in one pass over the label column alone.</summary>
    internal static LabelStandardisation Of(IDataView data, string labelColumnName, Func<DataViewRow, Func<long, float[]>> readLabel, CancellationToken cancellation)
    {
        using var cursor = data.GetRowCursor([data.Schema[labelColumnName]]);
        var read = readLabel(cursor);
        // Welford's running mean and sum of squared deviations: exact enough for labels far from 0 with a small spread.
        double mean = 0, squares = 0;
        long rows = 0;
        for (long position = 0; cursor.MoveNext(); position++)
        {
            cancellation.ThrowIfCancellationRequested();
            double label = read(position)[0], deviation = label - mean;
            mean += deviation / ++rows;
            squares += deviation * (label - mean);
        }
        double standardDeviation = rows > 0 ? Math.Sqrt(squares / rows) : 0;
        return new(mean, standardDeviation > 0 ? standardDeviation : 1);
    }

    /// <summary>z for a label.</summary>
    internal float Standardise(float label) => (float)((label - Mean) / StandardDeviation);

    /// <summary>Makes a network trained on z answer in the label's units.</summary>
    internal void ToLabelUnits(RecurrentNetwork<float> network) => network.RescaleOutputs((float)StandardDeviation, (float)Mean);

    /// <summary>Makes a network whose weights answer in the label's units (<see cref="RecurrentTrainerOptions.InitialWeights"/>
    /// from a trained model) answer z, to train on.</summary>
    internal void FromLabelUnits(RecurrentNetwork<float> network) => network.RescaleOutputs((float)(1 / StandardDeviation), (float)(-Mean / StandardDeviation));

    /// <summary>For a checkpoint's fingerprint: weights trained toward another z do not resume.</summary>
    internal string Describe() => FormattableString.Invariant($"(label - {Mean:R}) / {StandardDeviation:R}");
}
