namespace RnnMlNet.Core.Threading;

/// <summary>
/// The cancellation of the training step running on this thread, checked between time steps inside a batch, so a cancel
/// does not wait for a long sequence to finish (a batch of one 1,000,000-step sequence took 2.3 s). Ambient rather than
/// passed through every layer's signature: only the trainer sets it, around one forward and backward pass; scoring never
/// sees it.
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
        // Parallel.For (more than two threads) wraps the one cancellation in an aggregate: the caller gets it plain.
        catch (AggregateException aggregate) when (aggregate.Flatten().InnerExceptions.All(e => e is OperationCanceledException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.Flatten().InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            t_token = outer;
        }
    }

    /// <summary>
    /// Throws when the step is cancelled, from the thread that works on the first rows only, so one
    /// <see cref="OperationCanceledException"/> reaches the caller (<see cref="Run{TResult}"/> unwraps Parallel.For's aggregate).
    /// </summary>
    public static void ThrowIfCancelled(CancellationToken token, int firstRow)
    {
        if (firstRow == 0) token.ThrowIfCancellationRequested();
    }
}
