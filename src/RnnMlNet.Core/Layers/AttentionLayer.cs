using System.Numerics;
using System.Numerics.Tensors;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// Luong global attention: each decoder output h_t (a query) scores every encoder output e_j of its own source (the
/// memory), the softmax of the scores weighs the memory into a context, and the context joined to h_t makes the
/// attentional state h̃_t that the output layer reads. Padded source steps get no weight, so a ragged batch gives what
/// each sequence gives alone.
/// <code>
/// forward                                    backward
/// k_j  = e_j (dot)  or  e_j·W_a (general)    ∂W_a = Σ_j e_jᵀ·∂k_j          ∂e_j += ∂k_j·W_aᵀ
/// s_tj = h_t · k_j                           ∂h_t += Σ_j ∂s_tj k_j          ∂k_j += Σ_t ∂s_tj h_t
/// α_t  = softmax_j(s_t), j &lt; length         ∂s_tj = α_tj (∂α_tj − Σ_i α_ti ∂α_ti)
/// c_t  = Σ_j α_tj e_j                        ∂α_tj = ∂c_t · e_j             ∂e_j += Σ_t α_tj ∂c_t
/// h̃_t  = tanh([c_t; h_t]·W_c + b_c)          ∂[c_t; h_t] = (∂h̃_t ⊙ (1 − h̃_t²))·W_cᵀ (a dense layer)
/// </code>
/// </summary>
internal sealed class AttentionLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;
    private T[]? _keys, _weights, _joined, _attended, _queryGrad, _memoryGrad, _keyGrad, _scores;
    private T[] _memory = Array.Empty<T>(), _queries = Array.Empty<T>();
    private int[] _lengths = Array.Empty<int>(), _memoryRowOf = Array.Empty<int>();
    private int _memorySteps, _memoryRows, _queryRows;

    /// <param name="parameters">Where the weights live.</param>
    /// <param name="prefix">Name prefix of the weights.</param>
    /// <param name="kind">Dot or General.</param>
    /// <param name="memoryWidth">Width of an encoder output (D·H of the encoder).</param>
    /// <param name="queryWidth">Width of a decoder output, and of the attentional state.</param>
    public AttentionLayer(ParameterSet<T> parameters, string prefix, Attention kind, int memoryWidth, int queryWidth)
    {
        if (kind == Attention.None) throw new ArgumentException("An attention layer needs Dot or General scores.", nameof(kind));
        if (kind == Attention.Dot && memoryWidth != queryWidth)
            throw new ArgumentException($"Dot attention needs encoder and decoder outputs of one width; they have {memoryWidth} and {queryWidth}.", nameof(kind));
        _parameters = parameters;
        Kind = kind;
        MemoryWidth = memoryWidth;
        QueryWidth = queryWidth;
        if (kind == Attention.General) ScoreWeights = parameters.Register(prefix + ".score", memoryWidth, queryWidth);
        Combine = new DenseLayer<T>(parameters, prefix + ".combine", memoryWidth + queryWidth, queryWidth);
    }

    public Attention Kind { get; }

    public int MemoryWidth { get; }

    public int QueryWidth { get; }

    /// <summary>W_a [He, Hd], for General scores; null for Dot.</summary>
    public Parameter? ScoreWeights { get; }

    /// <summary>W_c [He + Hd, Hd] and b_c: the context and the query joined into the attentional state.</summary>
    public DenseLayer<T> Combine { get; }

    /// <summary>
    /// Reads the memory for the following <see cref="Forward"/> calls: encoder outputs [S·R, He], time-major (step j of
    /// memory row m at j·R + m), row m holding <paramref name="lengths"/>[m] steps. Must stay unchanged until backward.
    /// </summary>
    public void SetMemory(T[] memory, int steps, int rows, int[] lengths, int threads)
    {
        (_memory, _memorySteps, _memoryRows, _lengths) = (memory, steps, rows, lengths);
        if (ScoreWeights is null) return;
        int size = steps * rows;
        var keys = Buffers.Ensure(ref _keys, (long)size * QueryWidth).AsSpan(0, size * QueryWidth);
        keys.Clear();
        Gemm.AddProduct(memory.AsSpan(0, size * MemoryWidth), _parameters.Value(ScoreWeights), keys, size, MemoryWidth, QueryWidth, threads);
    }

    /// <summary>The attentional states h̃ [Q, Hd] of <paramref name="queryRows"/> queries [Q, Hd]; query q attends to memory
    /// row <paramref name="memoryRowOf"/>[q], or, at −1 (a padded step), to nothing (c = 0). The queries must stay unchanged until backward.</summary>
    public T[] Forward(T[] queries, int queryRows, int[] memoryRowOf, int threads)
    {
        (_queries, _queryRows, _memoryRowOf) = (queries, queryRows, memoryRowOf);
        int he = MemoryWidth, hd = QueryWidth, joinedWidth = he + hd;
        var weights = Buffers.Ensure(ref _weights, (long)queryRows * _memorySteps);
        var joined = Buffers.Ensure(ref _joined, (long)queryRows * joinedWidth);
        var scores = Buffers.Ensure(ref _scores, _memorySteps);
        weights.AsSpan(0, queryRows * _memorySteps).Clear();
        joined.AsSpan(0, queryRows * joinedWidth).Clear();
        for (int q = 0; q < queryRows; q++)
        {
            var query = queries.AsSpan(q * hd, hd);
            var context = joined.AsSpan(q * joinedWidth, he);
            query.CopyTo(joined.AsSpan(q * joinedWidth + he, hd));
            int m = memoryRowOf[q];
            if (m < 0) continue;
            int length = _lengths[m];
            var alpha = weights.AsSpan(q * _memorySteps, length);
            for (int j = 0; j < length; j++) scores[j] = TensorPrimitives.Dot<T>(query, Key(j, m));
            // Shifted by the largest score, so no exponential overflows (softmax itself is unchanged by the shift).
            var shifted = scores.AsSpan(0, length);
            TensorPrimitives.Subtract<T>(shifted, TensorPrimitives.Max<T>(shifted), shifted);
            TensorPrimitives.SoftMax<T>(shifted, alpha);
            for (int j = 0; j < length; j++) TensorPrimitives.MultiplyAdd<T>(Memory(j, m), alpha[j], context, context);
        }
        T[] z = Combine.Forward(joined, queryRows, threads);
        var attended = Buffers.Ensure(ref _attended, (long)queryRows * hd);
        TensorPrimitives.Tanh<T>(z.AsSpan(0, queryRows * hd), attended.AsSpan(0, queryRows * hd));
        return attended;
    }

    /// <summary>The last forward pass's weights α [Q, S]: row q holds query q's weight on each memory step (0 beyond its length).</summary>
    public ReadOnlySpan<T> Weights => _weights.AsSpan(0, _queryRows * _memorySteps);

    /// <summary>Steps of the memory set last.</summary>
    public int MemorySteps => _memorySteps;

    /// <summary>Back-propagates ∂L/∂h̃ [Q, Hd] (overwritten with ∂L/∂z on the way); adds to the weights' gradients and returns
    /// ∂L/∂queries [Q, Hd] and ∂L/∂memory [S·R, He].</summary>
    public (T[] QueryGrad, T[] MemoryGrad) Backward(T[] attendedGrad, int threads)
    {
        int he = MemoryWidth, hd = QueryWidth, joinedWidth = he + hd, rows = _queryRows, size = _memorySteps * _memoryRows;
        var dz = attendedGrad.AsSpan(0, rows * hd);
        Derivatives.MultiplyByTanhSlope<T>(dz, _attended.AsSpan(0, rows * hd));
        T[] joinedGrad = Combine.Backward(dz, threads);
        var queryGrad = Buffers.Ensure(ref _queryGrad, (long)rows * hd);
        var memoryGrad = Buffers.Ensure(ref _memoryGrad, (long)size * he);
        memoryGrad.AsSpan(0, size * he).Clear();
        // For dot scores the keys are the memory itself, so their gradient adds straight into the memory's.
        var keyGrad = ScoreWeights is null ? memoryGrad : Buffers.Ensure(ref _keyGrad, (long)size * hd);
        if (ScoreWeights is not null) keyGrad.AsSpan(0, size * hd).Clear();
        var scoreGrad = Buffers.Ensure(ref _scores, _memorySteps);
        for (int q = 0; q < rows; q++)
        {
            var query = _queries.AsSpan(q * hd, hd);
            var dQuery = queryGrad.AsSpan(q * hd, hd);
            joinedGrad.AsSpan(q * joinedWidth + he, hd).CopyTo(dQuery);
            int m = _memoryRowOf[q];
            if (m < 0) continue;
            int length = _lengths[m];
            ReadOnlySpan<T> dContext = joinedGrad.AsSpan(q * joinedWidth, he), alpha = _weights.AsSpan(q * _memorySteps, length);
            for (int j = 0; j < length; j++)
            {
                scoreGrad[j] = TensorPrimitives.Dot<T>(dContext, Memory(j, m));   // ∂α_tj, turned into ∂s_tj below
                var dMemory = memoryGrad.AsSpan((j * _memoryRows + m) * he, he);
                TensorPrimitives.MultiplyAdd<T>(dContext, alpha[j], dMemory, dMemory);
            }
            T weighted = TensorPrimitives.Dot<T>(alpha, scoreGrad.AsSpan(0, length));
            for (int j = 0; j < length; j++)
            {
                T dScore = alpha[j] * (scoreGrad[j] - weighted);
                TensorPrimitives.MultiplyAdd<T>(Key(j, m), dScore, dQuery, dQuery);
                var dKey = keyGrad.AsSpan((j * _memoryRows + m) * hd, hd);
                TensorPrimitives.MultiplyAdd<T>(query, dScore, dKey, dKey);
            }
        }
        if (ScoreWeights is not null)
        {
            Gemm.AddProductTransposedA(_memory.AsSpan(0, size * he), keyGrad.AsSpan(0, size * hd), _parameters.Gradient(ScoreWeights), size, he, hd, threads);
            Gemm.AddProductTransposedB(keyGrad.AsSpan(0, size * hd), _parameters.Value(ScoreWeights), memoryGrad.AsSpan(0, size * he), size, hd, he, threads);
        }
        return (queryGrad, memoryGrad);
    }

    private ReadOnlySpan<T> Memory(int step, int row) => _memory.AsSpan((step * _memoryRows + row) * MemoryWidth, MemoryWidth);

    private ReadOnlySpan<T> Key(int step, int row) => ScoreWeights is null
        ? Memory(step, row)
        : _keys.AsSpan((step * _memoryRows + row) * QueryWidth, QueryWidth);
}
