namespace RnnMlNet.Core.Training;

/// <summary>
/// Catches training that blows up while staying finite (steps too large for the loss surface: Adam at lr 1e3 without
/// clipping took a names classifier from a loss of 0.69 to epoch losses of 912, 527 and 428): the mean loss of the last
/// <see cref="Window"/> batches above a factor times the loss of the first batch, which the untrained model scored.
/// A mean over a window, so one hard batch does not stop training; the first batch as the reference, since a diverging
/// run has no better level of its own to compare with, but never below <see cref="MinimumReference"/>: fine-tuning a
/// trained model starts at a loss near 0.001, and its ordinary ups and downs are not a blow-up. NaN and infinities the
/// trainer catches at once, without this.
/// </summary>
/// <param name="factor">How far above the first batch's loss the recent mean may rise.</param>
/// <param name="start">The first batch's loss, when training resumes from a checkpoint; NaN to take the next batch's.</param>
/// <param name="recent">The last losses seen, when training resumes from a checkpoint.</param>
internal sealed class DivergenceWatch(double factor, double start = double.NaN, IEnumerable<double>? recent = null)
{
    public const int Window = 20;

    /// <summary>The least reference loss: a mean loss under factor × 0.1 is a fit, not a blow-up, for the losses the trainers use.</summary>
    public const double MinimumReference = 0.1;

    private readonly Queue<double> _recent = new(recent ?? []);
    private double _start = start;

    /// <summary>The losses of the last batches (up to <see cref="Window"/>), oldest first.</summary>
    public IReadOnlyCollection<double> Recent => _recent;

    /// <summary>The loss of the first batch seen.</summary>
    public double Start => _start;

    /// <summary>The mean loss of the last batches (up to <see cref="Window"/>).</summary>
    public double RecentMean => _recent.Average();

    /// <summary>Records a batch's loss; true when the recent mean has risen past the factor.</summary>
    public bool Diverged(double loss)
    {
        if (double.IsNaN(_start)) _start = loss;
        _recent.Enqueue(loss);
        if (_recent.Count > Window) _recent.Dequeue();
        return _recent.Count == Window && RisenPastTheFactor;
    }

    /// <summary>For a run that ended before it filled the window: whether the mean of its batches (two at least, the first
    /// among them) rose past the factor. Ten batches at a learning rate of 1e6 ended at a loss of 1.2e6 without a word.</summary>
    public bool DivergedBeforeTheWindowFilled => _recent.Count is >= 2 and < Window && RisenPastTheFactor;

    private bool RisenPastTheFactor => RecentMean > factor * Math.Max(_start, MinimumReference);
}
