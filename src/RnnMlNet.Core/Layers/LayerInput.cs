using System.Numerics;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// What a recurrent layer reads, time-major [T, B, ·]: either dense rows of <see cref="Width"/> values,
/// or token ids whose one-hot rows are never built (a one-hot row times W_i is a row of W_i), or token ids to look up
/// in an <see cref="Embedding"/> table [V, Width] that the layer folds into its input weights.
/// </summary>
internal readonly record struct LayerInput<T>(T[]? Dense, int[]? Tokens, int Width, Parameter? Embedding = null) where T : unmanaged, IFloatingPointIeee754<T>
{
    public static LayerInput<T> FromDense(T[] values, int width) => new(values, null, width);

    public static LayerInput<T> FromTokens(int[] tokens, int vocabularySize) => new(null, tokens, vocabularySize);

    public static LayerInput<T> FromEmbeddedTokens(int[] tokens, Parameter embedding, int width) => new(null, tokens, width, embedding);

    public bool IsTokens => Tokens is not null;
}
