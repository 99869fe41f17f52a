using System.Runtime.ExceptionServices;

namespace RnnMlNet.Trainers;

/// <summary>
/// Trains an ensemble's members side by side: as many at once as there are threads (up to the members), each with its
/// share of the threads, the next member starting where one ends. A member's small matrix products gain little from a
/// second thread (a spam network trained 1.35 times as fast on two cores as on one, on this project's 2-core machine),
/// while two members, one on each core, keep both cores busy; and the engine's results do not depend on its threads, so
/// the members' weights are those of training them one after another.
/// <para>Once no member is left to start, a lane whose member ends hands its threads to the member still training on the
/// fewest, so that the last members do not train on one core while another idles.</para>
/// <para>The first member to fail stops the others (through the token each is given) and its exception reaches the
/// caller as training one by one would throw it; a cancellation by the caller's token arrives as such.</para>
/// </summary>
internal static class SideBySideMembers
{
    /// <summary>Runs <c>train(member, threads, token)</c> for members 0 to <paramref name="members"/> − 1 on
    /// <paramref name="threads"/> threads in all.</summary>
    public static void Train(int members, int threads, CancellationToken cancellation, Action<int, MemberThreads, CancellationToken> train)
    {
        int lanes = Math.Max(1, Math.Min(members, threads));
        if (lanes == 1)
        {
            for (int k = 0; k < members; k++) train(k, new MemberThreads(threads), cancellation);
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var failures = new Exception?[members];
        // The members training now; its lock also guards the next member's index.
        var training = new List<MemberThreads>();
        int next = 0;
        void Lane(int lane)
        {
            // Lane i of n takes threads·i/n to threads·(i+1)/n: the shares differ by one at most and add up to the threads.
            int share = threads * (lane + 1) / lanes - threads * lane / lanes;
            while (true)
            {
                int k;
                MemberThreads own;
                lock (training)
                {
                    if (next == members || stop.IsCancellationRequested)
                    {
                        training.MinBy(m => m.Count)?.Add(share);
                        return;
                    }
                    k = next++;
                    own = new MemberThreads(share);
                    training.Add(own);
                }
                try
                {
                    train(k, own, stop.Token);
                }
                catch (Exception failure)
                {
                    failures[k] = failure;
                    stop.Cancel();
                }
                lock (training)
                {
                    training.Remove(own);
                    // Threads handed over while no member was left stay with this lane, which then hands them on.
                    share = own.Count;
                }
            }
        }
        var others = Enumerable.Range(1, lanes - 1).Select(lane => Task.Factory.StartNew(() => Lane(lane), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Lane(0);
        Task.WaitAll(others);
        // A member's own failure before the cancellations it caused in the others, the lowest member's first, as one by one.
        if (failures.FirstOrDefault(f => f is not null and not OperationCanceledException) is { } failure) ExceptionDispatchInfo.Capture(failure).Throw();
        cancellation.ThrowIfCancellationRequested();
        if (failures.FirstOrDefault(f => f is not null) is { } other) ExceptionDispatchInfo.Capture(other).Throw();
    }
}

/// <summary>The threads one member trains on: its lane's share at first, more when another lane, with no member left to
/// start, hands its threads over.</summary>
internal sealed class MemberThreads(int count)
{
    private readonly object _gate = new();
    private Action<int>? _apply;
    private int _count = count;

    /// <summary>The member's threads now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>Calls <paramref name="apply"/> with the count now and again each time threads are handed over.</summary>
    public void Follow(Action<int> apply)
    {
        lock (_gate)
        {
            _apply = apply;
            apply(_count);
        }
    }

    /// <summary>Hands this member <paramref name="threads"/> more threads.</summary>
    public void Add(int threads)
    {
        lock (_gate)
        {
            _count += threads;
            _apply?.Invoke(_count);
        }
    }
}
