using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Training;

/// <summary>
/// What <see cref="RecurrentTrainer{T}"/> minimises: a model whose weights live in one flat parameter set, and the loss of
/// a batch of labelled sequences with its gradient. A network with a loss is one; an encoder–decoder is another.
/// </summary>
public interface ITrainingObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Every weight and gradient the trainer updates.</summary>
    ParameterSet<T> Parameters { get; }

    /// <summary>Forward and backward in training mode; gradients are added to <see cref="ParameterSet{T}.Gradients"/>
    /// (the trainer zeroes them first). Returns the mean loss and the weight it is a mean over.</summary>
    (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<T>> batch, Random dropout);

    /// <summary>The mean loss in inference mode, and its weight.</summary>
    (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<T>> batch);

    /// <summary>The mean loss in inference mode and its weight, with the wrong predictions and the predictions made, for
    /// early stopping on the error rate; an objective that does not classify makes no predictions (0).</summary>
    internal (double Loss, double Weight, double Errors, double Predictions) EvaluateWithErrors(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var (loss, weight) = Evaluate(batch);
        return (loss, weight, 0, 0);
    }

    /// <summary>What else changes the weights training reaches (dropout rates, the loss and its class weights), as text: part
    /// of a checkpoint's fingerprint, so a resume with other settings is refused.</summary>
    internal string TrainingSettings => GetType().Name;

    /// <summary>Whether each target describes its whole sequence (one per sequence), so that a part of the sequence keeps
    /// it: what <see cref="TrainingOptions.TrainingWindow"/> needs.</summary>
    internal bool TargetsPerSequence => false;

    /// <summary>The gradient reaching each time step in the last backward pass, [layer][direction][step]; null where the
    /// objective has no one network to read it from.</summary>
    internal double[][][]? GradientReachingEachStep() => null;
}
