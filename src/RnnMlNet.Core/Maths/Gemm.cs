using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// The three row-major matrix products that forward and back-propagation need.
/// All of them accumulate into the destination (C += ...), so gradients from several
/// time steps or directions add up without extra buffers.
/// <para>Float products go to <see cref="Sgemm"/> (packed, register-blocked SIMD kernels); other types, in practice
/// the double of the gradient checks, use the row-by-row loops here.</para>
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>C[m,n] += A[m,k] · B[k,n].</summary>
    public static void AddProduct<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, (long)m * k, b.Length, (long)k * n, c.Length, (long)m * n);
        if (typeof(T) == typeof(float))
        {
            Sgemm.Multiply(AsFloat(a), false, AsFloat(b), false, AsFloat(c), m, k, n, threads, Sgemm.Best);
            return;
        }
        AddProductByRows(a, b, c, m, k, n, threads);
    }

    /// <summary>C[m,n] += A[m,k] · B[k,n] one output row at a time, as scaled rows of B: the generic path.</summary>
    internal static void AddProductByRows<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
        {
            nint aa = (nint)pa, bb = (nint)pb, cc = (nint)pc;
            Parallelism.ForRows(m, (long)k * n, threads, (start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    var aRow = new ReadOnlySpan<T>((T*)aa + (long)i * k, k);
                    var cRow = new Span<T>((T*)cc + (long)i * n, n);
                    for (int p = 0; p < k; p++)
                    {
                        T aip = aRow[p];
                        // Zero inputs are common (padding, dropout, ReLU-free but sparse gradients): skip them.
                        if (aip == T.Zero) continue;
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>((T*)bb + (long)p * n, n), aip, cRow, cRow);
                    }
                }
            });
        }
    }

    /// <summary>C[m,n] += A[m,k] · B[n,k]ᵀ.</summary>
    public static void AddProductTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, (long)m * k, b.Length, (long)n * k, c.Length, (long)m * n);
        if (typeof(T) == typeof(float))
        {
            Sgemm.Multiply(AsFloat(a), false, AsFloat(b), true, AsFloat(c), m, k, n, threads, Sgemm.Best);
            return;
        }
        fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
        {
            nint aa = (nint)pa, bb = (nint)pb, cc = (nint)pc;
            Parallelism.ForRows(m, (long)k * n, threads, (start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    var aRow = new ReadOnlySpan<T>((T*)aa + (long)i * k, k);
                    T* cRow = (T*)cc + (long)i * n;
                    for (int j = 0; j < n; j++)
                        cRow[j] += TensorPrimitives.Dot(aRow, new ReadOnlySpan<T>((T*)bb + (long)j * k, k));
                }
            });
        }
    }

    /// <summary>C[k,n] += A[m,k]ᵀ · B[m,n]. Used for weight gradients: inputsᵀ · output-gradients.</summary>
    public static void AddProductTransposedA<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, (long)m * k, b.Length, (long)m * n, c.Length, (long)k * n);
        if (typeof(T) == typeof(float))
        {
            // C[k,n] += Aᵀ·B is a product of depth m.
            Sgemm.Multiply(AsFloat(a), true, AsFloat(b), false, AsFloat(c), k, m, n, threads, Sgemm.Best);
            return;
        }
        fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
        {
            nint aa = (nint)pa, bb = (nint)pb, cc = (nint)pc;
            Parallelism.ForRows(k, (long)m * n, threads, (start, end) =>
            {
                for (int row = start; row < end; row++)
                {
                    var cRow = new Span<T>((T*)cc + (long)row * n, n);
                    for (int i = 0; i < m; i++)
                    {
                        T aiRow = ((T*)aa)[(long)i * k + row];
                        if (aiRow == T.Zero) continue;
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>((T*)bb + (long)i * n, n), aiRow, cRow, cRow);
                    }
                }
            });
        }
    }

    /// <summary>C[m,n] += A[m,k] · B̂ for weights packed once (<see cref="PackedWeights{T}"/>) and reused for many products.</summary>
    public static void AddProduct<T>(ReadOnlySpan<T> a, PackedWeights<T> b, Span<T> c, int m, int threads)
        where T : unmanaged, IFloatingPointIeee754<T> => b.AddProductTo(a, c, m, threads);

    /// <summary>sums[n] += Σ_rows B[rows,n]: the bias gradient.</summary>
    public static void AddColumnSums<T>(ReadOnlySpan<T> b, Span<T> sums, int rows, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
            TensorPrimitives.Add(sums, b.Slice(i * n, n), sums);
    }

    internal static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    internal static Span<float> AsFloat<T>(Span<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    internal static void CheckSizes(int aLength, long aNeeded, int bLength, long bNeeded, int cLength, long cNeeded)
    {
        if (aLength < aNeeded || bLength < bNeeded || cLength < cNeeded)
            throw new ArgumentException($"Matrix buffers too small: A {aLength}/{aNeeded}, B {bLength}/{bNeeded}, C {cLength}/{cNeeded}.");
    }
}
