using System.Numerics;
using RnnMlNet.Core.Cells;

namespace RnnMlNet.Core.Initialisation;

/// <summary>
/// Starting weights that keep signals and gradients at a sensible scale:
/// <list type="bullet">
/// <item>Input weights W_i and the head: Xavier/Glorot uniform, U(−a, a) with a = √(6 / (fan_in + fan_out)), per gate block.</item>
/// <item>Recurrent weights W_h: an orthogonal H×H matrix per gate block, so repeated products neither shrink nor grow a state.</item>
/// <item>Biases zero, except the LSTM forget gate at 1 (<see cref="Networks.NetworkOptions.ForgetGateBias"/>), so the cell starts by remembering.</item>
/// <item>Embeddings: N(0, 1), as PyTorch.</item>
/// </list>
/// </summary>
internal static class WeightInitializer
{
    public static void XavierUniform<T>(Span<T> weights, int fanIn, int fanOut, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weights.Length; i++)
            weights[i] = T.CreateChecked((2 * random.NextDouble() - 1) * limit);
    }

    public static void StandardNormal<T>(Span<T> weights, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++)
            weights[i] = T.CreateChecked(NextGaussian(random));
    }

    /// <summary>Initialises one direction of a recurrent layer.</summary>
    public static void InitializeCell<T>(RecurrentCell<T> cell, double forgetGateBias, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = cell.Parameters;
        int h = cell.HiddenSize, gw = cell.GateWidth;
        XavierUniform(p.Value(cell.InputWeights), cell.InputSize, h, random);
        Span<T> recurrent = p.Value(cell.RecurrentWeights);
        for (int gate = 0; gate < cell.GateCount; gate++)
        {
            double[,] q = RandomOrthogonal(h, random);
            for (int row = 0; row < h; row++)
                for (int col = 0; col < h; col++)
                    recurrent[row * gw + gate * h + col] = T.CreateChecked(q[row, col]);
        }
        p.Value(cell.Bias).Clear();
        if (cell.RecurrentBias is { } recurrentBias) p.Value(recurrentBias).Clear();
        if (cell.Kind == CellKind.Lstm)
            p.Value(cell.Bias).Slice(LstmGate.Forget * h, h).Fill(T.CreateChecked(forgetGateBias));
    }

    /// <summary>A uniformly random orthogonal matrix: Gram–Schmidt on a Gaussian matrix.</summary>
    internal static double[,] RandomOrthogonal(int n, Random random)
    {
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                q[i, j] = NextGaussian(random);
        for (int col = 0; col < n; col++)
        {
            // Modified Gram–Schmidt: remove the components along the columns already fixed, twice for stability.
            for (int pass = 0; pass < 2; pass++)
            {
                for (int prev = 0; prev < col; prev++)
                {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += q[i, col] * q[i, prev];
                    for (int i = 0; i < n; i++) q[i, col] -= dot * q[i, prev];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i, col] * q[i, col];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i, col] /= norm;
        }
        return q;
    }

    private static double NextGaussian(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm finite.
        double u = 1 - random.NextDouble(), v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
