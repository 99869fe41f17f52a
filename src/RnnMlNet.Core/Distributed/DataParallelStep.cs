using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Distributed;

/// <summary>
/// A training step and an evaluation of a data-parallel job, on this rank's shards: each shard's gradient is computed
/// alone, then the ranks exchange the shards' losses and weights and combine the gradients, so every rank ends the step
/// with the same loss and gradient.
/// <para>A failure or a cancellation on one rank travels in the same exchange, so every rank stops at the same step
/// (<see cref="StoppedTogether"/>) instead of the others waiting for ever in the next exchange.</para>
/// </summary>
internal sealed class DataParallelStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int StatsPerShard = 3; // loss, weight, rows
    private const double Running = 0, Cancelled = 1, Failed = 2;
    private readonly ITrainingObjective<T> _objective;
    private readonly int[] _localShards;
    private readonly T[][] _shardGradients;
    private readonly ShardedGradient<T> _combine;

    public DataParallelStep(DataParallelOptions options, ITrainingObjective<T> objective)
    {
        Options = options;
        _objective = objective;
        _localShards = options.LocalShards();
        _shardGradients = _localShards.Select(_ => new T[objective.Parameters.Count]).ToArray();
        _combine = new ShardedGradient<T>(options.Communicator, options.ShardCount, objective.Parameters.Count);
    }

    /// <summary>The job's settings, as the trainer was created with them.</summary>
    public DataParallelOptions Options { get; }

    /// <summary>Whether the exception under way was thrown on every rank at the same point (so the job needs no abort).</summary>
    public bool StoppedTogether { get; private set; }

    /// <summary>A new Fit or Evaluate: nothing has stopped yet.</summary>
    public void Start() => StoppedTogether = false;

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => Options.Communicator.AllGather(new int[1], new int[Options.Communicator.Size]);

    /// <summary>Every rank meets the error under way alike (it depends on the options, the checkpoint every rank reads, or
    /// sums over every rank), so each throws it and none aborts the job.</summary>
    public void StopAlike() => StoppedTogether = true;

    /// <summary>Throws on every rank unless every rank trains the same weights with the same settings, from the same
    /// checkpoint, on data of the same size, on the same kind of processor (vector width and instruction sets decide the
    /// last bits of some sums): a rank that differs would otherwise train on silently, and every rank would end with a
    /// wrong model.</summary>
    /// <remarks>Each setting is compared on its own (the first <see cref="SettingsCompared"/>; any more share the last
    /// place), so the error names the one that differs.</remarks>
    public void RequireRanksAgree(IReadOnlyList<(string Setting, string Value)> settings, int? rows, int? validationRows)
    {
        string processor = FormattableString.Invariant($"{RuntimeInformation.ProcessArchitecture}|{Vector<byte>.Count}|{Avx2.IsSupported}|{Fma.IsSupported}");
        const int Fixed = 4;
        var local = new long[Fixed + SettingsCompared];
        local[0] = unchecked((long)Fnv1a(MemoryMarshal.AsBytes(_objective.Parameters.Values.AsSpan()), Offset));
        (local[1], local[2]) = (rows ?? -1, validationRows ?? -1);
        local[3] = unchecked((long)Fnv1a(System.Text.Encoding.UTF8.GetBytes(processor), Offset));
        for (int i = 0; i < settings.Count; i++)
        {
            int place = Fixed + Math.Min(i, SettingsCompared - 1);
            local[place] = unchecked((long)Fnv1a(System.Text.Encoding.UTF8.GetBytes(settings[i].Value + "|"), (ulong)local[place] ^ Offset));
        }
        var all = new long[Options.Communicator.Size * local.Length];
        Options.Communicator.AllGather(local, all);
        const string Same = "every rank must train the same model with the same options from the same checkpoint file";
        for (int rank = 1; rank < Options.Communicator.Size; rank++)
        {
            long Theirs(int place) => all[rank * local.Length + place];
            int setting = Enumerable.Range(0, SettingsCompared).FirstOrDefault(s => Theirs(Fixed + s) != all[Fixed + s], -1);
            string? difference =
                setting >= 0 ? (setting < settings.Count && setting < SettingsCompared - 1 ? $"its setting '{settings[setting].Setting}'" : "one of its settings") + $" differs from rank 0's: {Same}"
                : Theirs(0) != all[0] ? $"its network's weights (initial, or from the checkpoint) differ from rank 0's: {Same}"
                : Theirs(1) != all[1] ? $"it has {Rows(Theirs(1))} training examples and rank 0 {Rows(all[1])}: every rank must read the same data"
                : Theirs(2) != all[2] ? $"it has {Rows(Theirs(2))} validation examples and rank 0 {Rows(all[2])}: every rank must read the same data"
                : Theirs(3) != all[3] ? "it runs on another kind of processor than rank 0 (architecture, vector width or instruction sets), whose sums round differently"
                : null;
            if (difference is not null) Stop(new InvalidOperationException($"Rank {rank}: {difference}."));
        }
    }

    /// <summary>How many settings <see cref="RequireRanksAgree"/> compares one by one: more than the trainer has.</summary>
    private const int SettingsCompared = 40;

    private static string Rows(long count) => count < 0 ? "none or an unknown number of" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private const ulong Offset = 14695981039346656037;

    /// <summary>FNV-1a: the same on every process (string.GetHashCode is randomised per process).</summary>
    private static ulong Fnv1a(ReadOnlySpan<byte> bytes, ulong hash)
    {
        foreach (byte b in bytes) hash = unchecked((hash ^ b) * 1099511628211);
        return hash;
    }

    /// <summary>This rank's shards' batches of one global step, one per local shard (empty when the shard has run out), or
    /// the failure met while reading them. Leaves the global batch's mean-loss gradient in the parameters' gradients;
    /// returns the global mean loss, its weight and the global number of examples, 0 once every shard has run out.</summary>
    public (double Loss, double Weight, int Rows) ComputeGradients(LabeledSequence<T>[][] batches, Exception? readFailure, bool cancelled, int dropoutSeed)
    {
        var parameters = _objective.Parameters;
        var stats = new double[1 + _localShards.Length * StatsPerShard];
        var failure = readFailure;
        stats[0] = cancelled ? Cancelled : Running;
        for (int l = 0; l < _localShards.Length && failure is null && !cancelled; l++)
        {
            if (batches[l].Length == 0) continue;
            try
            {
                parameters.ZeroGradients();
                // The shard's dropout stream derives from the step and the shard, never the rank.
                var dropout = new Random(unchecked(dropoutSeed + (_localShards[l] + 1) * 15_485_863));
                var (loss, weight) = _objective.ComputeGradients(batches[l], dropout);
                parameters.Gradients.CopyTo(_shardGradients[l], 0);
                (stats[1 + l * StatsPerShard], stats[2 + l * StatsPerShard], stats[3 + l * StatsPerShard]) = (loss, weight, batches[l].Length);
            }
            catch (Exception error)
            {
                failure = error;
            }
        }
        // A reader cancelled by the token (ML.NET's cursor) is a cancellation, not a failure.
        if (failure is not null) stats[0] = failure is OperationCanceledException ? Cancelled : Failed;
        var all = Exchange(stats, failure);

        double lossSum = 0, weightSum = 0;
        int rows = 0;
        for (int s = 0; s < Options.ShardCount; s++)
        {
            int at = Stat(s, StatsPerShard);
            lossSum += all[at] * all[at + 1];
            weightSum += all[at + 1];
            rows += (int)all[at + 2];
        }
        if (rows == 0) return (0, 0, 0);
        var scales = new T[Options.ShardCount];
        for (int s = 0; s < scales.Length; s++)
            scales[s] = weightSum > 0 ? T.CreateChecked(all[Stat(s, StatsPerShard) + 1] / weightSum) : T.Zero;
        _combine.Combine(_shardGradients, scales, parameters.Gradients);
        return (weightSum > 0 ? lossSum / weightSum : 0, weightSum, rows);
    }

    /// <summary>The validation sums (loss, weight, errors, predictions) over every shard of <paramref name="source"/> in
    /// inference mode, added in shard order: the same on every rank. Every rank must call it.</summary>
    public ValidationSums Evaluate(ISequenceSource<T> source, int batchSize)
    {
        const int perShard = 4;
        var stats = new double[1 + _localShards.Length * perShard];
        Exception? failure = null;
        try
        {
            for (int l = 0; l < _localShards.Length; l++)
            {
                int shard = _localShards[l];
                var sums = new ValidationSums();
                foreach (var examples in source.Read(shard, Options.ShardCount).Chunk(Options.ShardBatchSize(shard, batchSize)))
                    sums.Add(_objective.EvaluateWithErrors(examples));
                (stats[1 + l * perShard], stats[2 + l * perShard], stats[3 + l * perShard], stats[4 + l * perShard]) = (sums.LossSum, sums.Weight, sums.Errors, sums.Predictions);
            }
        }
        catch (Exception error)
        {
            failure = error;
            // A reader cancelled by the token (ML.NET's cursor) is a cancellation, not a failure.
            stats[0] = error is OperationCanceledException ? Cancelled : Failed;
        }
        var all = Exchange(stats, failure);
        var total = new ValidationSums();
        for (int s = 0; s < Options.ShardCount; s++)
        {
            int at = Stat(s, perShard);
            total.LossSum += all[at];
            total.Weight += all[at + 1];
            total.Errors += all[at + 2];
            total.Predictions += all[at + 3];
        }
        return total;
    }

    /// <summary>Where shard s's statistics start in the gathered array: each rank's block holds its status, then its
    /// shards' statistics in shard order.</summary>
    private int Stat(int shard, int perShard)
    {
        int perRank = _localShards.Length;
        return shard / perRank * (1 + perRank * perShard) + 1 + shard % perRank * perShard;
    }

    /// <summary>Gathers every rank's statistics; when any rank failed or was cancelled, every rank throws here.</summary>
    private double[] Exchange(double[] local, Exception? failure)
    {
        var all = new double[local.Length * Options.Communicator.Size];
        Options.Communicator.AllGather(local, all);
        var statuses = Enumerable.Range(0, Options.Communicator.Size).Select(rank => all[rank * local.Length]).ToArray();
        if (failure is not null)
        {
            StoppedTogether = true;
            ExceptionDispatchInfo.Throw(failure);
        }
        if (Array.IndexOf(statuses, Failed) is int failed and >= 0)
            Stop(new InvalidOperationException($"Rank {failed} of the data-parallel job failed (its own error says why); this rank stops with it."));
        if (Array.IndexOf(statuses, Cancelled) is int cancelled and >= 0)
            Stop(new OperationCanceledException($"Rank {cancelled} of the data-parallel job was cancelled; every rank stops after the same batch."));
        return all;
    }

    private void Stop(Exception reason)
    {
        StoppedTogether = true;
        throw reason;
    }
}
