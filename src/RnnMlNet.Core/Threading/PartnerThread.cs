using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace RnnMlNet.Core.Threading;

/// <summary>
/// A second thread for parallel work that comes in short pieces, microseconds apart: the two chunks of a parallel region
/// (<see cref="Parallelism.ForRows"/>), and the steps of one sequence scored on two threads. A thread-pool hand-off
/// costs several microseconds of wake-up and context switches each time; the partner instead spins between pieces,
/// and sleeps after a millisecond without work.
/// <para>One caller holds it at a time (<see cref="TryAcquire"/>, not re-entrant, so work running on either thread
/// cannot take it again); a caller that finds it taken does the work another way.</para>
/// </summary>
internal static class PartnerThread
{
    private static readonly object Starting = new();
    private static readonly ManualResetEventSlim Wake = new(false);
    private static readonly long IdleBeforeSleep = Stopwatch.Frequency / 1000;
    private static Thread? s_partner;
    private static Action<int>? s_work;
    private static Exception? s_error;
    private static int s_held, s_posted, s_done, s_sleeping;

    /// <summary>Takes the partner for a run of <see cref="Run"/> calls; false when another caller (or this one) has it.</summary>
    public static bool TryAcquire()
    {
        // On one core the partner could not run while its caller waits for it.
        if (Environment.ProcessorCount < 2 || Interlocked.CompareExchange(ref s_held, 1, 0) != 0) return false;
        if (s_partner is null)
        {
            try
            {
                lock (Starting)
                {
                    s_partner ??= new Thread(PartnerLoop) { IsBackground = true, Name = "RnnMlNet partner" };
                    if (!s_partner.IsAlive) s_partner.Start();
                }
            }
            catch
            {
                Release();
                throw;
            }
        }
        return true;
    }

    public static void Release() => Volatile.Write(ref s_held, 0);

    /// <summary>Runs <c>work(0)</c> on this thread and <c>work(1)</c> on the partner, and returns when both are done.
    /// Only between <see cref="TryAcquire"/> and <see cref="Release"/>.</summary>
    public static void Run(Action<int> work)
    {
        s_work = work;
        int ticket = Interlocked.Increment(ref s_posted);
        if (Volatile.Read(ref s_sleeping) == 1) Wake.Set();
        Exception? mine = null;
        try
        {
            work(0);
        }
        catch (Exception error)
        {
            mine = error;
        }
        // The other half takes about as long as this one: a plain spin notices its end soonest. Past about 50 µs the
        // partner is likely not running (more busy threads than cores), so give up the core between looks.
        long waitingSince = Stopwatch.GetTimestamp();
        for (int spins = 1; Volatile.Read(ref s_done) != ticket; spins++)
        {
            if (spins % 256 == 0 && Stopwatch.GetTimestamp() - waitingSince > PatientWait) Thread.Yield();
            else Thread.SpinWait(1);
        }
        Exception? theirs = Interlocked.Exchange(ref s_error, null);
        if (mine is not null && theirs is not null) throw new AggregateException(mine, theirs);
        if ((mine ?? theirs) is { } failure) ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private static readonly long PatientWait = Stopwatch.Frequency / 20_000;

    private static void PartnerLoop()
    {
        int seen = 0;
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            for (int spins = 1; Volatile.Read(ref s_posted) == seen; spins++)
            {
                // Reading the clock costs more than a spin: look at it now and then.
                if (spins % 256 != 0 || Stopwatch.GetTimestamp() - idleSince < IdleBeforeSleep)
                {
                    Thread.SpinWait(1);
                    continue;
                }
                // Reset before announcing sleep: a caller that sees s_sleeping = 1 sets the event after this reset,
                // and one that does not see it has posted before the check below.
                Wake.Reset();
                Interlocked.Exchange(ref s_sleeping, 1);
                if (Volatile.Read(ref s_posted) == seen) Wake.Wait();
                Interlocked.Exchange(ref s_sleeping, 0);
                idleSince = Stopwatch.GetTimestamp();
            }
            seen = Volatile.Read(ref s_posted);
            try
            {
                s_work!(1);
            }
            catch (Exception error)
            {
                s_error = error;
            }
            Volatile.Write(ref s_done, seen);
        }
    }
}
