using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// A language model started from a numeric condition (one-to-many with a feature vector): every layer's initial hidden
/// state is h₀ = tanh(c·W + b), and the decoder, fed [&lt;s&gt;, y₁ … yₙ], predicts [y₁ … yₙ, &lt;/s&gt;]. Gradients reach W and b
/// through the decoder's initial-state gradient. An example's target holds the F condition values first, then one
/// next-token id per input step.
/// </summary>
public sealed class ConditionedDecoder<T> : ITrainingObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly DenseLayer<T> _condition;
    private readonly SoftmaxCrossEntropy<T> _loss = new();
    private T[]? _logitsGrad, _conditionBuffer;

    /// <summary>Builds the decoder (a network with an embedded-token input and a per-step head) and the condition projection.</summary>
    public ConditionedDecoder(NetworkOptions decoder, int conditionWidth, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (conditionWidth < 1) throw new ArgumentOutOfRangeException(nameof(conditionWidth), conditionWidth, "A condition needs at least one value.");
        if (decoder.Bidirectional || decoder.Head != HeadKind.EveryStep || decoder.Input != InputKind.EmbeddedTokens)
            throw new ArgumentException("The decoder must be unidirectional, read embedded tokens and predict at every step.", nameof(decoder));
        ConditionWidth = conditionWidth;
        Parameters = new ParameterSet<T>();
        Decoder = new RecurrentNetwork<T>(decoder, seed, Parameters, "decoder.");
        _condition = new DenseLayer<T>(Parameters, "condition", conditionWidth, decoder.Layers * decoder.HiddenSize);
        Initialisation.WeightInitializer.XavierUniform(Parameters.Value(_condition.Weights), conditionWidth, decoder.HiddenSize, new Random(seed + 7));
    }

    /// <summary>F: values in a condition.</summary>
    public int ConditionWidth { get; }

    /// <summary>The language model.</summary>
    public RecurrentNetwork<T> Decoder { get; }

    /// <inheritdoc />
    public ParameterSet<T> Parameters { get; }

    /// <summary>The projection c → h₀ as [F, L·H] weights and [L·H] bias.</summary>
    public (Parameter Weights, Parameter Bias) Condition => (_condition.Weights, _condition.Bias);

    /// <summary>Every layer's initial state for these conditions [B, F], in order: h₀ = tanh(c·W + b).</summary>
    public RecurrentState<T> InitialState(ReadOnlySpan<T> conditions, int rows)
    {
        var buffer = Buffers.Ensure(ref _conditionBuffer, (long)rows * ConditionWidth);
        conditions.Slice(0, rows * ConditionWidth).CopyTo(buffer);
        T[] projected = _condition.Forward(buffer, rows, Decoder.Options.Threads);
        var options = Decoder.Options;
        var state = new RecurrentState<T>(options.Layers, 1, rows, options.HiddenSize, options.Cell == CellKind.Lstm);
        int h = options.HiddenSize, width = options.Layers * h;
        for (int b = 0; b < rows; b++)
            for (int l = 0; l < options.Layers; l++)
                System.Numerics.Tensors.TensorPrimitives.Tanh<T>(projected.AsSpan(b * width + l * h, h), state.Hidden.AsSpan((l * rows + b) * h, h));
        return state;
    }

    /// <inheritdoc />
    public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<T>> batch, Random dropout)
    {
        var (loss, weight, initial, rows) = Forward(batch, training: true, dropout);
        Decoder.Backward(_logitsGrad.AsSpan(0, rows * Decoder.Options.Outputs));
        // ∂L/∂(c·W + b) = ∂L/∂h₀ ⊙ (1 − h₀²), laid out back as [B, L·H].
        var options = Decoder.Options;
        int h = options.HiddenSize, width = options.Layers * h, b = batch.Count;
        var dProjected = new T[b * width];
        var dInitial = Decoder.InitialStateGradient.Hidden;
        for (int row = 0; row < b; row++)
            for (int l = 0; l < options.Layers; l++)
            {
                var slot = dProjected.AsSpan(row * width + l * h, h);
                dInitial.AsSpan((l * b + row) * h, h).CopyTo(slot);
                Maths.Derivatives.MultiplyByTanhSlope<T>(slot, initial.Hidden.AsSpan((l * b + row) * h, h));
            }
        _condition.Backward(dProjected, options.Threads);
        return (loss, weight);
    }

    /// <inheritdoc />
    public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var (loss, weight, _, _) = Forward(batch, training: false, null);
        return (loss, weight);
    }

    private (double Loss, double Weight, RecurrentState<T> Initial, int Rows) Forward(IReadOnlyList<LabeledSequence<T>> batch, bool training, Random? dropout)
    {
        int f = ConditionWidth;
        var conditions = new T[batch.Count * f];
        var steps = batch.Select((e, i) =>
        {
            if (e.Target.Length != f + e.Input.Length)
                throw new ArgumentException($"Example {i}: its target has {e.Target.Length} values; expected {f} condition values and one target per step ({e.Input.Length}).");
            e.Target.AsSpan(0, f).CopyTo(conditions.AsSpan(i * f, f));
            return new LabeledSequence<T>(e.Input, e.Target[f..]);
        }).ToList();
        var initial = InitialState(conditions, batch.Count);
        var laidOut = SequenceBatch<T>.Create(steps, targetsPerStep: true);
        var output = Decoder.Forward(laidOut, training, dropout, initial);
        var grad = Buffers.Ensure(ref _logitsGrad, (long)output.Rows * output.Outputs);
        double loss = _loss.Evaluate(output.SortedLogits, laidOut.Targets, output.RowMask, output.Rows, output.Outputs, grad, out double weight);
        return (loss, weight, initial, output.Rows);
    }
}
