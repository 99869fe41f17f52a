using System.Numerics;

namespace RnnMlNet.Core.Data;

/// <summary>
/// Sequences of different lengths laid out for the engine: sorted by length, longest first, and stored
/// time-major, one row per sequence per step ([T, B, width]). Sorting makes the rows still inside their
/// sequence at step t a prefix [0, <see cref="ActiveRows"/>[t]), so padded steps cost nothing and never
/// touch state or gradients. Padding is zero (features) or -1 (tokens).
/// </summary>
public sealed class SequenceBatch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private SequenceBatch(int count, int maxLength)
    {
        Count = count;
        MaxLength = maxLength;
        Lengths = new int[count];
        Order = new int[count];
        ActiveRows = new int[maxLength];
    }

    /// <summary>Number of sequences (B).</summary>
    public int Count { get; }

    /// <summary>Length of the longest sequence (T).</summary>
    public int MaxLength { get; }

    /// <summary>Lengths in sorted order (non-increasing).</summary>
    public int[] Lengths { get; }

    /// <summary>Order[row] is the caller's index of the sequence stored in sorted row <c>row</c>.</summary>
    public int[] Order { get; }

    /// <summary>ActiveRows[t]: how many rows have a step t.</summary>
    public int[] ActiveRows { get; }

    /// <summary>Token ids [T·B], time-major, -1 on padding; null for numeric input.</summary>
    public int[]? Tokens { get; private set; }

    /// <summary>Numeric steps [T·B·F], time-major, zero on padding; null for token input.</summary>
    public T[]? Features { get; private set; }

    /// <summary>F: values per step of numeric input; 0 for tokens.</summary>
    public int FeaturesPerStep { get; private set; }

    /// <summary>Side features in sorted order, one per row; null when the sequences have none.</summary>
    public SideFeatures<T>[]? Side { get; private set; }

    /// <summary>Targets in sorted order: [B, K] for sequence targets, [T, B, K] for per-step targets; null when unlabelled.</summary>
    public T[]? Targets { get; private set; }

    /// <summary>K: values per target row.</summary>
    public int TargetWidth { get; private set; }

    /// <summary>Whether targets are given per step rather than per sequence.</summary>
    public bool TargetsPerStep { get; private set; }

    /// <summary>Whether row <paramref name="row"/> (sorted order) has a step <paramref name="step"/>.</summary>
    public bool IsActive(int step, int row) => row < ActiveRows[step];

    /// <summary>Lays out unlabelled sequences.</summary>
    public static SequenceBatch<T> Create(IReadOnlyList<Sequence<T>> sequences) => Build(sequences, null, false);

    /// <summary>Lays out labelled sequences. <paramref name="targetsPerStep"/> says whether each target has one row per step.</summary>
    public static SequenceBatch<T> Create(IReadOnlyList<LabeledSequence<T>> examples, bool targetsPerStep)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return Build(examples.Select(e => e.Input).ToArray(), examples.Select(e => e.Target).ToArray(), targetsPerStep);
    }

    private static SequenceBatch<T> Build(IReadOnlyList<Sequence<T>> sequences, T[][]? targets, bool targetsPerStep)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        CheckSequences(sequences);

        // Stable sort by length, longest first: equal lengths keep the caller's order.
        int[] order = Enumerable.Range(0, sequences.Count).OrderByDescending(i => sequences[i].Length).ToArray();
        var batch = new SequenceBatch<T>(sequences.Count, sequences[order[0]].Length);
        int b = batch.Count, steps = batch.MaxLength;
        for (int row = 0; row < b; row++)
        {
            batch.Order[row] = order[row];
            batch.Lengths[row] = sequences[order[row]].Length;
        }
        for (int t = 0; t < steps; t++)
            batch.ActiveRows[t] = batch.Lengths.Count(length => length > t);

        if (sequences[0].Tokens is not null) batch.LayOutTokens(sequences);
        else batch.LayOutFeatures(sequences);
        if (sequences[0].Side is not null) batch.Side = order.Select(i => sequences[i].Side!).ToArray();
        if (targets is not null) batch.LayOutTargets(targets, targetsPerStep);
        return batch;
    }

    private static void CheckSequences(IReadOnlyList<Sequence<T>> sequences)
    {
        bool tokens = sequences[0].Tokens is not null;
        int width = sequences[0].FeaturesPerStep;
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            if (s.Length == 0)
                throw new ArgumentException($"Sequence {i} is empty: every sequence needs at least one step.", nameof(sequences));
            if ((s.Tokens is not null) != tokens)
                throw new ArgumentException($"Sequence {i} mixes token and numeric input with sequence 0.", nameof(sequences));
            if ((s.Side is null) != (sequences[0].Side is null))
                throw new ArgumentException($"Sequence {i} {(s.Side is null ? "has no" : "has")} side features and sequence 0 {(s.Side is null ? "has" : "has none")}: a batch needs them on every sequence or on none.", nameof(sequences));
            if (!tokens && s.FeaturesPerStep != width)
                throw new ArgumentException($"Sequence {i} has {s.FeaturesPerStep} features per step; sequence 0 has {width}.", nameof(sequences));
            if (!tokens)
            {
                int bad = Array.FindIndex(s.Features!, v => !T.IsFinite(v));
                if (bad >= 0)
                    throw new ArgumentException($"Sequence {i} has a non-finite value ({s.Features![bad]}) at step {bad / width}, feature {bad % width}: numeric steps must be finite.", nameof(sequences));
            }
        }
    }

    private void LayOutTokens(IReadOnlyList<Sequence<T>> sequences)
    {
        var tokens = new int[MaxLength * Count];
        Array.Fill(tokens, -1);
        for (int row = 0; row < Count; row++)
        {
            int[] source = sequences[Order[row]].Tokens!;
            for (int t = 0; t < source.Length; t++)
                tokens[t * Count + row] = source[t];
        }
        Tokens = tokens;
    }

    private void LayOutFeatures(IReadOnlyList<Sequence<T>> sequences)
    {
        int f = sequences[0].FeaturesPerStep;
        var features = new T[MaxLength * Count * f];
        for (int row = 0; row < Count; row++)
        {
            T[] source = sequences[Order[row]].Features!;
            for (int t = 0; t < source.Length / f; t++)
                source.AsSpan(t * f, f).CopyTo(features.AsSpan((t * Count + row) * f, f));
        }
        Features = features;
        FeaturesPerStep = f;
    }

    private void LayOutTargets(T[][] targets, bool perStep)
    {
        int rowsOf(int row) => perStep ? Lengths[row] : 1;
        T[] first = targets[Order[0]] ?? throw new ArgumentException($"Target {Order[0]} is null.");
        int k = first.Length / rowsOf(0);
        if (k == 0) throw new ArgumentException($"Target {Order[0]} is empty.");
        var laidOut = new T[(perStep ? MaxLength : 1) * Count * k];
        for (int row = 0; row < Count; row++)
        {
            int index = Order[row];
            T[] source = targets[index] ?? throw new ArgumentException($"Target {index} is null.");
            if (source.Length != rowsOf(row) * k)
                throw new ArgumentException(perStep
                    ? $"Target {index} has {source.Length} values; expected {k} per step for its {Lengths[row]} steps ({rowsOf(row) * k})."
                    : $"Target {index} has {source.Length} values; expected {k}.");
            for (int t = 0; t < rowsOf(row); t++)
                source.AsSpan(t * k, k).CopyTo(laidOut.AsSpan((t * Count + row) * k, k));
        }
        Targets = laidOut;
        TargetWidth = k;
        TargetsPerStep = perStep;
    }
}
