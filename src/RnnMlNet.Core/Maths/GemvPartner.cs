using System.Diagnostics;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// A second thread for one-row products (one sequence scored at a time), which come every step, a few microseconds
/// apart: too short for a thread-pool hand-off (several microseconds to wake a worker). The partner spins between
/// products and takes the second half of the column blocks of each; it sleeps after a millisecond without work.
/// <para>One caller at a time uses it; a caller that finds it busy computes its whole product alone. Every element is
/// the same chain of multiply-adds on either thread, so results do not depend on who computed them.</para>
/// </summary>
internal static unsafe class GemvPartner
{
    /// <summary>Below this many multiply-adds the hand-off costs more than it saves.</summary>
    public const long MinimumWork = 1 << 15;

    private static readonly object Caller = new();
    private static readonly ManualResetEventSlim Wake = new(false);
    private static readonly long IdleBeforeSleep = Stopwatch.Frequency / 1000;
    private static Thread? s_partner;
    private static int s_posted, s_done, s_sleeping;
    private static float* s_x, s_blocks, s_y;
    private static int s_k, s_n;

    /// <summary>y[n] += x[k]·op(B), op(B) in <see cref="Sgemv"/>'s column blocks, on this thread and the partner;
    /// false (nothing computed) when the product is too small or the partner is busy.</summary>
    public static bool TryAddRowTimesBlocks(ReadOnlySpan<float> x, ReadOnlySpan<float> blocks, Span<float> y, int k, int n)
    {
        int blockCount = (n + Sgemv.BlockWidth - 1) / Sgemv.BlockWidth;
        if (blockCount < 2 || (long)k * n < MinimumWork || !Monitor.TryEnter(Caller)) return false;
        try
        {
            Gemm.CheckSizes(x.Length, k, blocks.Length, (long)k * n, y.Length, n);
            // The partner takes whole blocks from column `split` on, which are laid out as blocks of an [k, n − split] operand.
            int split = blockCount / 2 * Sgemv.BlockWidth;
            fixed (float* px = x) fixed (float* pb = blocks) fixed (float* py = y)
            {
                s_x = px;
                s_blocks = pb + (long)split * k;
                s_y = py + split;
                s_k = k;
                s_n = n - split;
                int ticket = Post();
                Sgemv.AddRowTimesBlocks(x, blocks.Slice(0, split * k), y.Slice(0, split), k, split);
                var spinner = new SpinWait();
                while (Volatile.Read(ref s_done) != ticket) spinner.SpinOnce(sleep1Threshold: -1);
            }
            return true;
        }
        finally
        {
            Monitor.Exit(Caller);
        }
    }

    private static int Post()
    {
        if (s_partner is null)
        {
            s_partner = new Thread(PartnerLoop) { IsBackground = true, Name = "RnnMlNet one-row products" };
            s_partner.Start();
        }
        int ticket = Interlocked.Increment(ref s_posted);
        if (Volatile.Read(ref s_sleeping) == 1) Wake.Set();
        return ticket;
    }

    private static void PartnerLoop()
    {
        int seen = 0;
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref s_posted) == seen)
            {
                if (Stopwatch.GetTimestamp() - idleSince < IdleBeforeSleep)
                {
                    Thread.SpinWait(16);
                    continue;
                }
                // Reset before announcing sleep: a caller that sees s_sleeping = 1 sets the event after this reset,
                // and one that does not see it posted before the check below.
                Wake.Reset();
                Interlocked.Exchange(ref s_sleeping, 1);
                if (Volatile.Read(ref s_posted) == seen) Wake.Wait();
                Interlocked.Exchange(ref s_sleeping, 0);
                idleSince = Stopwatch.GetTimestamp();
            }
            seen = Volatile.Read(ref s_posted);
            Sgemv.AddRowTimesBlocks(new ReadOnlySpan<float>(s_x, s_k), new ReadOnlySpan<float>(s_blocks, s_k * s_n), new Span<float>(s_y, s_n), s_k, s_n);
            Volatile.Write(ref s_done, seen);
        }
    }
}
