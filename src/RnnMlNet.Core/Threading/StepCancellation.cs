namespace RnnMlNet.Core.Threading;

/// <summary>
/// The cancellation of the training step running on this thread, checked between time steps inside a batch, so a cancel
/// does not wait for a long sequence to finish (a batch of one 1,000,000-step sequence took 2.3 s). Every thread working
/// on a batch's rows stops at its next step, and the thread that started the pass throws once they all have (when only
/// the first rows' thread checked, a cancel waited seconds for the others' rows). Ambient rather than passed through
/// every layer's signature: only the trainer sets it, around one forward and backward pass; scoring never sees it.
/// </summary>
internal static class StepCancellation
{
    [ThreadStatic]
    private static CancellationToken t_token;

    /// <summary>The token of the step on this thread; none outside training.</summary>
    public static CancellationToken Current => t_token;

    /// <summary>Runs <paramref name="step"/> with <paramref name="token"/> as the current step's cancellation.</summary>
    public static TResult Run<TResult>(CancellationToken token, Func<TResult> step)
    {
        var outer = t_token;
        t_token = token;
        try
        {
            return step();
        }
        finally
        {
            t_token = outer;
        }
    }

    /// <summary>
    /// Runs <paramref name="rowsThroughSteps"/> over a batch's rows as <see cref="Parallelism.ForRows"/> does, each thread
    /// giving it a check to ask between its steps; once every thread has stopped, throws on the calling
    /// thread if the step was cancelled, so the caller gets one plain <see cref="OperationCanceledException"/> and never the
    /// rows a stopped thread left unfinished.
    /// </summary>
    public static void ForRows(int rows, long workPerRow, int threads, Action<int, int, Func<bool>> rowsThroughSteps)
    {
        var token = t_token;
        Func<bool> cancelled = () => token.IsCancellationRequested;
        Parallelism.ForRows(rows, workPerRow, threads, (first, end) => rowsThroughSteps(first, end, cancelled));
        token.ThrowIfCancellationRequested();
    }
}
