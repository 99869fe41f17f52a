namespace RnnMlNet.Core.Distributed;

/// <summary>
/// How one rank's failure reaches the others. Inside training, the trainer stops every rank alike where all of them meet the
/// error (a cancellation, a blow-up, ranks that disagree), and ends the job through the communicator's Abort where this
/// rank alone fails; either way it marks the exception as handled. Around training, a caller that prepares it (the ML.NET
/// estimators read the schema and the rows first) runs through <see cref="Run{TResult}"/>, which aborts for any exception
/// not so marked: this rank failed alone before or after the exchanges, and the others would wait for ever in their next.
/// </summary>
internal static class DataParallelFailure
{
    private const string HandledKey = "RnnMlNet.DataParallel.Handled";

    /// <summary>Marks an exception the trainer has already taken to every rank.</summary>
    public static void MarkHandled(Exception error) => error.Data[HandledKey] = true;

    /// <summary>Whether the trainer has taken the exception to every rank.</summary>
    public static bool IsHandled(Exception error) => error.Data[HandledKey] is true;

    /// <summary>Runs <paramref name="fit"/>; in a data-parallel job, an exception the trainer has not taken to every rank
    /// ends the job (Abort, which under MPI prints it and ends every process) before going on to the caller.</summary>
    public static TResult Run<TResult>(DataParallelOptions? dataParallel, Func<TResult> fit)
    {
        if (dataParallel is null) return fit();
        try
        {
            return fit();
        }
        catch (Exception error) when (!IsHandled(error))
        {
            dataParallel.Communicator.Abort(error);
            throw;
        }
    }
}
