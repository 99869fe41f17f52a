using RnnMlNet.Core.Training;

namespace RnnMlNet;

/// <summary>
/// Training diverged: a non-finite loss or gradient (the offending update was not applied, so the network holds the
/// weights of the last good step), or a finite blow-up (see <see cref="TrainingOptions.DivergenceFactor"/>; the network
/// is reset to the weights of the last finished epoch).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, double learningRate, double? clipNorm)
        : this(epoch, batch, loss, gradientNorm, $"Training diverged at epoch {epoch}, batch {batch}: loss = {loss}, gradient norm = {gradientNorm}. " +
               "The update was not applied; the network keeps the weights of the last good step. " + Advice(learningRate, clipNorm))
    {
    }

    // A finite blow-up: recentMean is the mean of the last recentBatches losses; weightsNow says what the network holds now.
    internal TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, double learningRate, double? clipNorm,
        double recentMean, int recentBatches, double startLoss, double factor, string weightsNow)
        : this(epoch, batch, loss, gradientNorm, $"Training diverged at epoch {epoch}, batch {batch}: the mean loss of the last " +
               $"{recentBatches} batches, {recentMean:G4}, is over {factor} times the first batch's {startLoss:G4}. {weightsNow} " +
               Advice(learningRate, clipNorm) + " DivergenceFactor = null turns this check off.")
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

    private static string Advice(double learningRate, double? clipNorm) => clipNorm is null
        ? $"Turn on gradient clipping (ClipNorm, e.g. 1.0) or lower the learning rate (now {learningRate})."
        : $"Lower the learning rate (now {learningRate}) or clip harder (ClipNorm now {clipNorm}).";
}
