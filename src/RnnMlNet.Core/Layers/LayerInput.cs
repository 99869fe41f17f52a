using System.Numerics;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// What a recurrent layer reads, time-major [T, B, ·]: either dense rows of <see cref="Width"/> values,
/// or token ids whose one-hot rows are never built (a one-hot row times W_i is a row of W_i).
/// </summary>
internal readonly record struct LayerInput<T>(T[]? Dense, int[]? Tokens, int Width) where T : unmanaged, IFloatingPointIeee754<T>
{
    public static LayerInput<T> FromDense(T[] values, int width) => new(values, null, width);

    public static LayerInput<T> FromTokens(int[] tokens, int vocabularySize) => new(null, tokens, vocabularySize);

    public bool IsTokens => Tokens is not null;
}
