using System.Numerics;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// The state of every recurrent layer for a batch of sequences, in the caller's order:
/// <see cref="Hidden"/> and <see cref="Cell"/> are [layers, directions, B, H], the ONNX operators'
/// initial_h / Y_h layout per layer. <see cref="Cell"/> is empty unless the cell is an LSTM.
/// </summary>
public sealed class RecurrentState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A zero state.</summary>
    public RecurrentState(int layers, int directions, int rows, int hiddenSize, bool hasCell)
    {
        Layers = layers;
        Directions = directions;
        Rows = rows;
        HiddenSize = hiddenSize;
        Hidden = new T[(long)layers * directions * rows * hiddenSize];
        Cell = hasCell ? new T[Hidden.Length] : Array.Empty<T>();
    }

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>1, or 2 for bidirectional layers.</summary>
    public int Directions { get; }

    /// <summary>B: sequences in the batch.</summary>
    public int Rows { get; }

    /// <summary>H.</summary>
    public int HiddenSize { get; }

    /// <summary>h, [layers, directions, B, H].</summary>
    public T[] Hidden { get; }

    /// <summary>C for LSTM, [layers, directions, B, H]; empty otherwise.</summary>
    public T[] Cell { get; }

    /// <summary>The h of one layer, [directions, B, H].</summary>
    public Span<T> LayerHidden(int layer) => Hidden.AsSpan(layer * LayerSize, LayerSize);

    /// <summary>The C of one layer, [directions, B, H]; empty for cells without a cell state.</summary>
    public Span<T> LayerCell(int layer) => Cell.Length == 0 ? Span<T>.Empty : Cell.AsSpan(layer * LayerSize, LayerSize);

    private int LayerSize => Directions * Rows * HiddenSize;
}
