using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Trainers;

/// <summary>
/// How a regressor's label is standardised for training: z = (label − <see cref="Mean"/>) / <see cref="StandardDeviation"/>,
/// the mean and standard deviation of the labels of the rows the network trains on (not those held out for validation;
/// for an ensemble, its first network's), 1 when they are all equal. A network's outputs start near
/// 0 with a spread near 1, and its learning rate and gradient clipping are sized for that, so a label of any scale (births
/// per day near 10⁴, a price, a rate near 10⁻³) trains with the default options; unstandardised, a label near 10⁴ was never
/// reached. After training the head is rescaled (<see cref="NetworkWeights.RescaleOutputs{T}"/>), so the model, its saved
/// graph and its ONNX export answer in the label's own units; the losses training reports are of z (a loss of 1 is that of
/// always answering the mean).
/// </summary>
/// <param name="Mean">The training rows' mean label, rounded to float32 (so the same rows in any order give the same).</param>
/// <param name="StandardDeviation">Their standard deviation (of the population), rounded alike, or 1 when it is 0.</param>
public sealed record LabelStandardisation(double Mean, double StandardDeviation)
{
    /// <summary>z for a label.</summary>
    internal float Standardise(float label) => (float)((label - Mean) / StandardDeviation);

    /// <summary>Makes a network trained on z answer in the label's units.</summary>
    internal void ToLabelUnits(RecurrentNetwork<float> network) => network.RescaleOutputs((float)StandardDeviation, (float)Mean);

    /// <summary>Makes a network whose weights answer in the label's units (<see cref="RecurrentTrainerOptions.InitialWeights"/>
    /// from a trained model) answer z, to train on.</summary>
    internal void FromLabelUnits(RecurrentNetwork<float> network) => network.RescaleOutputs((float)(1 / StandardDeviation), (float)(-Mean / StandardDeviation));

    /// <summary>For a checkpoint's fingerprint: weights trained toward another z do not resume.</summary>
    internal string Describe() => FormattableString.Invariant($"label (x - {Mean:R}) / {StandardDeviation:R}");
}

/// <summary>
/// How float steps are standardised for training, feature by feature: z_f = (x_f − <see cref="Mean"/>[f]) /
/// <see cref="StandardDeviation"/>[f], over every step of the rows the network trains on (as the label, in
/// <see cref="LabelStandardisation"/>). Gates saturate on inputs far from unit scale (births per day near 10⁴ gave an LSTM
/// an RMSE three times SDCA's), so the trainers standardise them as ML.NET's normalizers would, and fold it into the first
/// layer's weights after training (<see cref="NetworkWeights.RescaleInputs{T}"/>): the model, its saved graph and its ONNX
/// export read the steps as given. A feature that never varies trains as 0, and the model ignores it. The fold is exact but
/// for float32 rounding, which grows with a feature's distance from 0 in standard deviations: a feature near 10⁶ that
/// varies by 1 loses precision, as it does in float32 itself; subtract a round number from it upstream.
/// </summary>
/// <param name="Mean">Each feature's mean over the training rows' steps, rounded to float32 (as the label's).</param>
/// <param name="StandardDeviation">Each feature's standard deviation (of the population), rounded alike; 0 for a feature that never varies.</param>
public sealed record StepStandardisation(IReadOnlyList<double> Mean, IReadOnlyList<double> StandardDeviation)
{
    /// <summary>The sequence with each feature standardised.</summary>
    internal Sequence<float> Standardise(Sequence<float> sequence)
    {
        var values = sequence.Features!;
        int width = Mean.Count;
        var standardised = new float[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            double deviation = StandardDeviation[k % width];
            standardised[k] = deviation > 0 ? (float)((values[k] - Mean[k % width]) / deviation) : 0f;
        }
        return Sequence<float>.FromFeatures(standardised, width);
    }

