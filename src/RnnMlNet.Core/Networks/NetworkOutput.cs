using System.Numerics;
using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// What a forward pass produced. <see cref="SortedLogits"/> is in the batch's own sorted, time-major layout
/// (what a loss works on); <see cref="LogitsOf"/> gives one sequence's logits in the caller's order.
/// </summary>
public sealed class NetworkOutput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal NetworkOutput(SequenceBatch<T> batch, T[] sortedLogits, int rows, int outputs, bool perStep, byte[] rowMask, RecurrentState<T> finalState)
    {
        Batch = batch;
        SortedLogits = sortedLogits;
        Rows = rows;
        Outputs = outputs;
        PerStep = perStep;
        RowMask = rowMask;
        FinalState = finalState;
    }

    /// <summary>The batch this output belongs to.</summary>
    public SequenceBatch<T> Batch { get; }

    /// <summary>Logits, [Rows, Outputs]: [B, C] for a last-hidden head, [T·B, C] time-major for a per-step head. May be longer than Rows·Outputs.</summary>
    public T[] SortedLogits { get; }

    /// <summary>Number of logit rows.</summary>
    public int Rows { get; }

    /// <summary>Logits per row.</summary>
    public int Outputs { get; }

    /// <summary>Whether there is a row per step.</summary>
    public bool PerStep { get; }

    /// <summary>1 for rows that belong to a sequence, 0 for padded steps; empty for a last-hidden head.</summary>
    public byte[] RowMask { get; }

    /// <summary>Every layer's state after each sequence's last step, in the caller's order.</summary>
    public RecurrentState<T> FinalState { get; }

    /// <summary>The logits of the caller's sequence <paramref name="sequence"/>: C values, or Length × C for a per-step head.</summary>
    public T[] LogitsOf(int sequence) => SequenceLogits(Batch, SortedLogits, Outputs, PerStep, sequence);

    /// <summary>One sequence's logits, in the caller's numbering, from logits in a batch's sorted layout.</summary>
    internal static T[] SequenceLogits(SequenceBatch<T> batch, T[] sortedLogits, int outputs, bool perStep, int sequence)
    {
        int row = Array.IndexOf(batch.Order, sequence);
        if (row < 0) throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"The batch has {batch.Count} sequences.");
        if (!perStep) return sortedLogits.AsSpan(row * outputs, outputs).ToArray();
        int length = batch.Lengths[row];
        var result = new T[length * outputs];
        for (int t = 0; t < length; t++)
            sortedLogits.AsSpan((t * batch.Count + row) * outputs, outputs).CopyTo(result.AsSpan(t * outputs, outputs));
        return result;
    }
}
