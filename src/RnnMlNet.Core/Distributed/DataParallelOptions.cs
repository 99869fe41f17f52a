using RnnMlNet.Core;

namespace RnnMlNet;

/// <summary>
/// Synchronous data-parallel training: every global batch is cut into <see cref="Shards"/> parts; each process computes
/// the gradients of its parts, the parts are summed in shard order, and every process applies the same update.
/// <para>The weights depend on the number of shards, never on the number of processes: N processes give, bit for bit,
/// what one process with the same <see cref="Shards"/> gives. Shard s of the data is every example whose index in the
/// training source is s modulo <see cref="Shards"/>; it is shuffled, bucketed and dropped out from the seed and s alone.
/// A process reads only the examples of its own shards.</para>
/// </summary>
public sealed class DataParallelOptions
{
    /// <summary>The job's processes (required).</summary>
    public required IRankCommunicator Communicator { get; init; }

    /// <summary>Parts of each global batch: a multiple of the number of processes, at most the batch size; each process
    /// takes a contiguous run of them. Default null: one per process.</summary>
    public int? Shards { get; init; }

    internal int ShardCount => Shards ?? Communicator.Size;

    internal void Validate(int batchSize)
    {
        ArgumentNullException.ThrowIfNull(Communicator, nameof(Communicator));
        int size = Communicator.Size;
        OptionChecks.Require(size >= 1 && Communicator.Rank >= 0 && Communicator.Rank < size, nameof(Communicator),
            $"rank {Communicator.Rank} of {size}", "a rank from 0 to size − 1");
        OptionChecks.Require(ShardCount >= size && ShardCount % size == 0, nameof(Shards), ShardCount, $"a multiple of the {size} processes");
        OptionChecks.Require(ShardCount <= batchSize, nameof(Shards), ShardCount, $"at most the batch size ({batchSize})");
    }

    /// <summary>The shards this process computes.</summary>
    internal int[] LocalShards()
    {
        int perRank = ShardCount / Communicator.Size;
        return Enumerable.Range(Communicator.Rank * perRank, perRank).ToArray();
    }

    /// <summary>Examples of shard <paramref name="shard"/> in each global batch: the batch divided evenly, the first shards
    /// taking one more when it does not divide.</summary>
    internal int ShardBatchSize(int shard, int batchSize) => batchSize / ShardCount + (shard < batchSize % ShardCount ? 1 : 0);

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"data-parallel {ShardCount} shards");
}
