using System.Runtime.ExceptionServices;

namespace RnnMlNet.Trainers;

/// <summary>
/// Trains an ensemble's members side by side: as many at once as there are threads (up to the members), each with its
/// share of the threads, the next member starting where one ends. A member's small matrix products gain little from a
/// second thread (a spam network trained 1.35 times as fast on two cores as on one, on this project's 2-core machine),
/// while two members, one on each core, keep both cores busy; and the engine's results do not depend on its threads, so
/// the members' weights are those of training them one after another.
/// <para>The first member to fail stops the others (through the token each is given) and its exception reaches the
/// caller as training one by one would throw it; a cancellation by the caller's token arrives as such.</para>
/// </summary>
internal static class SideBySideMembers
{
    /// <summary>Runs <c>train(member, threads, token)</c> for members 0 to <paramref name="members"/> − 1 on
    /// <paramref name="threads"/> threads in all.</summary>
    public static void Train(int members, int threads, CancellationToken cancellation, Action<int, int, CancellationToken> train)
    {
        int lanes = Math.Max(1, Math.Min(members, threads));
        if (lanes == 1)
        {
            for (int k = 0; k < members; k++) train(k, threads, cancellation);
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var failures = new Exception?[members];
        int next = -1;
        void Lane(int lane)
        {
            // Lane i of n takes threads·i/n to threads·(i+1)/n: the shares differ by one at most and add up to the threads.
            int share = threads * (lane + 1) / lanes - threads * lane / lanes;
            for (int k = Interlocked.Increment(ref next); k < members && !stop.IsCancellationRequested; k = Interlocked.Increment(ref next))
            {
                try
                {
                    train(k, share, stop.Token);
                }
                catch (Exception failure)
                {
                    failures[k] = failure;
                    stop.Cancel();
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
