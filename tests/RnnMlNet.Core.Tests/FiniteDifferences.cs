namespace RnnMlNet.Core.Tests;

/// <summary>Central finite differences in double precision against analytic gradients: relative error below 1e-6.</summary>
internal static class FiniteDifferences
{
    private const double Epsilon = 1e-5;
    private const double Tolerance = 1e-6;

    /// <summary>Perturbs each of <paramref name="values"/> in turn and compares (L(v+ε) − L(v−ε)) / 2ε with <paramref name="analytic"/>;
    /// <paramref name="names"/> (optional) name the parameter of a failing index.</summary>
    public static void AssertMatches(double[] values, double[] analytic, Func<double> loss, IReadOnlyList<RnnMlNet.Core.Parameters.Parameter>? names)
    {
        Assert.Equal(values.Length, analytic.Length);
        int nonZero = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + Epsilon;
            double plus = loss();
            values[i] = saved - Epsilon;
            double minus = loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * Epsilon);
            // Relative error, with a floor so that gradients near zero are held to an absolute 1e-10.
            double error = Math.Abs(analytic[i] - numeric) / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), 1e-4);
            if (Math.Abs(numeric) > 1e-8) nonZero++;
            if (error > Tolerance)
            {
                string name = names?.LastOrDefault(p => p.Offset <= i)?.Name ?? "value";
                Assert.Fail($"Gradient of {name} (flat index {i}): analytic {analytic[i]:R}, numeric {numeric:R}, relative error {error:E2}.");
            }
        }
        Assert.True(nonZero > 0, "Every gradient was zero: the check would prove nothing.");
    }

}
