using System.Numerics;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// Float products of one row, y[n] += x[k]·B[k, n]: the recurrent product of a step when one sequence is scored (or a
/// ragged batch's last rows). A 6-row register tile would mostly compute padding here, and the product is bound by
/// reading B, so B is kept in column blocks of <see cref="BlockWidth"/> stored one after another ([k, 64] each, the last
/// one narrower): the kernel streams each block once, front to back, with its 64 columns of y held in eight vector
/// registers over the whole depth.
/// </summary>
internal static unsafe class Sgemv
{
    /// <summary>Columns per block: eight 256-bit vectors, enough independent accumulators to hide the FMA latency.</summary>
    public const int BlockWidth = 64;

    /// <summary>Lays op(B) [k, n] out in column blocks, from B stored [k, n], or [n, k] when <paramref name="transposed"/>.</summary>
    public static void Pack(ReadOnlySpan<float> b, bool transposed, int k, int n, Span<float> blocks)
    {
        Gemm.CheckSizes(b.Length, (long)k * n, blocks.Length, (long)k * n, 0, 0);
        for (int j0 = 0; j0 < n; j0 += BlockWidth)
        {
            int width = Math.Min(BlockWidth, n - j0);
            Span<float> block = blocks.Slice(j0 * k, width * k);
            for (int p = 0; p < k; p++)
                for (int j = 0; j < width; j++)
                    block[p * width + j] = transposed ? b[(j0 + j) * k + p] : b[p * n + j0 + j];
        }
    }

    /// <summary>y[n] += x[k]·op(B) for op(B) laid out by <see cref="Pack"/>.</summary>
    public static void AddRowTimesBlocks(ReadOnlySpan<float> x, ReadOnlySpan<float> blocks, Span<float> y, int k, int n)
    {
        Gemm.CheckSizes(x.Length, k, blocks.Length, (long)k * n, y.Length, n);
        fixed (float* px = x) fixed (float* pb = blocks) fixed (float* py = y)
        {
            for (int j0 = 0; j0 < n; j0 += BlockWidth)
            {
                int width = Math.Min(BlockWidth, n - j0);
                if (width == BlockWidth && Vector<float>.Count == 8) FullBlock(px, pb + (long)j0 * k, py + j0, k);
                else NarrowBlock(px, pb + (long)j0 * k, py + j0, k, width);
            }
        }
    }

    private static void FullBlock(float* x, float* block, float* y, int k)
    {
        // Each element of y is one chain y = x[p]·B[p, j] + y over p in order, as in Sgemm's kernel, so a row gets the
        // same bits whichever of the two kernels (or which share of the columns) computes it.
        Vector<float> y0 = Vector.Load(y), y1 = Vector.Load(y + 8), y2 = Vector.Load(y + 16), y3 = Vector.Load(y + 24);
        Vector<float> y4 = Vector.Load(y + 32), y5 = Vector.Load(y + 40), y6 = Vector.Load(y + 48), y7 = Vector.Load(y + 56);
        for (int p = 0; p < k; p++, block += BlockWidth)
        {
            var xp = new Vector<float>(x[p]);
            y0 = Vector.MultiplyAddEstimate(xp, Vector.Load(block), y0);
            y1 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 8), y1);
            y2 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 16), y2);
            y3 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 24), y3);
            y4 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 32), y4);
            y5 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 40), y5);
            y6 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 48), y6);
            y7 = Vector.MultiplyAddEstimate(xp, Vector.Load(block + 56), y7);
        }
        y0.Store(y);
        y1.Store(y + 8);
        y2.Store(y + 16);
        y3.Store(y + 24);
        y4.Store(y + 32);
        y5.Store(y + 40);
        y6.Store(y + 48);
        y7.Store(y + 56);
    }

    /// <summary>A block narrower than 64 columns (the last one), or any block where vectors are not 8 wide: one vector of
    /// columns at a time; the last columns through a zero-padded vector, so that every column gets the same arithmetic.</summary>
    private static void NarrowBlock(float* x, float* block, float* y, int k, int width)
    {
        int lanes = Vector<float>.Count;
        Span<float> column = stackalloc float[lanes], sum = stackalloc float[lanes];
        for (int j = 0; j < width; j += lanes)
        {
            int columns = Math.Min(lanes, width - j);
            sum.Clear();
            new ReadOnlySpan<float>(y + j, columns).CopyTo(sum);
            var total = new Vector<float>(sum);
            for (int p = 0; p < k; p++)
            {
                Vector<float> b;
                if (columns == lanes) b = Vector.Load(block + (long)p * width + j);
                else
                {
                    column.Clear();
                    new ReadOnlySpan<float>(block + (long)p * width + j, columns).CopyTo(column);
                    b = new Vector<float>(column);
                }
                total = Vector.MultiplyAddEstimate(new Vector<float>(x[p]), b, total);
            }
            total.CopyTo(sum);
            sum.Slice(0, columns).CopyTo(new Span<float>(y + j, columns));
        }
    }
}
