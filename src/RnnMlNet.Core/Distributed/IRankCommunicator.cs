namespace RnnMlNet;

/// <summary>
/// The processes of one data-parallel training job, as far as the trainer needs them: who this process is, how many
/// there are, and two collective exchanges. Every rank must call each exchange in the same order with arrays of the same
/// length. <c>RnnMlNet.Mpi</c>'s <c>MpiCommunicator</c> spans processes and machines; <see cref="SingleProcess"/> is a job
/// of one.
/// </summary>
public interface IRankCommunicator
{
    /// <summary>This process's number, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>Processes in the job.</summary>
    int Size { get; }

    /// <summary>Every rank's <paramref name="local"/> values, in rank order, into <paramref name="all"/>
    /// (<see cref="Size"/> × <c>local.Length</c> values).</summary>
    void AllGather<TValue>(TValue[] local, TValue[] all) where TValue : unmanaged;

    /// <summary>Block j of <paramref name="send"/> (<c>send.Length / Size</c> values) goes to rank j; block i of
    /// <paramref name="receive"/> comes from rank i.</summary>
    void AllToAll<TValue>(TValue[] send, TValue[] receive) where TValue : unmanaged;

    /// <summary>Ends the whole job because this rank failed where the other ranks cannot learn of it (an exception outside
    /// the exchanges, such as in a progress callback or while writing the checkpoint): they would otherwise wait for ever
    /// in their next exchange. Failures and cancellations within a step never come here: every rank stops together.
    /// Over MPI this is <c>MPI_Abort</c>, which ends every process of the job.</summary>
    void Abort(Exception reason);
}

/// <summary>A job of one process: each exchange copies its input. Training with it and <see cref="DataParallelOptions.Shards"/>
/// = N gives the weights that N processes give.</summary>
public sealed class SingleProcess : IRankCommunicator
{
    /// <summary>The one instance.</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess()
    {
    }

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public void AllGather<TValue>(TValue[] local, TValue[] all) where TValue : unmanaged => local.CopyTo(all, 0);

    /// <inheritdoc />
    public void AllToAll<TValue>(TValue[] send, TValue[] receive) where TValue : unmanaged => send.CopyTo(receive, 0);

    /// <summary>Nothing to end: the exception goes on to the caller.</summary>
    public void Abort(Exception reason)
    {
    }
}
