using System.Numerics;

namespace RnnMlNet.Core.Distributed;

/// <summary>
/// Sums the shards' gradients of a global batch on every rank, adding the shards in shard order.
/// <para>Why not MPI's allreduce: it adds in an order of the library's choosing, so the last bits would change with the
/// number of processes. Here the gradient is cut into one slice per rank (a reduce-scatter by all-to-all): the owner of a
/// slice receives every shard's values of it and adds them in shard order, so each element gets the same additions
/// whatever the number of processes; the summed slices are then gathered on every rank. Each rank sends and receives about
/// twice the gradient, as a ring allreduce does.</para>
/// </summary>
internal sealed class ShardedGradient<T>(IRankCommunicator communicator, int shards, int length) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _localShards = shards / communicator.Size;
    // Elements of the gradient that each rank sums (the last slice is padded with zeros).
    private readonly int _slice = Math.Max(1, (length + communicator.Size - 1) / communicator.Size);
    // A rank sends its shards' values of every slice in one array, so the network's weights times the shards per rank must fit one.
    private readonly int _exchanged = ExchangedLength(communicator.Size, shards, length);
    private T[]? _send, _receive, _sum, _gathered;

    /// <summary>Writes Σ_s scale_s · g_s into <paramref name="gradient"/>, s in shard order over every rank's shards;
    /// <paramref name="local"/> holds this rank's shards' gradients, <paramref name="scales"/> every shard's scale (the
    /// same on every rank). A shard whose scale is 0 (it had no examples) is left out.</summary>
    public void Combine(T[][] local, T[] scales, T[] gradient)
    {
        int ranks = communicator.Size;
        int block = _slice * _localShards;
        var send = _send ??= new T[_exchanged];
        var receive = _receive ??= new T[_exchanged];
        for (int rank = 0; rank < ranks; rank++)
        {
            int start = rank * _slice, count = Math.Clamp(length - start, 0, _slice);
            for (int l = 0; l < _localShards; l++)
            {
                var target = send.AsSpan(rank * block + l * _slice, _slice);
                local[l].AsSpan(Math.Min(start, length), count).CopyTo(target);
                target[count..].Clear();
            }
        }
        communicator.AllToAll(send, receive);

        // Block i of receive is rank i's shards' values of this rank's slice: shards i·L … i·L + L − 1, so in shard order.
        var sum = _sum ??= new T[_slice];
        Array.Clear(sum);
        for (int shard = 0; shard < shards; shard++)
        {
            T scale = scales[shard];
            if (scale == T.Zero) continue;
            AddScaled(sum, receive.AsSpan(shard * _slice, _slice), scale);
        }
        var gathered = _gathered ??= new T[ranks * _slice];
        communicator.AllGather(sum, gathered);
        gathered.AsSpan(0, length).CopyTo(gradient);
    }

    /// <summary>The length of the arrays a rank sends and receives: every rank's slice, once for each of its shards.</summary>
    private static int ExchangedLength(int ranks, int shards, int length)
    {
        long slice = Math.Max(1, ((long)length + ranks - 1) / ranks), exchanged = ranks * slice * (shards / ranks);
        return exchanged <= Array.MaxLength ? (int)exchanged : throw new NotSupportedException(
            FormattableString.Invariant($"Data-parallel training sends each process's gradients in one array: {length:N0} weights for each of its {shards / ranks} shards need ") +
            FormattableString.Invariant($"{exchanged:N0} values, more than .NET's largest array ({Array.MaxLength:N0}). Use fewer shards per process (DataParallelOptions.Shards), or a smaller network."));
    }

    /// <summary>sum += scale · values, a multiply then an add per element (never fused), so the vector lanes and the
    /// scalar tail round alike and a slice's split into lanes, which moves with the number of ranks, changes no bit.</summary>
    private static void AddScaled(Span<T> sum, ReadOnlySpan<T> values, T scale)
    {
        int e = 0;
        if (Vector.IsHardwareAccelerated && sum.Length >= Vector<T>.Count)
        {
            var scales = new Vector<T>(scale);
            for (; e <= sum.Length - Vector<T>.Count; e += Vector<T>.Count)
                (new Vector<T>(sum[e..]) + scales * new Vector<T>(values[e..])).CopyTo(sum[e..]);
        }
        for (; e < sum.Length; e++) sum[e] += scale * values[e];
    }
}
