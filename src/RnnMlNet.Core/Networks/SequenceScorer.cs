using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Layers;

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
    // The copy holds the weights, the embedding and the head, and checks input as the network does; its own recurrent
    // layers (built for training) are never run.
    private readonly RecurrentNetwork<T> _copy;
    private readonly ScoringLayer<T>[] _layers;
    private readonly bool _firstLayerReadsTable;
    private T[]? _lastHidden;

    /// <param name="frozenCopy">A network of its own, whose weights must not change afterwards.</param>
    /// <param name="maximumTableBytes">Largest token table [V, G·H] to precompute per direction of the first layer.</param>
    internal SequenceScorer(RecurrentNetwork<T> frozenCopy, long maximumTableBytes)
    {
        _copy = frozenCopy;
        var options = frozenCopy.Options;
        long tableLength = (long)options.VocabularySize * frozenCopy.Layer(0).Directions[0].Cell.GateWidth;
        _firstLayerReadsTable = options.Input != InputKind.Features && tableLength <= Array.MaxLength
            && tableLength * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= maximumTableBytes;
        _layers = new ScoringLayer<T>[options.Layers];
        for (int l = 0; l < _layers.Length; l++)
            _layers[l] = new ScoringLayer<T>(frozenCopy.Layer(l), tokenTable: l == 0 && _firstLayerReadsTable, frozenCopy.Embedding?.Table, options.Threads);
    }

    /// <summary>The shape of the scored network (a copy).</summary>
    public NetworkOptions Options => _copy.Options.Clone();

    /// <summary>The logits of one sequence: C values, or Length × C for a per-step head.</summary>
    public T[] Score(Sequence<T> sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var batch = SequenceBatch<T>.Create([sequence]);
        return NetworkOutput<T>.SequenceLogits(batch, Run(batch), _copy.Options.OutputWidth, PerStep, 0);
    }

    /// <summary>The logits of each sequence, in the caller's order, scored together as one batch.</summary>
    public T[][] Score(IReadOnlyList<Sequence<T>> sequences)
    {
        var batch = SequenceBatch<T>.Create(sequences);
        T[] logits = Run(batch);
        return Enumerable.Range(0, batch.Count).Select(i => NetworkOutput<T>.SequenceLogits(batch, logits, _copy.Options.OutputWidth, PerStep, i)).ToArray();
    }

    private bool PerStep => _copy.Options.Head != HeadKind.LastHidden;

    /// <summary>The head's logits in the batch's sorted layout: input → each layer's directions → concatenated outputs →
    /// next layer → head on the last hidden state, on the outputs pooled over the steps, or on every step.</summary>
    private T[] Run(SequenceBatch<T> batch)
    {
        _copy.CheckInput(batch);
        int b = batch.Count, threads = _copy.Options.Threads;
        // The table is indexed by token id, for embedded tokens too.
        LayerInput<T> input = _firstLayerReadsTable ? LayerInput<T>.FromTokens(batch.Tokens!, _copy.Options.VocabularySize) : _copy.FirstLayerInput(batch);
        // The copy's pooling layer is the scorer's own: the copy itself never runs.
        var pooling = _copy.PoolingLayer;
        bool everyOutput = PerStep || pooling is not null;
        for (int l = 0; l < _layers.Length; l++)
        {
            bool last = l == _layers.Length - 1;
            _layers[l].Forward(input, batch, threads, formOutput: !last || everyOutput);
            if (!last || everyOutput) input = LayerInput<T>.FromDense(_layers[l].Output, _layers[l].OutputSize);
        }
        if (PerStep) return _copy.HasHead ? _copy.Head.Forward(input.Dense!, batch.MaxLength * b, threads) : input.Dense!;
        T[] logits;
        if (pooling is not null) logits = _copy.Head.Forward(pooling.Forward(input.Dense!, batch), b, threads);
        else
        {
            T[] lastHidden = Buffers.Ensure(ref _lastHidden, (long)b * _layers[^1].OutputSize);
            _layers[^1].CopyFinalHidden(lastHidden);
            logits = _copy.Head.Forward(lastHidden, b, threads);
        }
        _copy.Wide?.AddTo(logits, batch.Side!);
        return logits;
    }
}
