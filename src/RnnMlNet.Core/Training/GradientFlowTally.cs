namespace RnnMlNet.Core.Training;

/// <summary>Averages the gradient reaching each time step over an epoch's batches: step t's mean is over the batches whose
/// longest sequence reaches t, so short batches do not pull the late steps towards zero.</summary>
internal sealed class GradientFlowTally
{
    private double[][][]? _sums;
    private int[] _batchesReaching = [];

    /// <summary>Adds one batch's norms, [layer][direction][step].</summary>
    public void Add(double[][][] norms)
    {
        _sums ??= norms.Select(layer => layer.Select(_ => Array.Empty<double>()).ToArray()).ToArray();
        int steps = norms[0][0].Length;
        if (steps > _batchesReaching.Length) Array.Resize(ref _batchesReaching, steps);
        for (int t = 0; t < steps; t++) _batchesReaching[t]++;
        for (int l = 0; l < norms.Length; l++)
            for (int d = 0; d < norms[l].Length; d++)
            {
                ref var sums = ref _sums[l][d];
                if (steps > sums.Length) Array.Resize(ref sums, steps);
                for (int t = 0; t < steps; t++) sums[t] += norms[l][d][t];
            }
    }

    /// <summary>The epoch's means, or null when no batch was added.</summary>
    public double[][][]? Mean() =>
        _sums?.Select(layer => layer.Select(sums => sums.Select((sum, t) => sum / _batchesReaching[t]).ToArray()).ToArray()).ToArray();
}
