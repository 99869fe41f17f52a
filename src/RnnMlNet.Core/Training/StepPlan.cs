using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Distributed;

namespace RnnMlNet.Core.Training;

/// <summary>
/// The batches of each training step: the source cut into batches, or, data-parallel, this rank's shards of every global
/// batch, each shard cut into its own batches from a shuffling stream of its own.
/// </summary>
internal sealed class StepPlan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ISequenceSource<T> _source;
    private readonly TrainingOptions _options;
    private readonly int[] _shards;
    private readonly int _shardCount;
    private readonly Random[] _shuffles;

    public StepPlan(ISequenceSource<T> source, TrainingOptions options)
    {
        _source = source;
        _options = options;
        _shards = options.DataParallel?.LocalShards() ?? [0];
        _shardCount = options.DataParallel?.ShardCount ?? 1;
        _shuffles = options.DataParallel is null
            ? [new Random(options.Seed)]
            : _shards.Select(shard => new Random(unchecked(options.Seed + (shard + 1) * 1_000_033))).ToArray();
    }

    /// <summary>Global steps in an epoch, when the source's count is known.</summary>
    public int? BatchesPerEpoch => _source.Count is int count
        ? Enumerable.Range(0, _shardCount).Max(shard => Batches(count / _shardCount + (shard < count % _shardCount ? 1 : 0), BatchSize(shard)))
        : null;

    /// <summary>One epoch's steps, each with one batch per local shard (empty for a shard that has run out). Data-parallel
    /// the steps never end: only the ranks together know when every shard has run out.</summary>
    public IEnumerable<LabeledSequence<T>[][]> Epoch()
    {
        if (_options.DataParallel is null)
        {
            foreach (var batch in ShardBatches(0)) yield return [batch];
            yield break;
        }
        var shards = _shards.Select((_, l) => ShardBatches(l).GetEnumerator()).ToArray();
        try
        {
            while (true) yield return shards.Select(shard => shard.MoveNext() ? shard.Current : []).ToArray();
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    /// <summary>Draws one epoch's shuffling without training, so a resumed run shuffles the epochs to come as an
    /// uninterrupted one would.</summary>
    public void Replay()
    {
        for (int l = 0; l < _shards.Length; l++)
            foreach (var _ in ShardBatches(l))
                _options.CancellationToken.ThrowIfCancellationRequested();
    }

    private IEnumerable<LabeledSequence<T>[]> ShardBatches(int local)
    {
        var examples = _options.DataParallel is null ? _source.Read() : _source.Read(_shards[local], _shardCount);
        return BatchPlanner.Batches(examples, BatchSize(_shards[local]), _options.ShuffleBufferSize, _options.Shuffle, _options.BucketByLength, _shuffles[local]);
    }

    private int BatchSize(int shard) => _options.DataParallel?.ShardBatchSize(shard, _options.BatchSize) ?? _options.BatchSize;

    private static int Batches(int rows, int batchSize) => (rows + batchSize - 1) / batchSize;
}
