using System.Numerics;
using RnnMlNet.Core.Layers;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// A right-hand operand op(B) [K, N] prepared once and reused for many products: the recurrent weights W_h
/// (forward) or W_hᵀ (backward), used by every time step of a batch. For float it holds <see cref="Sgemm"/>'s
/// packed panels, so the per-step products skip packing; for every type, also a plain copy of op(B), used by products of
/// one or two rows and by types other than float.
/// Pack again whenever the weights change (the layer does so at the start of each forward and backward pass).
/// </summary>
internal sealed class PackedWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private PackedPanels? _panels;
    private T[]? _plain;

    /// <summary>K: rows of op(B), the depth of the products.</summary>
    public int Depth { get; private set; }

    /// <summary>N: columns of op(B).</summary>
    public int Width { get; private set; }

    /// <summary>Products with at most this many rows use the plain copy: a 6-row register tile would mostly compute padding
    /// (one sequence scored at a time).</summary>
    private const int FewRows = 2;

    /// <summary>Packs op(B) [k, n] from B stored [k, n], or [n, k] when <paramref name="transposed"/>.</summary>
    public void Pack(ReadOnlySpan<T> b, bool transposed, int k, int n) => Pack(b, transposed, k, n, Sgemm.Best);

    internal void Pack(ReadOnlySpan<T> b, bool transposed, int k, int n, SgemmPath path)
    {
        Gemm.CheckSizes(b.Length, (long)k * n, 0, 0, 0, 0);
        Depth = k;
        Width = n;
        _panels = typeof(T) == typeof(float) ? Sgemm.Pack(Gemm.AsFloat(b), transposed, k, n, path, _panels) : null;
        T[] plain = Buffers.Ensure(ref _plain, (long)k * n);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                plain[p * n + j] = transposed ? b[j * k + p] : b[p * n + j];
    }

    /// <summary>C[m, N] += A[m, K]·op(B).</summary>
    public void AddProductTo(ReadOnlySpan<T> a, Span<T> c, int m, int threads)
    {
        Gemm.CheckSizes(a.Length, (long)m * Depth, 0, 0, c.Length, (long)m * Width);
        if (_panels is not null && m > FewRows) Sgemm.Multiply(Gemm.AsFloat(a), false, _panels, Gemm.AsFloat(c), m, threads);
        else Gemm.AddProductByRows<T>(a, _plain ?? throw new InvalidOperationException("Pack the weights first."), c, m, Depth, Width, threads);
    }
}
