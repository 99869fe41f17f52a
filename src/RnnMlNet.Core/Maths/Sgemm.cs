using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// Single-precision C[m,n] += op(A)[m,k]·op(B)[k,n], where op(X) is X or its transpose as stored row-major.
/// <para>The vector paths follow the GotoBLAS/BLIS structure: for each block of <see cref="DepthBlock"/> values of k,
/// B is packed into panels of one register tile's width (a panel, 16 KB, stays in L1) and
/// <see cref="SgemmKernel"/> runs over every tile of that block, <see cref="RowBlock"/> rows at a time (kept in L2).
/// A row-major A is read in place: packing it would cost as much as the product when N is small (∂x = ∂z·W_iᵀ has
/// N = I). A transposed A (weight gradients) is packed into panels of <see cref="SgemmKernel.Rows"/> rows, since
/// reading it in place would touch a cache line per k; so are the last rows of a non-multiple-of-6 A.</para>
/// <para>Threads split output rows (or, for short wide products, column panels) into fixed contiguous chunks.
/// Every element is one multiply-add chain over k in order whatever the split, so results do not depend
/// on the thread count.</para>
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>Values of k per packed block: a B panel of 256×16 floats is 16 KB, half of L1.</summary>
    public const int DepthBlock = 256;

    /// <summary>Rows of A packed at a time: 96×256 floats, 96 KB, fit in L2 beside the B block.</summary>
    public const int RowBlock = 96;

    [ThreadStatic] private static float[]? t_packedA, t_packedB;

    /// <summary>The fastest path this CPU runs.</summary>
    public static SgemmPath Best { get; } =
        Avx2.IsSupported && Fma.IsSupported ? SgemmPath.Avx2Fma
        : Vector128.IsHardwareAccelerated ? SgemmPath.Vector128
        : SgemmPath.Scalar;

    /// <summary>Columns per packed panel (one register tile's width); 0 for the scalar path, which keeps op(B) plain.</summary>
    public static int PanelWidth(SgemmPath path) => path switch
    {
        SgemmPath.Avx2Fma => 2 * Vector256<float>.Count,
        SgemmPath.Vector128 => 2 * Vector128<float>.Count,
        _ => 0,
    };

    /// <summary>C[m,n] += op(A)·op(B). A is stored [m,k] (or [k,m] when <paramref name="transposeA"/>),
    /// B [k,n] (or [n,k] when <paramref name="transposeB"/>), C [m,n].</summary>
    public static void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int k, int n, int threads, SgemmPath path)
    {
        if (m == 0 || n == 0 || k == 0) return;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            var left = new MatrixView(pa, transposeA ? m : k, transposeA);
            var right = new MatrixView(pb, transposeB ? k : n, transposeB);
            Run(left, right, null, pc, m, k, n, threads, path);
        }
    }

    /// <summary>C[m,n] += op(A)·B̂ for a B packed once by <see cref="Pack"/> and reused for many products.</summary>
    public static void Multiply(ReadOnlySpan<float> a, bool transposeA, PackedPanels b, Span<float> c, int m, int threads)
    {
        if (m == 0) return;
        fixed (float* pa = a) fixed (float* pc = c)
        {
            var left = new MatrixView(pa, transposeA ? m : b.Depth, transposeA);
            Run(left, default, b, pc, m, b.Depth, b.Width, threads, b.Path);
        }
    }

    /// <summary>Packs op(B) [k,n] for <paramref name="path"/>, reusing <paramref name="reuse"/>'s storage when it is large enough.</summary>
    public static PackedPanels Pack(ReadOnlySpan<float> b, bool transposeB, int k, int n, SgemmPath path, PackedPanels? reuse = null)
    {
        int nr = PanelWidth(path);
        long length = nr == 0 ? (long)k * n : (long)k * RoundUp(n, nr);
        // Reused only where the panels fit after the start is aligned: a GRU of 2 units packs its recurrent weights as
        // [2, 6] (32 floats, in 96) and, for backward, as [6, 2] (96 floats), which overran the 96 by the alignment's offset
        // and corrupted the heap (training crashed in the garbage collector).
        var packed = reuse is not null && Fits(reuse.Data, length) ? reuse : new PackedPanels(Pinned(length));
        packed.Path = path;
        packed.Depth = k;
        packed.Width = n;
        fixed (float* pb = b)
        {
            var right = new MatrixView(pb, transposeB ? k : n, transposeB);
            float* destination = Start(packed.Data);
            if (nr == 0)
            {
                // The scalar path reads op(B) row-major.
                for (int p = 0; p < k; p++)
                    for (int j = 0; j < n; j++)
                        destination[(long)p * n + j] = right[p, j];
            }
            else
            {
                for (int p0 = 0; p0 < k; p0 += DepthBlock)
                    PackRight(right, p0, Math.Min(DepthBlock, k - p0), 0, PanelCount(n, nr), n, nr, destination + (long)p0 * RoundUp(n, nr));
            }
        }
        return packed;
    }

    private static void Run(MatrixView a, MatrixView b, PackedPanels? packed, float* c, int m, int k, int n, int threads, SgemmPath path)
    {
        nint cc = (nint)c;
        int nr = PanelWidth(path);
        if (nr == 0)
        {
            if (packed is not null) b = new MatrixView(Start(packed.Data), n, transposed: false);
            Parallelism.ForRows(m, (long)k * n, threads, (start, end) => Scalar(a, b, (float*)cc, n, k, start, end));
            return;
        }
        int rowPanels = PanelCount(m, SgemmKernel.Rows), columnPanels = PanelCount(n, nr);
        // Split the longer side, so that what every chunk needs whole (all of B's panels for a row split,
        // all of A for a column split) is the smaller operand.
        if (m >= n)
        {
            Parallelism.ForRows(rowPanels, (long)SgemmKernel.Rows * k * n, threads, (start, end) =>
                Blocked(a, b, packed, (float*)cc, k, n, start * SgemmKernel.Rows, Math.Min(m, end * SgemmKernel.Rows), 0, columnPanels, path));
        }
        else
        {
            Parallelism.ForRows(columnPanels, (long)nr * k * m, threads, (start, end) =>
                Blocked(a, b, packed, (float*)cc, k, n, 0, m, start, end, path));
        }
    }

    /// <summary>Rows [i0, i1) and column panels [j0, j1) of C, block by block.</summary>
    private static void Blocked(MatrixView a, MatrixView b, PackedPanels? packed, float* c, int k, int n,
        int i0, int i1, int j0, int j1, SgemmPath path)
    {
        if (path == SgemmPath.Avx2Fma) Blocked<Avx2FmaLanes, Vector256<float>>(a, b, packed, c, k, n, i0, i1, j0, j1);
        else Blocked<Vector128Lanes, Vector128<float>>(a, b, packed, c, k, n, i0, i1, j0, j1);
    }

    private static void Blocked<TLanes, TVector>(MatrixView a, MatrixView b, PackedPanels? packed, float* c, int k, int n,
        int i0, int i1, int j0, int j1)
        where TLanes : struct, ISimdLanes<TVector> where TVector : unmanaged
    {
        const int mr = SgemmKernel.Rows;
        int nr = 2 * TLanes.Count;
        float* packedA = Start(ref t_packedA, (long)RowBlock * DepthBlock);
        float* packedB = packed is null ? Start(ref t_packedB, (long)DepthBlock * (j1 - j0) * nr) : null;
        for (int p0 = 0; p0 < k; p0 += DepthBlock)
        {
            int kc = Math.Min(DepthBlock, k - p0);
            // Panel j of this k block starts at panels + (j - firstPanel)·kc·nr.
            float* panels = packedB;
            int firstPanel = j0;
            if (packed is null)
            {
                PackRight(b, p0, kc, j0, j1, n, nr, packedB);
            }
            else
            {
                panels = Start(packed.Data) + (long)p0 * RoundUp(n, nr);
                firstPanel = 0;
            }
            for (int ic = i0; ic < i1; ic += RowBlock)
            {
                int mc = Math.Min(RowBlock, i1 - ic);
                if (a.Transposed) PackLeft(a, ic, mc, p0, kc, packedA);
                for (int j = j0; j < j1; j++)
                {
                    float* bPanel = panels + (long)(j - firstPanel) * kc * nr;
                    int columns = Math.Min(nr, n - j * nr);
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        float* cTile = c + (long)(ic + ir) * n + j * nr;
                        float* aPanel = packedA + (long)ir * kc;
                        long aRow = 1, aStep = mr;
                        if (!a.Transposed && rows == mr)
                        {
                            aPanel = a.Data + (long)(ic + ir) * a.Stride + p0;
                            aRow = a.Stride;
                            aStep = 1;
                        }
                        else if (!a.Transposed && j == j0)
                            PackLeft(a, ic + ir, rows, p0, kc, aPanel);
                        if (rows == mr && columns == nr) SgemmKernel.Tile<TLanes, TVector>(aPanel, aRow, aStep, bPanel, cTile, n, kc);
                        else SgemmKernel.EdgeTile<TLanes, TVector>(aPanel, aRow, aStep, bPanel, cTile, n, kc, rows, columns);
                    }
                }
            }
        }
    }

    /// <summary>op(A)[i0.., p0..] into panels of 6 rows: for each k, the panel's 6 values, zero past the last row.
    /// Both cases read the stored matrix along its rows.</summary>
    private static void PackLeft(MatrixView a, int i0, int mc, int p0, int kc, float* destination)
    {
        const int mr = SgemmKernel.Rows;
        for (int ir = 0; ir < mc; ir += mr, destination += mr * kc)
        {
            int rows = Math.Min(mr, mc - ir);
            if (rows < mr) new Span<float>(destination, mr * kc).Clear();
            if (a.Transposed)
            {
                // Stored [k, m]: the panel's values for one k are adjacent.
                float* source = a.Data + (long)p0 * a.Stride + i0 + ir;
                for (int p = 0; p < kc; p++, source += a.Stride)
                    for (int r = 0; r < rows; r++) destination[p * mr + r] = source[r];
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    float* source = a.Data + (long)(i0 + ir + r) * a.Stride + p0;
                    for (int p = 0; p < kc; p++) destination[p * mr + r] = source[p];
                }
            }
        }
    }

    /// <summary>op(B)[p0.., panels j0..j1) into panels of nr columns: for each k, the panel's nr values, zero past the last column.</summary>
    private static void PackRight(MatrixView b, int p0, int kc, int j0, int j1, int n, int nr, float* destination)
    {
        for (int j = j0; j < j1; j++, destination += kc * nr)
        {
            int first = j * nr, columns = Math.Min(nr, n - first);
            if (columns < nr) new Span<float>(destination, kc * nr).Clear();
            if (b.Transposed)
            {
                // Stored [n, k]: each column of the panel is a contiguous run of a stored row.
                for (int col = 0; col < columns; col++)
                {
                    float* source = b.Data + (long)(first + col) * b.Stride + p0;
                    for (int p = 0; p < kc; p++) destination[p * nr + col] = source[p];
                }
            }
            else
            {
                float* source = b.Data + (long)p0 * b.Stride + first;
                for (int p = 0; p < kc; p++, source += b.Stride)
                {
                    // Panel widths are whole 128-bit vectors; a copy call per 64 bytes would cost more than the copy.
                    if (columns == nr)
                        for (int col = 0; col < nr; col += 4) Vector128.Store(Vector128.Load(source + col), destination + p * nr + col);
                    else
                        for (int col = 0; col < columns; col++) destination[p * nr + col] = source[col];
                }
            }
        }
    }

    private static void Scalar(MatrixView a, MatrixView b, float* c, int n, int k, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = c[(long)i * n + j];
                for (int p = 0; p < k; p++) sum += a[i, p] * b[p, j];
                c[(long)i * n + j] = sum;
            }
        }
    }

    private static int PanelCount(int size, int panel) => (size + panel - 1) / panel;

    private static long RoundUp(int size, int panel) => (long)PanelCount(size, panel) * panel;

    /// <summary>Floats of slack past a pinned buffer's length, from which <see cref="Start(float[])"/> takes up to 15 to align.</summary>
    private const int AlignmentSlack = 64;

    /// <summary>Pinned (so a raw pointer stays valid) with slack for cache-line alignment.</summary>
    private static float[] Pinned(long length) => GC.AllocateUninitializedArray<float>(checked((int)length + AlignmentSlack), pinned: true);

    /// <summary>Whether <paramref name="length"/> floats fit in a pinned buffer from its aligned start.</summary>
    internal static bool Fits(float[] pinned, long length) => pinned.Length >= length + AlignmentSlack;

    private static float* Start(float[] pinned)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (float*)((address + 63) & ~(nint)63);
    }

    private static float* Start(ref float[]? buffer, long length)
    {
        if (buffer is null || !Fits(buffer, length)) buffer = Pinned(length);
        return Start(buffer);
    }
}

/// <summary>op(X)[row, col] of a row-major buffer with <paramref name="stride"/> floats per stored row, read straight or transposed.</summary>
internal readonly unsafe struct MatrixView(float* data, int stride, bool transposed)
{
    public float* Data { get; } = data;

    public int Stride { get; } = stride;

    public bool Transposed { get; } = transposed;

    public float this[int row, int col] => Transposed ? Data[(long)col * Stride + row] : Data[(long)row * Stride + col];
}

/// <summary>An op(B) [<see cref="Depth"/>, <see cref="Width"/>] packed once for <see cref="Path"/>, for many products.</summary>
internal sealed class PackedPanels(float[] data)
{
    public float[] Data { get; } = data;

    public SgemmPath Path { get; set; }

    public int Depth { get; set; }

    public int Width { get; set; }
}
