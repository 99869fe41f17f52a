using System.Numerics;

namespace RnnMlNet.Core.Training;

/// <summary>
/// The best epochs so far by the validation result, each with a copy of its weights, best first: the first is the epoch
/// early stopping counts its patience from, and the network ends with the mean of all of them
/// (<see cref="TrainingOptions.AveragedEpochs"/>; one epoch when it is 1, whose mean is its own weights).
/// </summary>
internal sealed class BestEpochs<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _capacity;
    private readonly EarlyStoppingMetric _metric;
    private readonly List<(int Epoch, Validation Result, T[] Weights)> _entries = [];

    public BestEpochs(int capacity, EarlyStoppingMetric metric)
    {
        _capacity = capacity;
        _metric = metric;
    }

    /// <summary>The best epoch (from 1), or 0 before any epoch was better than nothing.</summary>
    public int Best => _entries.Count > 0 ? _entries[0].Epoch : 0;

    /// <summary>The kept epochs with their weights, best first.</summary>
    public IReadOnlyList<(int Epoch, T[] Weights)> Entries => _entries.Select(e => (e.Epoch, e.Weights)).ToList();

    /// <summary>Keeps <paramref name="epoch"/>'s weights if it ranks among the best. A tie ranks after the epochs before
    /// it, and a result that is not better than none (a NaN loss) is never kept.</summary>
    public void Offer(int epoch, Validation result, ReadOnlySpan<T> weights)
    {
        if (!result.IsBetterThan(Validation.None, _metric)) return;
        int rank = _entries.FindIndex(e => result.IsBetterThan(e.Result, _metric));
        if (rank < 0) rank = _entries.Count;
        if (rank >= _capacity) return;
        _entries.Insert(rank, (epoch, result, weights.ToArray()));
        if (_entries.Count > _capacity) _entries.RemoveAt(_capacity);
    }

    /// <summary>Restores the entries a checkpoint stored, their validation results read back from the history.</summary>
    public void Restore(IReadOnlyList<(int Epoch, T[] Weights)> entries, IReadOnlyList<EpochReport> history)
    {
        _entries.Clear();
        foreach (var (epoch, weights) in entries) _entries.Add((epoch, Validation.Of(history[epoch - 1]), weights));
    }

    /// <summary>Writes the mean of the kept epochs' weights into <paramref name="weights"/>, summed best first; one epoch's
    /// weights are copied as they are (a sum from zero would turn −0 into +0).</summary>
    public void WriteMean(Span<T> weights)
    {
        _entries[0].Weights.CopyTo(weights);
        if (_entries.Count == 1) return;
        T count = T.CreateChecked(_entries.Count);
        for (int i = 0; i < weights.Length; i++)
        {
            T sum = weights[i];
            foreach (var entry in _entries.Skip(1)) sum += entry.Weights[i];
            weights[i] = sum / count;
        }
    }
}
