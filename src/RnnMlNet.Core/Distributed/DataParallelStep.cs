using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Distributed;

/// <summary>
/// A training step and an evaluation of a data-parallel job, on this rank's shards: each shard's gradient is computed
/// alone, then the ranks exchange the shards' losses and weights and combine the gradients, so every rank ends the step
/// with the same loss and gradient.
/// </summary>
internal sealed class DataParallelStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int StatsPerShard = 3; // loss, weight, rows
    private readonly DataParallelOptions _options;
    private readonly ITrainingObjective<T> _objective;
    private readonly int[] _localShards;
    private readonly T[][] _shardGradients;
    private readonly ShardedGradient<T> _combine;

    public DataParallelStep(DataParallelOptions options, ITrainingObjective<T> objective)
    {
        _options = options;
        _objective = objective;
        _localShards = options.LocalShards();
        _shardGradients = _localShards.Select(_ => new T[objective.Parameters.Count]).ToArray();
        _combine = new ShardedGradient<T>(options.Communicator, options.ShardCount, objective.Parameters.Count);
    }

    /// <summary>Throws on every rank unless every rank trains the same weights with the same settings on data of the same
    /// size: a rank given other options or data would otherwise train on silently, and every rank would end with a wrong model.</summary>
    public void RequireRanksAgree(string settings, int? rows)
    {
        ulong mine = Fnv1a(System.Text.Encoding.UTF8.GetBytes(settings), Fnv1a(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_objective.Parameters.Values.AsSpan()), Offset));
        var all = new long[_options.Communicator.Size * 2];
        _options.Communicator.AllGather([unchecked((long)mine), rows ?? -1], all);
        for (int rank = 1; rank < _options.Communicator.Size; rank++)
        {
            if (all[rank * 2] != all[0])
                throw new InvalidOperationException($"Rank {rank}'s network, initial weights or training options differ from rank 0's: every rank must train the same model with the same options.");
            if (all[rank * 2 + 1] != all[1])
                throw new InvalidOperationException($"Rank {rank} has {Rows(all[rank * 2 + 1])} training examples and rank 0 {Rows(all[1])}: every rank must read the same data.");
        }
    }

    private static string Rows(long count) => count < 0 ? "an unknown number of" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private const ulong Offset = 14695981039346656037;

    /// <summary>FNV-1a: the same on every process (string.GetHashCode is randomised per process).</summary>
    private static ulong Fnv1a(ReadOnlySpan<byte> bytes, ulong hash)
    {
        foreach (byte b in bytes) hash = unchecked((hash ^ b) * 1099511628211);
        return hash;
    }

    /// <summary>This rank's shards' batches of one global step, one per local shard (empty when the shard has run out).
    /// Leaves the global batch's mean-loss gradient in the parameters' gradients; returns the global mean loss, its weight
    /// and the global number of examples, 0 once every shard has run out.</summary>
    public (double Loss, double Weight, int Rows) ComputeGradients(LabeledSequence<T>[][] batches, int dropoutSeed)
    {
        var parameters = _objective.Parameters;
        var stats = new double[_localShards.Length * StatsPerShard];
        for (int l = 0; l < _localShards.Length; l++)
        {
            if (batches[l].Length == 0) continue;
            parameters.ZeroGradients();
            // The shard's dropout stream derives from the step and the shard, never the rank.
            var dropout = new Random(unchecked(dropoutSeed + (_localShards[l] + 1) * 15_485_863));
            var (loss, weight) = _objective.ComputeGradients(batches[l], dropout);
            parameters.Gradients.CopyTo(_shardGradients[l], 0);
            (stats[l * StatsPerShard], stats[l * StatsPerShard + 1], stats[l * StatsPerShard + 2]) = (loss, weight, batches[l].Length);
        }
        var all = Gather(stats);
        double lossSum = 0, weightSum = 0;
        int rows = 0;
        for (int s = 0; s < _options.ShardCount; s++)
        {
            lossSum += all[s * StatsPerShard] * all[s * StatsPerShard + 1];
            weightSum += all[s * StatsPerShard + 1];
            rows += (int)all[s * StatsPerShard + 2];
        }
        if (rows == 0) return (0, 0, 0);
        var scales = new T[_options.ShardCount];
        for (int s = 0; s < scales.Length; s++)
            scales[s] = weightSum > 0 ? T.CreateChecked(all[s * StatsPerShard + 1] / weightSum) : T.Zero;
        _combine.Combine(_shardGradients, scales, parameters.Gradients);
        return (weightSum > 0 ? lossSum / weightSum : 0, weightSum, rows);
    }

    /// <summary>The mean loss over every shard of <paramref name="source"/> in inference mode, the same on every rank.</summary>
    public double Evaluate(ISequenceSource<T> source, int batchSize)
    {
        var stats = new double[_localShards.Length * 2];
        for (int l = 0; l < _localShards.Length; l++)
        {
            int shard = _localShards[l];
            foreach (var examples in source.Read(shard, _options.ShardCount).Chunk(_options.ShardBatchSize(shard, batchSize)))
            {
                var (loss, weight) = _objective.Evaluate(examples);
                stats[l * 2] += loss * weight;
                stats[l * 2 + 1] += weight;
            }
        }
        var all = Gather(stats);
        double lossSum = 0, weightSum = 0;
        for (int s = 0; s < _options.ShardCount; s++)
        {
            lossSum += all[s * 2];
            weightSum += all[s * 2 + 1];
        }
        return weightSum > 0 ? lossSum / weightSum : 0;
    }

    private double[] Gather(double[] local)
    {
        var all = new double[local.Length * _options.Communicator.Size];
        _options.Communicator.AllGather(local, all);
        return all;
    }
}
