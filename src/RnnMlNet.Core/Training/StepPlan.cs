using System.Numerics;
using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Training;

/// <summary>
/// The batches of each training step: the source cut into batches, or, data-parallel, this rank's shards of every global
/// batch, each shard cut into its own batches from a shuffling stream of its own.
/// </summary>
internal sealed class StepPlan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ISequenceSource<T> _source;
    private readonly TrainingOptions _options;
    private readonly DataParallelOptions? _dataParallel;
    private readonly int[] _shards;
    private readonly int _shardCount;
    private readonly Random[] _shuffles;
    private readonly Random[] _windows;

    public StepPlan(ISequenceSource<T> source, TrainingOptions options, DataParallelOptions? dataParallel)
    {
        _source = source;
        _options = options;
        _dataParallel = dataParallel;
        _shards = dataParallel?.LocalShards() ?? [0];
        _shardCount = dataParallel?.ShardCount ?? 1;
        int[] seeds = dataParallel is null ? [options.Seed] : _shards.Select(shard => unchecked(options.Seed + (shard + 1) * 1_000_033)).ToArray();
        _shuffles = seeds.Select(seed => new Random(seed)).ToArray();
        // The windows' starts come from streams of their own, so that a training window leaves the shuffling as it was.
        _windows = seeds.Select(seed => new Random(unchecked(seed * 65_537 + 257))).ToArray();
    }

    /// <summary>Global steps in an epoch, when the source's count is known.</summary>
    public int? BatchesPerEpoch => _source.Count is int count
        ? Enumerable.Range(0, _shardCount).Max(shard => Batches(count / _shardCount + (shard < count % _shardCount ? 1 : 0), BatchSize(shard)))
        : null;

    /// <summary>One epoch's steps, each with one batch per local shard (empty for a shard that has run out). Data-parallel
    /// the steps never end (only the ranks together know when every shard has run out), and a failure to read a shard
    /// comes with the step, for the ranks to stop together.</summary>
    public IEnumerable<(LabeledSequence<T>[][] Batches, Exception? ReadFailure)> Epoch()
    {
        if (_dataParallel is null)
        {
            foreach (var batch in ShardBatches(0)) yield return ([batch], null);
            yield break;
        }
        var shards = _shards.Select((_, l) => ShardBatches(l).GetEnumerator()).ToArray();
        try
        {
            while (true)
            {
                var step = new LabeledSequence<T>[shards.Length][];
                Exception? failure = null;
                for (int l = 0; l < shards.Length; l++)
                {
                    step[l] = [];
                    if (failure is not null) continue;
                    try
                    {
                        if (shards[l].MoveNext()) step[l] = shards[l].Current;
                    }
                    catch (Exception error)
                    {
                        failure = error;
                    }
                }
                yield return (step, failure);
            }
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    /// <summary>Draws one epoch's shuffling (and windows) without training, so a resumed run shuffles the epochs to come as an
    /// uninterrupted one would.</summary>
    public void Replay()
    {
        for (int l = 0; l < _shards.Length; l++)
            foreach (var _ in ShardBatches(l))
                _options.CancellationToken.ThrowIfCancellationRequested();
    }

    private IEnumerable<LabeledSequence<T>[]> ShardBatches(int local)
    {
        var examples = _dataParallel is null ? _source.Read() : _source.Read(_shards[local], _shardCount);
        return BatchPlanner.Batches(examples, BatchSize(_shards[local]), _options.ShuffleBufferSize, _options.Shuffle, _options.BucketByLength, _shuffles[local],
            _options.TrainingWindow, _windows[local]);
    }

    private int BatchSize(int shard) => _dataParallel?.ShardBatchSize(shard, _options.BatchSize) ?? _options.BatchSize;

    private static int Batches(int rows, int batchSize) => (int)(((long)rows + batchSize - 1) / batchSize);
}