    /// <summary>Makes a network trained on z read the steps as given (a feature that never varied, whose z was 0, read as 0).</summary>
    internal void ToStepUnits(RecurrentNetwork<float> network) => network.RescaleInputs(
        StandardDeviation.Select(sd => sd > 0 ? (float)(1 / sd) : 0f).ToArray(),
        Mean.Zip(StandardDeviation, (mean, sd) => sd > 0 ? (float)(-mean / sd) : 0f).ToArray());

    /// <summary>Makes a network whose weights read the steps as given (<see cref="RecurrentTrainerOptions.InitialWeights"/>)
    /// read z, to train on.</summary>
    internal void FromStepUnits(RecurrentNetwork<float> network) =>
        network.RescaleInputs(StandardDeviation.Select(sd => (float)sd).ToArray(), Mean.Select(mean => (float)mean).ToArray());

    /// <summary>For a checkpoint's fingerprint: weights trained on another z do not resume.</summary>
    internal string Describe() => $"steps (x - {Values(Mean)}) / {Values(StandardDeviation)}";

    /// <summary>Equal means and deviations, feature by feature (a record compares lists by reference).</summary>
    public bool Equals(StepStandardisation? other) =>
        other is not null && Mean.SequenceEqual(other.Mean) && StandardDeviation.SequenceEqual(other.StandardDeviation);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Mean.Count, Mean.FirstOrDefault(), StandardDeviation.FirstOrDefault());

    /// <summary>The values, not the lists' type names.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Mean = {Values(Mean)}, StandardDeviation = {Values(StandardDeviation)}");
        return true;
    }

    private static string Values(IEnumerable<double> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}

/// <summary>The standardisations training reads its data by, from the rows it trains on.</summary>
internal static class TrainingStandardisation
{
    /// <summary>The label's standardisation (for a regressor, <paramref name="label"/>) and the float steps' (with
    /// <paramref name="featuresPerStep"/>), in one pass over the rows <paramref name="source"/> gives, whose labels and steps
    /// are as the data has them. The means and deviations are rounded to float32: sums in another row order differ in their
    /// last bits, which would otherwise refuse a checkpoint's resume on the same rows (a mean of 4,004 ones in 8,192 rows
    /// sits on a rounding boundary of ten decimal digits, so rounding in decimal did not do).</summary>
    public static (LabelStandardisation? Label, StepStandardisation? Steps) Of(DataViewSequenceSource source, bool label, int? featuresPerStep)
    {
        var labels = new RunningMoments(1);
        var steps = featuresPerStep is int width ? new RunningMoments(width) : null;
        foreach (var example in source.Read())
        {
            if (label) labels.Add(example.Target);
            if (steps is not null)
                for (int step = 0; step < example.Input.Length; step++)
                    steps.Add(example.Input.Features.AsSpan(step * featuresPerStep!.Value, featuresPerStep.Value));
        }
        return (label ? new LabelStandardisation(Single(labels.Mean[0]), labels.StandardDeviation[0] is var sd && Single(sd) > 0 ? Single(sd) : 1) : null,
            steps is null ? null : new StepStandardisation(steps.Mean.Select(Single).ToArray(), steps.StandardDeviation.Select(Single).ToArray()));
    }

    private static double Single(double value) => (float)value;
}

/// <summary>Running means and standard deviations of several values at once, by Welford's update: exact enough for
/// values far from 0 with a small spread.</summary>
internal sealed class RunningMoments(int width)
{
    private readonly double[] _mean = new double[width], _squares = new double[width];
    private long _count;

    public void Add(ReadOnlySpan<float> values)
    {
        _count++;
        for (int k = 0; k < width; k++)
        {
            double deviation = values[k] - _mean[k];
            _mean[k] += deviation / _count;
            _squares[k] += deviation * (values[k] - _mean[k]);
        }
    }

    public double[] Mean => _mean.ToArray();

    /// <summary>Of the population; 0 for a value that never varied, or when nothing was read.</summary>
    public double[] StandardDeviation => _squares.Select(squares => _count > 0 && squares > 0 ? Math.Sqrt(squares / _count) : 0).ToArray();
}
