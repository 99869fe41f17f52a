using System.Numerics;
using RnnMlNet.Core.Layers;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// A right-hand operand op(B) [K, N] prepared once and reused for many products: the recurrent weights W_h
/// (forward) or W_hᵀ (backward), used by every time step of a batch. For float it holds <see cref="Sgemm"/>'s
/// packed panels, so the per-step products skip packing, and op(B) in <see cref="Sgemv"/>'s column blocks for products of
/// one or two rows; other types keep a plain row-major copy of op(B).
/// Pack again whenever the weights change (the layer does so at the start of each forward and backward pass).
/// </summary>
internal sealed class PackedWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private PackedPanels? _panels;
    // op(B) for products row by row: Sgemv's column blocks for float, plain row-major for other types.
    private T[]? _rows;

    /// <summary>K: rows of op(B), the depth of the products.</summary>
    public int Depth { get; private set; }

    /// <summary>N: columns of op(B).</summary>
    public int Width { get; private set; }

    /// <summary>Float products with at most this many rows go row by row through <see cref="Sgemv"/>: a 6-row register tile
    /// would mostly compute padding (one sequence scored at a time).</summary>
    private const int FewRows = 2;

    /// <summary>Packs op(B) [k, n] from B stored [k, n], or [n, k] when <paramref name="transposed"/>.
    /// <paramref name="oneRowProducts"/>: only ever multiplied by one or two rows (a scorer's share of one sequence's units),
    /// so the panels for more rows are not built.</summary>
    public void Pack(ReadOnlySpan<T> b, bool transposed, int k, int n, bool oneRowProducts = false) =>
        Pack(b, transposed, k, n, Sgemm.Best, oneRowProducts);

    internal void Pack(ReadOnlySpan<T> b, bool transposed, int k, int n, SgemmPath path, bool oneRowProducts = false)
    {
        Gemm.CheckSizes(b.Length, (long)k * n, 0, 0, 0, 0);
        Depth = k;
        Width = n;
        T[] rows = Buffers.Ensure(ref _rows, (long)k * n);
        if (typeof(T) == typeof(float))
        {
            _panels = oneRowProducts ? null : Sgemm.Pack(Gemm.AsFloat(b), transposed, k, n, path, _panels);
            Sgemv.Pack(Gemm.AsFloat(b), transposed, k, n, Gemm.AsFloat(rows.AsSpan()));
            return;
        }
        _panels = null;
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                rows[p * n + j] = transposed ? b[j * k + p] : b[p * n + j];
    }

    /// <summary>C[m, N] += A[m, K]·op(B).</summary>
    public void AddProductTo(ReadOnlySpan<T> a, Span<T> c, int m, int threads)
    {
        Gemm.CheckSizes(a.Length, (long)m * Depth, 0, 0, c.Length, (long)m * Width);
        T[] rows = _rows ?? throw new InvalidOperationException("Pack the weights first.");
        if (typeof(T) != typeof(float)) Gemm.AddProductByRows<T>(a, rows, c, m, Depth, Width, threads);
        else if (m > FewRows) Sgemm.Multiply(Gemm.AsFloat(a), false, _panels ?? throw new InvalidOperationException("Packed for one-row products only."), Gemm.AsFloat(c), m, threads);
        else
            for (int i = 0; i < m; i++)
                Sgemv.AddRowTimesBlocks(Gemm.AsFloat(a.Slice(i * Depth, Depth)), Gemm.AsFloat<T>(rows.AsSpan()), Gemm.AsFloat(c.Slice(i * Width, Width)), Depth, Width);
    }
}
