namespace RnnMlNet.Core.Training;

/// <summary>
/// Training produced a non-finite loss or gradient. The offending update was not applied: the network still
/// holds the weights of the last good step.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(int epoch, int batch, double loss, double gradientNorm, double learningRate, double? clipNorm)
        : base($"Training diverged at epoch {epoch}, batch {batch}: loss = {loss}, gradient norm = {gradientNorm}. " +
               "The update was not applied; the network keeps the weights of the last good step. " +
               (clipNorm is null
                   ? $"Turn on gradient clipping (ClipNorm, e.g. 1.0) or lower the learning rate (now {learningRate})."
                   : $"Lower the learning rate (now {learningRate}) or clip harder (ClipNorm now {clipNorm})."))
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
}
