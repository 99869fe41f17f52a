namespace RnnMlNet;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its action at once on the reporting (training) thread. <see cref="Progress{T}"/>
/// instead posts each report to the synchronization context or the thread pool, so console output can arrive late or
/// out of order.
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
