using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// A recurrent layer's directions frozen for scoring (<see cref="ScoringDirection{T}"/>), whose outputs are concatenated
/// as in training: output row = [h→_t | h←_t], width D·H.
/// </summary>
internal sealed class ScoringLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ScoringDirection<T>[] _directions;
    private readonly int _hiddenSize;
    private T[]? _output;

    /// <summary>Freezes the current weights of <paramref name="layer"/>, which must not change afterwards.</summary>
    public ScoringLayer(RecurrentLayer<T> layer, bool tokenTable, Parameter? embedding, int threads)
    {
        _directions = layer.Directions.Select(d => new ScoringDirection<T>(d.Cell, d.Reverse, tokenTable, embedding, threads)).ToArray();
        _hiddenSize = layer.HiddenSize;
        OutputSize = layer.OutputSize;
    }

    public int OutputSize { get; }

    /// <summary>Outputs of the last forward pass that formed them, [T·B, D·H], natural time order, zero on padding.</summary>
    public T[] Output => _output!;

    /// <summary>Runs every direction from zero states; forms <see cref="Output"/> only when <paramref name="formOutput"/>.</summary>
    public void Forward(LayerInput<T> input, SequenceBatch<T> batch, int threads, bool formOutput)
    {
        var output = formOutput ? Buffers.Ensure(ref _output, (long)batch.MaxLength * batch.Count * OutputSize) : null;
        for (int d = 0; d < _directions.Length; d++)
        {
            _directions[d].Forward(input, batch, threads);
            if (output is not null) _directions[d].CopyOutputs(output, OutputSize, d * _hiddenSize);
        }
    }

    /// <summary>Each row's final h of every direction, [B, D·H]: the input of a head on the last hidden state.</summary>
    public void CopyFinalHidden(Span<T> rows)
    {
        for (int d = 0; d < _directions.Length; d++)
            _directions[d].CopyFinalHidden(rows, OutputSize, d * _hiddenSize);
    }
}
