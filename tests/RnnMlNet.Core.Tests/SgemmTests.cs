using RnnMlNet.Core.Maths;

namespace RnnMlNet.Core.Tests;

/// <summary>Every float GEMM path against the scalar reference, for the three product shapes the engine uses.</summary>
public class SgemmTests
{
    /// <summary>Awkward sizes: a single row, less than a tile, across a row block (96) and a depth block (256).</summary>
    private static readonly int[] Sizes = [1, 3, 17, 129];
    private static readonly int[] Depths = [1, 17, 300];

    /// <summary>Paths by name: the enum is internal, and xunit needs public test signatures.</summary>
    public static TheoryData<string, bool, bool> Shapes()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string path in new[] { nameof(SgemmPath.Vector128), nameof(SgemmPath.Avx2Fma) }.Where(p => Runs(Enum.Parse<SgemmPath>(p))))
        {
            data.Add(path, false, false);   // C += A·B       (forward products)
            data.Add(path, false, true);    // C += A·Bᵀ      (input gradients)
            data.Add(path, true, false);    // C += Aᵀ·B      (weight gradients)
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void VectorPathMatchesScalarReference(string pathName, bool transposeA, bool transposeB)
    {
        var path = Enum.Parse<SgemmPath>(pathName);
        var random = new Random(1);
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Depths)
                {
                    float[] a = TestData.RandomArray<float>(m * k, random), b = TestData.RandomArray<float>(k * n, random);
                    float[] start = TestData.RandomArray<float>(m * n, random);
                    float[] expected = (float[])start.Clone(), actual = (float[])start.Clone();
                    Sgemm.Multiply(a, transposeA, b, transposeB, expected, m, k, n, threads: 1, SgemmPath.Scalar);
                    Sgemm.Multiply(a, transposeA, b, transposeB, actual, m, k, n, threads: 3, path);
                    AssertClose(expected, actual, Magnitudes(a, transposeA, b, transposeB, start, m, k, n), $"{path} m={m} k={k} n={n}");
                }
    }

    // One fact per path, so that a path this CPU cannot run is reported as skipped rather than passing untested.
    [FactOnPath(nameof(SgemmPath.Scalar))]
    public void PrepackedWeightsMatchThePlainProductOnTheScalarPath() => PrepackedWeightsMatchThePlainProduct(SgemmPath.Scalar);

    [FactOnPath(nameof(SgemmPath.Vector128))]
    public void PrepackedWeightsMatchThePlainProductOnTheVector128Path() => PrepackedWeightsMatchThePlainProduct(SgemmPath.Vector128);

    [FactOnPath(nameof(SgemmPath.Avx2Fma))]
    public void PrepackedWeightsMatchThePlainProductOnTheAvx2FmaPath() => PrepackedWeightsMatchThePlainProduct(SgemmPath.Avx2Fma);

    private static void PrepackedWeightsMatchThePlainProduct(SgemmPath path)
    {
        Assert.True(Runs(path), $"{path} cannot run on this CPU: its test should have been skipped.");
        var random = new Random(2);
        foreach (bool transposeB in new[] { false, true })
            foreach (int m in Sizes)
                foreach (var (k, n) in new[] { (17, 68), (300, 129), (129, 3) })
                {
                    float[] a = TestData.RandomArray<float>(m * k, random), b = TestData.RandomArray<float>(k * n, random);
                    float[] expected = new float[m * n], actual = new float[m * n];
                    Sgemm.Multiply(a, false, b, transposeB, expected, m, k, n, threads: 1, path);
                    var packed = Sgemm.Pack(b, transposeB, k, n, path);
                    Sgemm.Multiply(a, false, packed, actual, m, threads: 2);
                    Assert.Equal(expected, actual);
                }
    }

    /// <summary>Packed panels start at the buffer's first 64-byte boundary, up to 15 floats in: a buffer is reused only where
    /// the new panels fit from there. A GRU of 2 units packs its recurrent weights [2, 6] (32 floats, in a buffer of 96) and,
    /// for backward, [6, 2] (96 floats): the buffer was reused and overrun, which crashed training in the garbage collector.</summary>
    [Fact]
    public void PanelsAreRepackedIntoABufferOnlyWhereTheyFitFromItsAlignedStart()
    {
        var random = new Random(5);
        float[] b = TestData.RandomArray<float>(12, random);
        var forward = Sgemm.Pack(b, transposeB: false, k: 2, n: 6, SgemmPath.Avx2Fma);
        var backward = Sgemm.Pack(b, transposeB: true, k: 6, n: 2, SgemmPath.Avx2Fma, reuse: forward);
        Assert.NotSame(forward, backward);
        Assert.True(Sgemm.Fits(backward.Data, 6 * 16));
        // Smaller panels do go into the larger buffer, and give the same product as freshly packed ones.
        Assert.Same(backward, Sgemm.Pack(b, transposeB: false, k: 2, n: 6, SgemmPath.Avx2Fma, reuse: backward));
        if (!Runs(SgemmPath.Avx2Fma)) return;
        float[] a = TestData.RandomArray<float>(7 * 2, random), expected = new float[7 * 6], actual = new float[7 * 6];
        Sgemm.Multiply(a, false, b, false, expected, 7, 2, 6, threads: 1, SgemmPath.Avx2Fma);
        Sgemm.Multiply(a, false, backward, actual, 7, threads: 1);
        Assert.Equal(expected, actual);
    }

    /// <summary>One or two rows (one sequence scored at a time) take the one-row kernel on column blocks; more take the packed kernel.</summary>
    [Fact]
    public void PackedWeightsGiveTheProductForFewAndManyRows()
    {
        var random = new Random(5);
        foreach (bool transposed in new[] { false, true })
            foreach (int m in new[] { 1, 2, 3, 7 })
            {
                const int k = 33, n = 70;
                float[] a = TestData.RandomArray<float>(m * k, random), b = TestData.RandomArray<float>(k * n, random);
                float[] expected = new float[m * n], actual = new float[m * n];
                Sgemm.Multiply(a, false, b, transposed, expected, m, k, n, threads: 1, SgemmPath.Scalar);
                var packed = new PackedWeights<float>();
                packed.Pack(b, transposed, k, n);
                packed.AddProductTo(a, actual, m, threads: 2);
                AssertClose(expected, actual, Magnitudes(a, false, b, transposed, new float[m * n], m, k, n), $"packed m={m} transposed={transposed}");
            }
    }

    [Fact]
    public void ResultsAreBitIdenticalWhateverTheThreadCount()
    {
        var random = new Random(3);
        int m = 200, k = 300, n = 70;
        float[] a = TestData.RandomArray<float>(m * k, random), b = TestData.RandomArray<float>(k * n, random);
        float[] one = new float[m * n];
        Sgemm.Multiply(a, false, b, false, one, m, k, n, threads: 1, Sgemm.Best);
        foreach (int threads in new[] { 2, 3, 7 })
        {
            float[] many = new float[m * n];
            Sgemm.Multiply(a, false, b, false, many, m, k, n, threads, Sgemm.Best);
            Assert.Equal(one, many);
        }
    }

    /// <summary>One-row products on column blocks: whole 64-column blocks, a narrower last block, vectors and single columns.</summary>
    [Theory]
    [InlineData(1, 5)]
    [InlineData(33, 64)]
    [InlineData(33, 70)]
    [InlineData(17, 131)]
    [InlineData(128, 200)]
    public void OneRowProductsMatchTheScalarReference(int k, int n)
    {
        foreach (bool transposed in new[] { false, true })
        {
            var random = new Random(k * 1000 + n);
            float[] x = TestData.RandomArray<float>(k, random), b = TestData.RandomArray<float>(k * n, random);
            float[] start = TestData.RandomArray<float>(n, random), expected = (float[])start.Clone(), actual = (float[])start.Clone();
            Sgemm.Multiply(x, false, b, transposed, expected, 1, k, n, threads: 1, SgemmPath.Scalar);
            float[] blocks = new float[k * n];
            Sgemv.Pack(b, transposed, k, n, blocks);
            Sgemv.AddRowTimesBlocks(x, blocks, actual, k, n);
            AssertClose(expected, actual, Magnitudes(x, false, b, transposed, start, 1, k, n), $"one row k={k} n={n} transposed={transposed}");
        }
    }

    /// <summary>The one-row kernel and the packed kernel give a row the same bits: each element is one chain of
    /// multiply-adds over k in order, starting from the existing value.</summary>
    [Theory]
    [InlineData(128, 512)]
    [InlineData(300, 70)]
    [InlineData(7, 13)]
    public void OneRowKernelGivesTheBitsOfThePackedKernel(int k, int n)
    {
        var random = new Random(k + n);
        float[] x = TestData.RandomArray<float>(k, random), b = TestData.RandomArray<float>(k * n, random);
        float[] start = TestData.RandomArray<float>(n, random), packed = (float[])start.Clone(), oneRow = (float[])start.Clone();
        Sgemm.Multiply(x, false, b, false, packed, 1, k, n, threads: 1, Sgemm.Best);
        float[] blocks = new float[k * n];
        Sgemv.Pack(b, transposed: false, k, n, blocks);
        Sgemv.AddRowTimesBlocks(x, blocks, oneRow, k, n);
        Assert.Equal(packed, oneRow);
    }

    [Fact]
    public void GemmUsesTheFastPathWithTheDocumentedSemantics()
    {
        // Gemm.AddProductTransposedA(a[m,k], b[m,n]) accumulates aᵀ·b into c[k,n].
        var random = new Random(4);
        int m = 37, k = 5, n = 19;
        float[] a = TestData.RandomArray<float>(m * k, random), b = TestData.RandomArray<float>(m * n, random);
        float[] expected = new float[k * n], actual = new float[k * n];
        for (int i = 0; i < m; i++)
            for (int row = 0; row < k; row++)
                for (int j = 0; j < n; j++)
                    expected[row * n + j] += a[i * k + row] * b[i * n + j];
        Gemm.AddProductTransposedA<float>(a, b, actual, m, k, n, threads: 2);
        AssertClose(expected, actual, Enumerable.Repeat((float)m, k * n).ToArray(), "transposed A");
    }

    internal static bool Runs(SgemmPath path) => path switch
    {
        SgemmPath.Avx2Fma => System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        SgemmPath.Vector128 => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>|C| + Σ_p |op(A)[i,p]·op(B)[p,j]|: the scale rounding errors are relative to (cancellation can make C itself tiny).</summary>
    private static float[] Magnitudes(float[] a, bool transposeA, float[] b, bool transposeB, float[] c, int m, int k, int n)
    {
        var result = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = Math.Abs(c[i * n + j]);
                for (int p = 0; p < k; p++)
                    sum += Math.Abs((transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]));
                result[i * n + j] = sum;
            }
        return result;
    }

    private static void AssertClose(float[] expected, float[] actual, float[] magnitude, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * magnitude[i],
                $"{what}: element {i} is {actual[i]}, expected {expected[i]} (scale {magnitude[i]}).");
    }
}

