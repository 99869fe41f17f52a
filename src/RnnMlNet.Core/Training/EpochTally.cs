namespace RnnMlNet.Core.Training;

/// <summary>What an epoch has trained so far: its batches and sequences, and the sums behind its mean loss and gradient
/// norm. A checkpoint written within an epoch keeps it, so the resumed epoch reports what an uninterrupted one would.</summary>
internal sealed class EpochTally
{
    public int Batches { get; set; }

    public int Rows { get; set; }

    public double LossSum { get; set; }

    public double WeightSum { get; set; }

    public double NormSum { get; set; }

    /// <summary>Counts one trained batch (its number is already in <see cref="Batches"/>).</summary>
    public void Add(double loss, double weight, double norm, int rows)
    {
        LossSum += loss * weight;
        WeightSum += weight;
        NormSum += norm;
        Rows += rows;
    }
}
