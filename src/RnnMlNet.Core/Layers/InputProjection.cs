using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// The input projection x_t·W_i + b of a direction, hoisted out of the recurrence: one product for all T·B rows, or a
/// row gather for token ids. Training forms it every pass; a scorer forms it per call for dense input and builds its
/// token table once from <see cref="FoldEmbedding"/>, so the two read the same E·W_i.
/// </summary>
internal static class InputProjection
{
    /// <summary>x·W_i + b for the first <paramref name="rows"/> rows of <paramref name="input"/> into [rows, G·H].
    /// <paramref name="foldedTable"/> holds E·W_i [V, G·H] for embedded tokens afterwards.</summary>
    public static void Form<T>(RecurrentCell<T> cell, LayerInput<T> input, Span<T> projection, int rows, ref T[]? foldedTable, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = cell.Parameters;
        int gw = cell.GateWidth;
        ReadOnlySpan<T> bias = cell.GateBias();
        ReadOnlySpan<T> inputWeights = p.Value(cell.InputWeights);
        for (int r = 0; r < rows; r++)
            bias.CopyTo(projection.Slice(r * gw, gw));
        if (!input.IsTokens)
        {
            Gemm.AddProduct(input.Dense.AsSpan(0, rows * input.Width), inputWeights, projection.Slice(0, rows * gw), rows, input.Width, gw, threads);
            return;
        }
        // x_t·W_i is row token_t of W_i (one-hot), or of E·W_i (embedded): one product over the vocabulary.
        ReadOnlySpan<T> byToken = inputWeights;
        if (input.Embedding is { } embedding)
        {
            Span<T> folded = Buffers.Ensure(ref foldedTable, (long)VocabularyOf(input) * gw).AsSpan(0, VocabularyOf(input) * gw);
            FoldEmbedding(cell, embedding, folded, threads);
            byToken = folded;
        }
        int[] tokens = input.Tokens!;
        for (int r = 0; r < rows; r++)
        {
            if (tokens[r] < 0) continue;
            Span<T> row = projection.Slice(r * gw, gw);
            TensorPrimitives.Add<T>(row, byToken.Slice(tokens[r] * gw, gw), row);
        }
    }

    /// <summary>E·W_i [V, G·H]: row v is x·W_i for the embedded row of token id v.</summary>
    public static void FoldEmbedding<T>(RecurrentCell<T> cell, Parameter embedding, Span<T> destination, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = cell.Parameters;
        destination.Clear();
        Gemm.AddProduct<T>(p.Value(embedding), p.Value(cell.InputWeights), destination, embedding.Shape[0], embedding.Shape[1], cell.GateWidth, threads);
    }

    /// <summary>V: the number of token ids of an embedded input.</summary>
    public static int VocabularyOf<T>(LayerInput<T> input) where T : unmanaged, IFloatingPointIeee754<T> => input.Embedding!.Shape[0];
}
