
namespace RnnMlNet.Core.Tests;

/// <summary>
/// A data-parallel job of threads in this process: each rank runs on its own thread, and the exchanges meet at a barrier.
/// It lets the tests compare N ranks with one without MPI (the MPI tests run real processes).
/// </summary>
internal sealed class ThreadRanks
{
    private readonly Barrier _barrier;
    private readonly Array?[] _deposits;
    // The barrier phase at which a rank failed: exchanges of that phase or later fail on every rank, earlier ones stand.
    private long _failedAtPhase = long.MaxValue;

    private ThreadRanks(int size)
    {
        _barrier = new Barrier(size);
        _deposits = new Array?[size];
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> ranks at once and returns each rank's result.</summary>
    public static TResult[] Run<TResult>(int size, Func<IRankCommunicator, TResult> body)
    {
        var job = new ThreadRanks(size);
        var results = new TResult[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = body(new Member(job, rank));
            }
            catch (Exception error)
            {
                errors[rank] = error;
                job.Leave();
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        if (errors.Any(e => e is not null)) throw new AggregateException(errors.OfType<Exception>());
        return results;
    }

    /// <summary>A failed rank leaves the barrier, so the others fail at their next exchange instead of waiting for ever.</summary>
    private void Leave()
    {
        lock (_barrier) _failedAtPhase = Math.Min(_failedAtPhase, _barrier.CurrentPhaseNumber);
        _barrier.RemoveParticipant();
    }

    private void Meet()
    {
        long phase = _barrier.CurrentPhaseNumber;
        bool failed() { lock (_barrier) return _failedAtPhase <= phase; }
        if (failed() || !_barrier.SignalAndWait(TimeSpan.FromMinutes(1)) || failed()) throw new InvalidOperationException("Another rank failed.");
    }

    internal sealed class Member(ThreadRanks job, int rank) : IRankCommunicator
    {
        /// <summary>How often this rank asked to end the job.</summary>
        public int Aborts { get; private set; }

        public int Rank => rank;

        public int Size => job._deposits.Length;

        public void AllGather<TValue>(TValue[] local, TValue[] all) where TValue : unmanaged =>
            Exchange(local, (from, values) => values.CopyTo(all, from * local.Length));

        public void AllToAll<TValue>(TValue[] send, TValue[] receive) where TValue : unmanaged
        {
            int block = send.Length / Size;
            Exchange(send, (from, values) => values.AsSpan(rank * block, block).CopyTo(receive.AsSpan(from * block, block)));
        }

        /// <summary>Nothing to end: the rank's thread fails, and the others fail at their next exchange.</summary>
        public void Abort(Exception reason) => Aborts++;

        /// <summary>Every rank deposits its array; once all have, each reads what it needs from each; then all move on.</summary>
        private void Exchange<TValue>(TValue[] mine, Action<int, TValue[]> read)
        {
            job._deposits[rank] = mine;
            job.Meet();
            for (int from = 0; from < Size; from++) read(from, (TValue[])job._deposits[from]!);
            job.Meet();
        }
    }
}
