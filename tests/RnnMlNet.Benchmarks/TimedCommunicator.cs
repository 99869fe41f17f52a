using System.Diagnostics;

namespace RnnMlNet.Benchmarks;

/// <summary>Counts the seconds a rank spends in the exchanges, waiting for the other ranks included.</summary>
internal sealed class TimedCommunicator(IRankCommunicator inner) : IRankCommunicator
{
    private readonly Stopwatch _clock = new();

    public double Seconds => _clock.Elapsed.TotalSeconds;

    public int Rank => inner.Rank;

    public int Size => inner.Size;

    public void AllGather<TValue>(TValue[] local, TValue[] all) where TValue : unmanaged => Timed(() => inner.AllGather(local, all));

    public void AllToAll<TValue>(TValue[] send, TValue[] receive) where TValue : unmanaged => Timed(() => inner.AllToAll(send, receive));

    public void Abort(Exception reason) => inner.Abort(reason);

    private void Timed(Action exchange)
    {
        _clock.Start();
        exchange();
        _clock.Stop();
    }
}
