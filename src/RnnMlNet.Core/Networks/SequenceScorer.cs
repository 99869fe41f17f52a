using System.Numerics;
using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// Scores sequences with a frozen copy of a network's weights, for serving; made by
/// <see cref="RecurrentNetwork{T}.CreateScorer"/>. Gives the logits <see cref="RecurrentNetwork{T}.Predict"/> gives for
/// the same weights (up to float rounding, since the table's sums are formed in another order), faster: no state is kept
/// for back-propagation, the recurrent weights are packed once, and for
/// token input the first layer gathers x·W_i + b from a table [V, G·H] computed once (for embedded tokens, the
/// embedding times W_i), so a step costs only the recurrent product and the gate arithmetic.
/// <para>Not thread-safe: it reuses its buffers between calls. Create one per thread.</para>
/// </summary>
public sealed class SequenceScorer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentNetwork<T> _network;

    internal SequenceScorer(RecurrentNetwork<T> frozenCopy) => _network = frozenCopy;

    /// <summary>The shape of the scored network (a copy).</summary>
    public NetworkOptions Options => _network.Options.Clone();

    /// <summary>The logits of one sequence: C values, or Length × C for a per-step head.</summary>
    public T[] Score(Sequence<T> sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        return _network.Forward(SequenceBatch<T>.Create([sequence])).LogitsOf(0);
    }

    /// <summary>The logits of each sequence, in the caller's order, scored together as one batch.</summary>
    public T[][] Score(IReadOnlyList<Sequence<T>> sequences) => _network.Predict(sequences);
}
