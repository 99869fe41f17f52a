using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Pools the last layer's outputs h_t [T·B, W] (time-major, natural order) over each sequence's own steps t &lt; L into
/// one row p [B, W]; padded steps never count. Each forward equation sits next to its gradient (g = ∂L/∂p):
/// <code>
/// Mean:       p = (1/L) Σ_t h_t                       ∂h_t = g / L
/// Max:        p_w = max_t h_t,w                       ∂h_t*,w = g_w at the step t* that won, 0 elsewhere
/// Attention:  s_t = h_t·q,  α = softmax_t(s),         ∂s_t = α_t (g·h_t − g·p)
///             p = Σ_t α_t h_t                         ∂h_t = α_t g + ∂s_t q,   ∂q = Σ_t ∂s_t h_t
/// </code>
/// (<see cref="Pooling.Last"/> needs no layer: the network reads the final states.)
/// </summary>
internal sealed class PoolingLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;
    private T[]? _pooled, _stepGrad, _attention;
    private int[]? _winner;
    private T[] _steps = Array.Empty<T>();
    private SequenceBatch<T> _batch = null!;

    public PoolingLayer(ParameterSet<T> parameters, string prefix, Pooling kind, int width)
    {
        _parameters = parameters;
        Kind = kind;
        Width = width;
        if (kind == Pooling.Attention) Query = parameters.Register(prefix + ".query", width);
    }

    public Pooling Kind { get; }

    public int Width { get; }

    /// <summary>q [W], for attention pooling.</summary>
    public Parameter? Query { get; }

    /// <summary>Pools <paramref name="steps"/> [T·B, W], which must stay unchanged until backward, into [B, W].</summary>
    public T[] Forward(T[] steps, SequenceBatch<T> batch)
    {
        _steps = steps;
        _batch = batch;
        int b = batch.Count, w = Width;
        var pooled = Buffers.Ensure(ref _pooled, (long)b * w);
        for (int row = 0; row < b; row++)
        {
            Span<T> p = pooled.AsSpan(row * w, w);
            int length = batch.Lengths[row];
            switch (Kind)
            {
                case Pooling.Mean:
                    p.Clear();
                    for (int t = 0; t < length; t++) Add(p, Step(t, row), T.One);
                    Scale(p, T.One / T.CreateChecked(length));
                    break;
                case Pooling.Max:
                    var winner = Buffers.Ensure(ref _winner, (long)b * w).AsSpan(row * w, w);
                    Step(0, row).CopyTo(p);
                    winner.Clear();
                    for (int t = 1; t < length; t++)
                    {
                        ReadOnlySpan<T> h = Step(t, row);
                        for (int i = 0; i < w; i++)
                            if (h[i] > p[i]) (p[i], winner[i]) = (h[i], t);
                    }
                    break;
                default:
                    AttendForward(row, length, p);
                    break;
            }
        }
        return pooled;
    }

    /// <summary>∂L/∂h_t [T·B, W] from <paramref name="pooledGrad"/> [B, W]; accumulates ∂q for attention.</summary>
    public T[] Backward(ReadOnlySpan<T> pooledGrad)
    {
        int b = _batch.Count, w = Width;
        var stepGrad = Buffers.Ensure(ref _stepGrad, (long)_batch.MaxLength * b * w);
        stepGrad.AsSpan(0, _batch.MaxLength * b * w).Clear();
        for (int row = 0; row < b; row++)
        {
            ReadOnlySpan<T> g = pooledGrad.Slice(row * w, w);
            int length = _batch.Lengths[row];
            switch (Kind)
            {
                case Pooling.Mean:
                    T share = T.One / T.CreateChecked(length);
                    for (int t = 0; t < length; t++) Add(StepGrad(stepGrad, t, row), g, share);
                    break;
                case Pooling.Max:
                    ReadOnlySpan<int> winner = _winner.AsSpan(row * w, w);
                    for (int i = 0; i < w; i++) StepGrad(stepGrad, winner[i], row)[i] = g[i];
                    break;
                default:
                    AttendBackward(row, length, g, stepGrad);
                    break;
            }
        }
        return stepGrad;
    }

    /// <summary>s_t = h_t·q, α = softmax over the row's steps, p = Σ α_t h_t.</summary>
    private void AttendForward(int row, int length, Span<T> p)
    {
        ReadOnlySpan<T> q = _parameters.Value(Query!);
        Span<T> alpha = Buffers.Ensure(ref _attention, (long)_batch.MaxLength * _batch.Count).AsSpan(row * _batch.MaxLength, length);
        T largest = T.NegativeInfinity;
        for (int t = 0; t < length; t++)
        {
            alpha[t] = Dot(Step(t, row), q);
            largest = T.Max(largest, alpha[t]);
        }
        T total = T.Zero;
        for (int t = 0; t < length; t++)
        {
            alpha[t] = T.Exp(alpha[t] - largest);
            total += alpha[t];
        }
        p.Clear();
        for (int t = 0; t < length; t++)
        {
            alpha[t] /= total;
            Add(p, Step(t, row), alpha[t]);
        }
    }

    /// <summary>∂s_t = α_t (g·h_t − g·p); ∂h_t = α_t g + ∂s_t q; ∂q += ∂s_t h_t.</summary>
    private void AttendBackward(int row, int length, ReadOnlySpan<T> g, T[] stepGrad)
    {
        ReadOnlySpan<T> q = _parameters.Value(Query!);
        Span<T> queryGrad = _parameters.Gradient(Query!);
        ReadOnlySpan<T> alpha = _attention.AsSpan(row * _batch.MaxLength, length);
        T pooledDot = Dot(g, _pooled.AsSpan(row * Width, Width));
        for (int t = 0; t < length; t++)
        {
            ReadOnlySpan<T> h = Step(t, row);
            T scoreGrad = alpha[t] * (Dot(g, h) - pooledDot);
            Span<T> dh = StepGrad(stepGrad, t, row);
            Add(dh, g, alpha[t]);
            Add(dh, q, scoreGrad);
            Add(queryGrad, h, scoreGrad);
        }
    }

    private ReadOnlySpan<T> Step(int t, int row) => _steps.AsSpan((t * _batch.Count + row) * Width, Width);

    private Span<T> StepGrad(T[] stepGrad, int t, int row) => stepGrad.AsSpan((t * _batch.Count + row) * Width, Width);

    /// <summary>to += scale · from.</summary>
    private static void Add(Span<T> to, ReadOnlySpan<T> from, T scale)
    {
        for (int i = 0; i < to.Length; i++) to[i] += scale * from[i];
    }

    private static void Scale(Span<T> values, T scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= scale;
    }

    private static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        T sum = T.Zero;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
