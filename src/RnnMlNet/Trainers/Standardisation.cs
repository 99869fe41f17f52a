using Microsoft.ML;
using RnnMlNet.Core.Data;
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
        var moments = new RunningMoments(1);
        for (long position = 0; cursor.MoveNext(); position++)
        {
            cancellation.ThrowIfCancellationRequested();
            moments.Add(read(position));
        }
        return new(moments.Mean[0], moments.StandardDeviation[0]);
    }

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
/// <see cref="StandardDeviation"/>[f], over every step of the training rows. Gates saturate on inputs far from unit scale
/// (births per day near 10⁴ gave an LSTM an RMSE three times SDCA's), so the trainers standardise them as ML.NET's
/// normalizers would, and fold it into the first layer's weights after training
/// (<see cref="NetworkWeights.RescaleInputs{T}"/>): the model, its saved graph and its ONNX export read the steps as given.
/// </summary>
/// <param name="Mean">Each feature's mean over the training rows' steps.</param>
/// <param name="StandardDeviation">Each feature's standard deviation (of the population), or 1 where it is 0.</param>
public sealed record StepStandardisation(IReadOnlyList<double> Mean, IReadOnlyList<double> StandardDeviation)
{
    /// <summary>The standardisation of the steps <paramref name="source"/> reads (up to MaximumLength, as training reads them).</summary>
    internal static StepStandardisation Of(DataViewSequenceSource source, int featuresPerStep)
    {
        var moments = new RunningMoments(featuresPerStep);
        foreach (var example in source.Read())
            for (int step = 0; step < example.Input.Length; step++)
                moments.Add(example.Input.Features.AsSpan(step * featuresPerStep, featuresPerStep));
        return new(moments.Mean, moments.StandardDeviation);
    }

    /// <summary>The sequence with each feature standardised.</summary>
    internal Sequence<float> Standardise(Sequence<float> sequence)
    {
        var values = sequence.Features!;
        int width = Mean.Count;
        var standardised = new float[values.Length];
        for (int k = 0; k < values.Length; k++) standardised[k] = (float)((values[k] - Mean[k % width]) / StandardDeviation[k % width]);
        return Sequence<float>.FromFeatures(standardised, width);
    }

    /// <summary>Makes a network trained on z read the steps as given.</summary>
    internal void ToStepUnits(RecurrentNetwork<float> network) =>
        network.RescaleInputs(StandardDeviation.Select(sd => (float)(1 / sd)).ToArray(), Mean.Zip(StandardDeviation, (mean, sd) => (float)(-mean / sd)).ToArray());

    /// <summary>Makes a network whose weights read the steps as given (<see cref="RecurrentTrainerOptions.InitialWeights"/>)
    /// read z, to train on.</summary>
    internal void FromStepUnits(RecurrentNetwork<float> network) =>
        network.RescaleInputs(StandardDeviation.Select(sd => (float)sd).ToArray(), Mean.Select(mean => (float)mean).ToArray());

    /// <summary>For a checkpoint's fingerprint.</summary>
    internal string Describe() => "steps (x - [" + string.Join(", ", Mean.Select(m => m.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]) / [" +
        string.Join(", ", StandardDeviation.Select(sd => sd.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
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

    /// <summary>Of the population; 1 where it is 0 (a constant, or nothing read), so that dividing by it is safe.</summary>
    public double[] StandardDeviation => _squares.Select(squares => _count > 0 && squares > 0 ? Math.Sqrt(squares / _count) : 1).ToArray();
}
