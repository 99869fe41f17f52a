using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Training;

/// <summary>A network and a loss on its head's logits: the objective of classification, regression and tagging.</summary>
internal sealed class NetworkObjective<T>(RecurrentNetwork<T> network, Loss<T> loss) : ITrainingObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _logitsGrad;

    public ParameterSet<T> Parameters => network.Parameters;

    public bool TargetsPerStep => network.Options.Head != HeadKind.LastHidden;

    bool ITrainingObjective<T>.TargetsPerSequence => network.Options.Head == HeadKind.LastHidden;

    // The head and the pooling add no parameter of their own (but attention's query), so they are named: a tagger's
    // checkpoint, or a max-pooling one, is no classifier's to resume. The final states' head keeps its earlier text.
    string ITrainingObjective<T>.TrainingSettings => FormattableString.Invariant(
        $"{loss}|dropout {network.Options.Dropout:R},{network.Options.InputDropout:R},{network.Options.OutputDropout:R},{network.Options.WordDropout:R}") +
        (network.Options is { Head: HeadKind.LastHidden, Pooling: Pooling.Last } ? "" : $"|{network.Options.Head} {network.Options.Pooling}") +
        network.Options.ForgetGateBiasSetting;

    double[][][]? ITrainingObjective<T>.GradientReachingEachStep() => network.GradientReachingEachStep();

    public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<T>> batch, Random dropout) =>
        ComputeGradients(SequenceBatch<T>.Create(batch, TargetsPerStep), dropout);

    public (double Loss, double Weight) ComputeGradients(SequenceBatch<T> batch, Random dropout)
    {
        var output = network.Forward(batch, training: true, dropout);
        double value = LossOf(batch, output, out double weight);
        network.Backward(_logitsGrad.AsSpan(0, output.Rows * output.Outputs));
        return (value, weight);
    }

    public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var (value, weight, _, _) = ((ITrainingObjective<T>)this).EvaluateWithErrors(batch);
        return (value, weight);
    }

    (double Loss, double Weight, double Errors, double Predictions) ITrainingObjective<T>.EvaluateWithErrors(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var laidOut = SequenceBatch<T>.Create(batch, TargetsPerStep);
        var output = network.Forward(laidOut);
        double value = LossOf(laidOut, output, out double weight);
        var (errors, predictions) = loss.Errors(output.SortedLogits, laidOut.Targets!, output.RowMask, output.Rows, output.Outputs);
        return (value, weight, errors, predictions);
    }

    private double LossOf(SequenceBatch<T> batch, NetworkOutput<T> output, out double weight)
    {
        T[] targets = batch.Targets ?? throw new ArgumentException("Training needs labelled sequences.");
        int expected = loss.TargetWidth(output.Outputs);
        if (batch.TargetWidth != expected)
            throw new ArgumentException($"Targets have {batch.TargetWidth} values per {(TargetsPerStep ? "step" : "sequence")}; this loss with {output.Outputs} outputs expects {expected}.");
        var grad = Buffers.Ensure(ref _logitsGrad, (long)output.Rows * output.Outputs);
        return loss.Evaluate(output.SortedLogits, targets, output.RowMask, output.Rows, output.Outputs, grad, out weight);
    }
}