/// <summary>
/// A fact about one <see cref="SgemmPath"/>, reported as skipped on a CPU that cannot run that path (xunit 2 has no
/// skip from inside a test, but reads <see cref="FactAttribute.Skip"/> from the attribute instance).
/// </summary>
public sealed class FactOnPathAttribute : FactAttribute
{
    /// <param name="pathName">A <see cref="SgemmPath"/> by name: the enum is internal.</param>
    public FactOnPathAttribute(string pathName)
    {
        if (!SgemmTests.Runs(Enum.Parse<SgemmPath>(pathName))) Skip = $"This CPU cannot run the {pathName} path.";
    }
}

/// <summary>The float squashing functions against the double-precision library functions.</summary>
public class ActivationTests
{
    [Fact]
    public void FloatTanhAndSigmoidMatchTheLibraryToOneMillionth()
    {
        // An odd length, so the tail goes through the same formula as whole vectors.
        float[] x = Enumerable.Range(-20001, 40003).Select(i => i * 1e-3f).Concat([0f, 1e-6f, -1e-5f, 50f, -50f]).ToArray();
        float[] tanh = new float[x.Length], sigmoid = new float[x.Length];
        RnnMlNet.Core.Maths.Activations.Tanh<float>(x, tanh);
        RnnMlNet.Core.Maths.Activations.Sigmoid<float>(x, sigmoid);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(tanh[i] - Math.Tanh(x[i])) <= 1e-6, $"tanh({x[i]}) = {tanh[i]}, expected {Math.Tanh(x[i])}");
            Assert.True(Math.Abs(sigmoid[i] - 1 / (1 + Math.Exp(-x[i]))) <= 1e-6, $"σ({x[i]}) = {sigmoid[i]}");
        }
    }
}
