namespace RnnMlNet.Core.Layers;

/// <summary>
/// Reverses each sequence within its own length: row b's step t becomes step L_b − 1 − t, padding stays padding.
/// The backward direction of a bidirectional layer runs the same code as the forward one on reversed input;
/// the same involution maps its outputs and gradients back.
/// </summary>
internal static class SequenceReversal
{
    public static void Reverse<TElement>(ReadOnlySpan<TElement> source, Span<TElement> destination, int width, int[] lengths, int steps, TElement padding)
    {
        int rows = lengths.Length;
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < rows; b++)
            {
                Span<TElement> to = destination.Slice((t * rows + b) * width, width);
                if (t < lengths[b]) source.Slice(((lengths[b] - 1 - t) * rows + b) * width, width).CopyTo(to);
                else to.Fill(padding);
            }
        }
    }
}
