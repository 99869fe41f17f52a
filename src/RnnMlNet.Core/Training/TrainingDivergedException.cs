using RnnMlNet.Core.Training;

namespace RnnMlNet;

/// <summary>
/// Training diverged: a non-finite loss or gradient (the offending update was not applied, so the network holds the
/// weights of the last good step), or a finite blow-up (see <see cref="TrainingOptions.DivergenceFactor"/>; the network
/// is reset to the weights of the last finished epoch).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, double learningRate, double? clipNorm, double weightDecay)
        : this(epoch, batch, loss, gradientNorm, FormattableString.Invariant($"Training diverged at epoch {epoch}, batch {batch}: loss = {loss}, gradient norm = {gradientNorm}. ") +
               "The update was not applied; the network keeps the weights of the last good step. " + Advice(learningRate, clipNorm, weightDecay))
    {
    }

    // A finite blow-up: recentMean is the mean of the last recentBatches losses; weightsNow says what the network holds now.
    internal TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, double learningRate, double? clipNorm, double weightDecay,
        double recentMean, int recentBatches, double startLoss, double factor, string weightsNow)
        : this(epoch, batch, loss, gradientNorm, FormattableString.Invariant($"Training diverged at epoch {epoch}, batch {batch}: the mean loss of the last ") +
               FormattableString.Invariant($"{recentBatches} batches, {recentMean:G4}, is over {factor} times the first batch's {startLoss:G4}. {weightsNow} ") +
               Advice(learningRate, clipNorm, weightDecay) + " DivergenceFactor = null turns this check off.")
    {
    }

    private TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, string message) : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        GradientNorm = gradientNorm;
    }

    /// <summary>Epoch of the failing step, from 1.</summary>
    public int Epoch { get; }

    /// <summary>Batch of the failing step within its epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The loss of the failing step.</summary>
    public double Loss { get; }

    /// <summary>The gradient norm of the failing step.</summary>
    public double GradientNorm { get; }

    /// <summary>What to change. <paramref name="weightDecay"/> is AdamW's decoupled decay (0 for the other optimizers): each
    /// step takes rate × decay of every weight, so at 1 or more the decay itself blows the weights up, which neither a lower
    /// rate within reason nor clipping mends.</summary>
    private static string Advice(double learningRate, double? clipNorm, double weightDecay) => learningRate * weightDecay >= 1
        ? FormattableString.Invariant($"AdamW's WeightDecay ({weightDecay}) times the learning rate ({learningRate}) is {learningRate * weightDecay:G4}, the share of every weight each step takes away: lower WeightDecay well below 1 / the learning rate.")
        : clipNorm is null
            ? FormattableString.Invariant($"Turn on gradient clipping (ClipNorm, e.g. 1.0) or lower the learning rate (now {learningRate}).")
            : FormattableString.Invariant($"Lower the learning rate (now {learningRate}) or clip harder (ClipNorm now {clipNorm}).");
}
