using System.Globalization;

namespace RnnMlNet;

/// <summary>
/// The one rule that puts a row in the training or the validation part, used by every estimator: a seeded hash of the
/// row's position (or of its group's number, with a sampling key), so the split is the same on every epoch and in every process, and streamed rows need no count; or, for
/// time series, the last rows in the data's order (<see cref="Last"/>).
/// </summary>
internal readonly struct ValidationSplit
{
    private readonly double _fraction;
    private readonly int _seed;
    // The position of the first held-out row for a split of the last rows; −1 for the hashed split.
    private readonly long _firstHeldOut;

    /// <summary>A seeded random sample of about <paramref name="fraction"/> of the rows.</summary>
    public ValidationSplit(double fraction, int seed) : this(fraction, seed, -1)
    {
    }

    private ValidationSplit(double fraction, int seed, long firstHeldOut)
    {
        _fraction = fraction;
        _seed = seed;
        _firstHeldOut = firstHeldOut;
    }

    /// <summary>The last <paramref name="fraction"/> of <paramref name="rows"/> rows, in the data's order (at least one row
    /// stays for training), so validation never sees days between training days.</summary>
    public static ValidationSplit Last(double fraction, long rows) =>
        new(fraction, 0, Math.Max(1, rows - (long)Math.Ceiling(fraction * rows)));

    /// <summary>The share of rows (or groups) held out, about.</summary>
    public double Fraction => _fraction;

    /// <summary>Whether anything is held out.</summary>
    public bool HoldsOut => _fraction > 0;

    /// <summary>How this split chooses its rows, hashing the groups of the sampling key column <paramref name="groups"/> (null:
    /// the rows' positions), for a checkpoint's fingerprint (<see cref="Core.Training.TrainingOptions.HoldOutDescription"/>; the
    /// seed is in it already). Null for none and for a tenth of the rows by their positions, whose fingerprint stays as it
    /// was before hold-outs were named there.</summary>
    public string? Describe(string? groups)
    {
        bool tenth = _fraction == RecurrentDefaults.AutomaticValidationFraction;
        if (_fraction == 0 || (tenth && _firstHeldOut < 0 && groups is null)) return null;
        if (_firstHeldOut >= 0) return string.Create(CultureInfo.InvariantCulture, $"the rows from position {_firstHeldOut}");
        string share = tenth ? "" : string.Create(CultureInfo.InvariantCulture, $"{_fraction:R} of the ");
        return groups is null ? share + "rows" : $"{share}groups of {groups}";
    }

    /// <summary>How many of <paramref name="rows"/> rows are in the validation part (or the training part); null for a split
    /// by groups, whose rows are not known without reading the key column.</summary>
    public long? RowsIn(long rows, bool validation, bool grouped)
    {
        if (HoldsOut && grouped) return null;
        long held = !HoldsOut ? 0 : _firstHeldOut >= 0 ? Math.Max(0, rows - _firstHeldOut) : CountWhere(rows, IsValidation);
        return validation ? held : rows - held;
    }

    private static long CountWhere(long rows, Func<long, bool> held)
    {
        long count = 0;
        for (long position = 0; position < rows; position++)
            if (held(position)) count++;
        return count;
    }

    /// <summary>Whether the row at <paramref name="position"/> (0-based, in the data's order), or in the group of that
    /// number, is held out.</summary>
    public bool IsValidation(long position)
    {
        if (_fraction == 0) return false;
        if (_firstHeldOut >= 0) return position >= _firstHeldOut;
        // SplitMix64: a fixed, well-mixed hash (HashCode is randomised per process).
        ulong z = (ulong)position + 0x9E3779B97F4A7C15UL * ((ulong)(uint)_seed + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z % 1_000_000 < _fraction * 1_000_000;
    }

    /// <summary>
    /// Splits in-memory examples, kept in their order, into the training and the validation part. When the hash would hold
    /// out every example (a handful of rows), nothing is held out: training needs at least one.
    /// </summary>
    public (List<TExample> Training, List<TExample> Validation) Split<TExample>(IReadOnlyList<TExample> examples)
    {
        var training = new List<TExample>();
        var validation = new List<TExample>();
        for (int i = 0; i < examples.Count; i++) (IsValidation(i) ? validation : training).Add(examples[i]);
        return training.Count > 0 ? (training, validation) : ([.. examples], []);
    }
}
