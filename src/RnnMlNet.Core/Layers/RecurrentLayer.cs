using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// One recurrent layer: a forward direction, and for a bidirectional layer a backward one whose outputs are
/// concatenated after the forward ones: output row = [h→_t | h←_t], width D·H.
/// </summary>
internal sealed class RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _output, _inputGrad;
    private SequenceBatch<T> _batch = null!;
    private int _inputWidth;

    public RecurrentLayer(ParameterSet<T> parameters, string prefix, CellKind kind, int inputSize, int hiddenSize, bool bidirectional, bool separateBiases)
    {
        var directions = new List<RecurrentDirection<T>>
        {
            new(RecurrentCell<T>.Create(kind, parameters, prefix + ".forward", inputSize, hiddenSize, separateBiases), reverse: false),
        };
        if (bidirectional)
            directions.Add(new(RecurrentCell<T>.Create(kind, parameters, prefix + ".backward", inputSize, hiddenSize, separateBiases), reverse: true));
        Directions = directions;
    }

    public IReadOnlyList<RecurrentDirection<T>> Directions { get; }

    public int HiddenSize => Directions[0].Cell.HiddenSize;

    public int OutputSize => Directions.Count * HiddenSize;

    /// <summary>Outputs of the last forward pass that formed them, [T·B, D·H], natural time order, zero on padding.</summary>
    public T[] Output => _output!;

    /// <summary>∂L/∂input of the last backward pass, [T·B, I].</summary>
    public T[] InputGradient => _inputGrad!;

    /// <summary>Runs every direction. <paramref name="initialHidden"/> and <paramref name="initialCell"/> are [D, B, H] or empty (zeros).
    /// <see cref="Output"/> is formed only when <paramref name="formOutput"/> (not for a last layer read only through its final state).</summary>
    public void Forward(LayerInput<T> input, SequenceBatch<T> batch, ReadOnlySpan<T> initialHidden, ReadOnlySpan<T> initialCell, int threads, bool formOutput = true)
    {
        _batch = batch;
        _inputWidth = input.Width;
        int stateSize = batch.Count * HiddenSize;
        var output = formOutput ? Buffers.Ensure(ref _output, (long)batch.MaxLength * batch.Count * OutputSize) : null;
        for (int d = 0; d < Directions.Count; d++)
        {
            Directions[d].Forward(input, batch, SliceOrEmpty(initialHidden, d, stateSize), SliceOrEmpty(initialCell, d, stateSize), threads);
            if (output is not null) Directions[d].CopyOutputs(output, OutputSize, d * HiddenSize);
        }
    }

    /// <summary>Writes each direction's final state into [D, B, H] spans.</summary>
    public void CopyFinalState(Span<T> hidden, Span<T> cell)
    {
        int stateSize = _batch.Count * HiddenSize;
        for (int d = 0; d < Directions.Count; d++)
            Directions[d].CopyFinalState(hidden.Slice(d * stateSize, stateSize), cell.IsEmpty ? default : cell.Slice(d * stateSize, stateSize));
    }

    /// <summary>Back-propagates from ∂L/∂outputs [T·B, D·H] (or empty) and ∂L/∂final states [D, B, H] (or empty).</summary>
    public void Backward(ReadOnlySpan<T> outputGrad, ReadOnlySpan<T> finalHiddenGrad, ReadOnlySpan<T> finalCellGrad, bool needInputGrad, int threads)
    {
        int stateSize = _batch.Count * HiddenSize;
        long inputSize = (long)_batch.MaxLength * _batch.Count * _inputWidth;
        for (int d = 0; d < Directions.Count; d++)
        {
            Directions[d].Backward(outputGrad, OutputSize, d * HiddenSize,
                SliceOrEmpty(finalHiddenGrad, d, stateSize), SliceOrEmpty(finalCellGrad, d, stateSize), needInputGrad, threads);
        }
        if (!needInputGrad) return;
        Span<T> inputGrad = Buffers.Ensure(ref _inputGrad, inputSize).AsSpan(0, (int)inputSize);
        Directions[0].InputGradient.Slice(0, inputGrad.Length).CopyTo(inputGrad);
        for (int d = 1; d < Directions.Count; d++)
            System.Numerics.Tensors.TensorPrimitives.Add<T>(inputGrad, Directions[d].InputGradient.Slice(0, inputGrad.Length), inputGrad);
    }

    /// <summary>Writes each direction's ∂L/∂(initial state) into [D, B, H] spans.</summary>
    public void CopyInitialStateGradient(Span<T> hidden, Span<T> cell)
    {
        int stateSize = _batch.Count * HiddenSize;
        for (int d = 0; d < Directions.Count; d++)
        {
            Directions[d].InitialHiddenGradient.CopyTo(hidden.Slice(d * stateSize, stateSize));
            if (!cell.IsEmpty) Directions[d].InitialCellGradient.CopyTo(cell.Slice(d * stateSize, stateSize));
        }
    }

    private static ReadOnlySpan<T> SliceOrEmpty(ReadOnlySpan<T> span, int index, int size) =>
        span.IsEmpty ? default : span.Slice(index * size, size);
}
