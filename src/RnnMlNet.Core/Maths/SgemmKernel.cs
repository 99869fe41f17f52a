using System.Runtime.CompilerServices;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// The register-blocked inner loop of <see cref="Sgemm"/>: C[6, 2V] += Â[6, kc]·B̂[kc, 2V] for V floats per vector,
/// from a packed B panel (2V floats per k) and six rows of A read in place or from a packed panel:
/// A[r, p] is at a + r·aRow + p·aStep (packed: aRow = 1, aStep = 6; a row-major A: aRow = lda, aStep = 1). Twelve accumulators, two B vectors and one
/// broadcast fit the 16 vector registers of x64 and leave every FMA independent of the one before it.
/// <para>C is loaded into the accumulators first, so every element is one chain c = a·b + c over k in order:
/// the result of an element never depends on which tile, block or thread it was computed in.</para>
/// </summary>
internal static unsafe class SgemmKernel
{
    /// <summary>Rows of the register tile.</summary>
    public const int Rows = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TLanes, TVector>(float* a, long aRow, long aStep, float* b, float* c, long ldc, int kc)
        where TLanes : struct, ISimdLanes<TVector> where TVector : unmanaged
    {
        int v = TLanes.Count;
        float* a1 = a + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow;
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        TVector c00 = TLanes.Load(c), c01 = TLanes.Load(c + v);
        TVector c10 = TLanes.Load(c1), c11 = TLanes.Load(c1 + v);
        TVector c20 = TLanes.Load(c2), c21 = TLanes.Load(c2 + v);
        TVector c30 = TLanes.Load(c3), c31 = TLanes.Load(c3 + v);
        TVector c40 = TLanes.Load(c4), c41 = TLanes.Load(c4 + v);
        TVector c50 = TLanes.Load(c5), c51 = TLanes.Load(c5 + v);
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TLanes.Load(b), b1 = TLanes.Load(b + v);
            TVector ai = TLanes.Broadcast(a);
            c00 = TLanes.MultiplyAdd(ai, b0, c00); c01 = TLanes.MultiplyAdd(ai, b1, c01);
            ai = TLanes.Broadcast(a1);
            c10 = TLanes.MultiplyAdd(ai, b0, c10); c11 = TLanes.MultiplyAdd(ai, b1, c11);
            ai = TLanes.Broadcast(a2);
            c20 = TLanes.MultiplyAdd(ai, b0, c20); c21 = TLanes.MultiplyAdd(ai, b1, c21);
            ai = TLanes.Broadcast(a3);
            c30 = TLanes.MultiplyAdd(ai, b0, c30); c31 = TLanes.MultiplyAdd(ai, b1, c31);
            ai = TLanes.Broadcast(a4);
            c40 = TLanes.MultiplyAdd(ai, b0, c40); c41 = TLanes.MultiplyAdd(ai, b1, c41);
            ai = TLanes.Broadcast(a5);
            c50 = TLanes.MultiplyAdd(ai, b0, c50); c51 = TLanes.MultiplyAdd(ai, b1, c51);
            a += aStep; a1 += aStep; a2 += aStep; a3 += aStep; a4 += aStep; a5 += aStep;
            b += 2 * v;
        }
        TLanes.Store(c00, c); TLanes.Store(c01, c + v);
        TLanes.Store(c10, c1); TLanes.Store(c11, c1 + v);
        TLanes.Store(c20, c2); TLanes.Store(c21, c2 + v);
        TLanes.Store(c30, c3); TLanes.Store(c31, c3 + v);
        TLanes.Store(c40, c4); TLanes.Store(c41, c4 + v);
        TLanes.Store(c50, c5); TLanes.Store(c51, c5 + v);
    }

    /// <summary>A tile cut by the edge of C: runs the same kernel on a padded copy, so edge elements
    /// see exactly the arithmetic of interior ones.</summary>
    public static void EdgeTile<TLanes, TVector>(float* a, long aRow, long aStep, float* b, float* c, long ldc, int kc, int rows, int columns)
        where TLanes : struct, ISimdLanes<TVector> where TVector : unmanaged
    {
        int width = 2 * TLanes.Count;
        float* tile = stackalloc float[Rows * width];
        new Span<float>(tile, Rows * width).Clear();
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(c + r * ldc, columns).CopyTo(new Span<float>(tile + r * width, columns));
        Tile<TLanes, TVector>(a, aRow, aStep, b, tile, width, kc);
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(tile + r * width, columns).CopyTo(new Span<float>(c + r * ldc, columns));
    }
}
