using System.Numerics;

namespace RnnMlNet.Core.Data;

/// <summary>
/// One input sequence: either token ids (for one-hot or embedded input) or a block of numeric features,
/// <see cref="FeaturesPerStep"/> values per time step, stored step after step.
/// </summary>
public sealed class Sequence<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Sequence(int[]? tokens, T[]? features, int featuresPerStep, int length, SideFeatures<T>? side = null)
    {
        Tokens = tokens;
        Features = features;
        FeaturesPerStep = featuresPerStep;
        Length = length;
        Side = side;
    }

    /// <summary>A sequence of token ids in [0, vocabulary size).</summary>
    public static Sequence<T> FromTokens(params int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new Sequence<T>(tokens, null, 0, tokens.Length);
    }

    /// <summary>A sequence of numeric steps: <paramref name="values"/> holds steps × <paramref name="featuresPerStep"/> values, step after step.</summary>
    public static Sequence<T> FromFeatures(T[] values, int featuresPerStep)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (featuresPerStep < 1)
            throw new ArgumentOutOfRangeException(nameof(featuresPerStep), featuresPerStep, "A step needs at least one feature.");
        if (values.Length % featuresPerStep != 0)
            throw new ArgumentException($"{values.Length} values do not split into steps of {featuresPerStep} features.", nameof(values));
        return new Sequence<T>(null, values, featuresPerStep, values.Length / featuresPerStep);
    }

    /// <summary>Number of time steps.</summary>
    public int Length { get; }

    /// <summary>Token ids, or null for a numeric sequence.</summary>
    public int[]? Tokens { get; }

    /// <summary>Numeric steps, or null for a token sequence.</summary>
    public T[]? Features { get; }

    /// <summary>Values per step of a numeric sequence; 0 for tokens.</summary>
    public int FeaturesPerStep { get; }

    /// <summary>Features of the whole sequence for a network with a wide part (<see cref="Networks.NetworkOptions.SideFeatures"/>); null when none.</summary>
    public SideFeatures<T>? Side { get; }

    /// <summary>Steps [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of this sequence, with
    /// its side features, which describe the whole sequence.</summary>
    internal Sequence<T> Window(int start, int length)
    {
        if (start < 0 || length < 0 || start > Length - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Steps {start} to {start + length} do not lie within the sequence's {Length}.");
        int width = Math.Max(1, FeaturesPerStep);
        return new Sequence<T>(Tokens?[start..(start + length)], Features?[(start * width)..((start + length) * width)], FeaturesPerStep, length, Side);
    }

    /// <summary>This sequence with side features for the wide part of a wide-and-deep network.</summary>
    public Sequence<T> WithSide(SideFeatures<T> side)
    {
        ArgumentNullException.ThrowIfNull(side);
        return new Sequence<T>(Tokens, Features, FeaturesPerStep, Length, side);
    }
}

/// <summary>
/// A sequence with its training target. For a head on the last hidden state the target has one row of
/// <c>K</c> values; for a head on every step it has <see cref="Sequence{T}.Length"/> rows of K values.
/// K is 1 for binary labels (0 or 1) and class indices, and the number of outputs for regression.
/// </summary>
public sealed record LabeledSequence<T>(Sequence<T> Input, T[] Target) where T : unmanaged, IFloatingPointIeee754<T>;
