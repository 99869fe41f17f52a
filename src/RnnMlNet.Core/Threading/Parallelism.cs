namespace RnnMlNet.Core.Threading;

/// <summary>
/// Splits a range of independent output rows into contiguous chunks, one per thread: two chunks go to this thread and
/// the <see cref="PartnerThread"/> when it is free, otherwise (or for more chunks) to the thread pool.
/// Every output row is always produced by a single thread in a fixed order, so results are
/// bit-identical whatever the thread count: more threads change only the speed.
/// </summary>
internal static class Parallelism
{
    /// <summary>Below this many multiply-adds a product runs on the calling thread: a task hand-off costs more.</summary>
    public const long MinimumParallelWork = 1 << 16;

    public static void ForRows(int rows, long workPerRow, int threads, Action<int, int> body)
    {
        int chunks = ChunkCount(rows, workPerRow, threads);
        if (chunks <= 1)
        {
            body(0, rows);
            return;
        }
        if (chunks == 2 && PartnerThread.TryAcquire())
        {
            try
            {
                PartnerThread.Run(chunk => body(chunk == 0 ? 0 : rows / 2, chunk == 0 ? rows / 2 : rows));
            }
            finally
            {
                PartnerThread.Release();
            }
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, chunk =>
        {
            int start = (int)((long)rows * chunk / chunks);
            int end = (int)((long)rows * (chunk + 1) / chunks);
            body(start, end);
        });
    }

    private static int ChunkCount(int rows, long workPerRow, int threads)
    {
        if (threads <= 1 || rows <= 1) return 1;
        long work = rows * workPerRow;
        if (work < MinimumParallelWork) return 1;
        return (int)Math.Min(Math.Min(threads, rows), Math.Max(1, work / MinimumParallelWork));
    }
}
