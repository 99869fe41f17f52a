using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;

namespace RnnMlNet.Prediction;

/// <summary>
/// Thread-safe predictions over one model. A <see cref="PredictionEngine{TSrc, TDst}"/> is not thread-safe (sharing one
/// across threads has crashed the process natively), so each call borrows an engine of its own from a pool and returns it.
/// Engines share the model; only their per-call buffers are per engine.
/// </summary>
public sealed class PredictionEnginePool<TInput, TOutput> : IDisposable
    where TInput : class
    where TOutput : class, new()
{
    private readonly ObjectPool<PredictionEngine<TInput, TOutput>> _pool;
    private bool _disposed;

    /// <summary>Creates a pool over <paramref name="model"/>; at most <paramref name="maximumRetained"/> idle engines are kept.</summary>
    public PredictionEnginePool(MLContext context, ITransformer model, int? maximumRetained = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        // For disposable objects the default provider's pool disposes idle engines on Dispose, and late returns after it.
        var provider = new DefaultObjectPoolProvider { MaximumRetained = maximumRetained ?? Environment.ProcessorCount * 2 };
        _pool = provider.Create(new EnginePolicy(context, model));
    }

    /// <summary>Predicts one example; safe to call from many threads at once.</summary>
    public TOutput Predict(TInput example)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var engine = _pool.Get();
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            _pool.Return(engine);
        }
    }

    /// <summary>Disposes the idle engines; engines still in use are disposed when they come back.</summary>
    public void Dispose()
    {
        _disposed = true;
        (_pool as IDisposable)?.Dispose();
    }

    private sealed class EnginePolicy(MLContext context, ITransformer model) : IPooledObjectPolicy<PredictionEngine<TInput, TOutput>>
    {
        public PredictionEngine<TInput, TOutput> Create() => context.Model.CreatePredictionEngine<TInput, TOutput>(model);

        public bool Return(PredictionEngine<TInput, TOutput> engine) => true;
    }
}
