using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;

namespace RnnMlNet.Prediction;

/// <summary>
/// Thread-safe predictions over one model. A <see cref="PredictionEngine{TSrc, TDst}"/> is not thread-safe (sharing one
/// across threads has crashed the process natively), and engines sharing one loaded model have failed inside ONNX
/// Runtime when run concurrently. So each pooled engine gets its own copy of the model, loaded from the saved bytes,
/// and each call borrows an engine and returns it. Idle engines (and their models' temporary files) are kept up to
/// <c>maximumRetained</c>, and all are released on <see cref="Dispose"/>.
/// </summary>
public sealed class PredictionEnginePool<TInput, TOutput> : IDisposable
    where TInput : class
    where TOutput : class, new()
{
    private readonly ObjectPool<Lease> _pool;
    // Calls in flight, counted under the gate: the pool is disposed only once none is, so no lease comes back after its
    // drain (leaking its model) and none is handed out while being disposed.
    private readonly object _gate = new();
    private int _inFlight;
    private bool _disposed;

    /// <summary>Creates a pool over a fitted model and the schema of the data it was fitted on.</summary>
    /// <param name="context">The context the engines are made in.</param>
    /// <param name="model">The fitted model; each engine loads its own copy of it.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on.</param>
    /// <param name="maximumRetained">Most idle engines kept, at least 1. Default null: twice the processor count.</param>
    public PredictionEnginePool(MLContext context, ITransformer model, DataViewSchema inputSchema, int? maximumRetained = null)
        : this(context, Serialize(context, model, inputSchema), maximumRetained)
    {
    }

    /// <summary>Creates a pool over a model saved to <paramref name="modelPath"/>, checked as <c>RecurrentModelFile.Load</c>
    /// checks it (a damaged or altered file is refused here, naming it).</summary>
    /// <param name="context">The context the engines are made in.</param>
    /// <param name="modelPath">The saved model .zip; each engine loads its own copy of it.</param>
    /// <param name="maximumRetained">Most idle engines kept, at least 1. Default null: twice the processor count.</param>
    public PredictionEnginePool(MLContext context, string modelPath, int? maximumRetained = null)
        : this(context, Onnx.RecurrentModelFile.ReadVerified(modelPath), maximumRetained)
    {
    }

    private PredictionEnginePool(MLContext context, byte[] model, int? maximumRetained)
    {
        ArgumentNullException.ThrowIfNull(context);
        Core.OptionChecks.Require(maximumRetained is null or >= 1, nameof(maximumRetained), maximumRetained, "at least 1, or null (twice the processor count)");
        // For disposable objects the default provider's pool disposes idle leases on Dispose, and late returns after it.
        var provider = new DefaultObjectPoolProvider { MaximumRetained = maximumRetained ?? Environment.ProcessorCount * 2 };
        _pool = provider.Create(new LeasePolicy(context, model));
        // One engine now, so a model that does not load, or input and output classes that do not fit it, fail here
        // rather than at every Predict.
        _pool.Return(_pool.Get());
    }

    /// <summary>Predicts one example; safe to call from many threads at once.</summary>
    public TOutput Predict(TInput example)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _inFlight++;
        }
        try
        {
            var lease = _pool.Get();
            try
            {
                return lease.Engine.Predict(example);
            }
            finally
            {
                _pool.Return(lease);
            }
        }
        finally
        {
            bool lastAfterDispose;
            lock (_gate) lastAfterDispose = --_inFlight == 0 && _disposed;
            if (lastAfterDispose) (_pool as IDisposable)?.Dispose();
        }
    }

    /// <summary>Refuses new calls, and disposes every engine and its model once the calls under way have finished (at once
    /// when none is).</summary>
    public void Dispose()
    {
        bool idle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            idle = _inFlight == 0;
        }
        if (idle) (_pool as IDisposable)?.Dispose();
    }

    private static byte[] Serialize(MLContext context, ITransformer model, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        using var bytes = new MemoryStream();
        context.Model.Save(model, inputSchema, bytes);
        return bytes.ToArray();
    }

    /// <summary>An engine with the model copy it runs on.</summary>
    private sealed class Lease(ITransformer model, PredictionEngine<TInput, TOutput> engine) : IDisposable
    {
        public PredictionEngine<TInput, TOutput> Engine { get; } = engine;

        public void Dispose()
        {
            Engine.Dispose();
            (model as IDisposable)?.Dispose();
        }
    }

    private sealed class LeasePolicy(MLContext context, byte[] model) : IPooledObjectPolicy<Lease>
    {
        public Lease Create()
        {
            var copy = Onnx.TemporaryNameRetry.Load(context, model, out _);
            try
            {
                return new Lease(copy, context.Model.CreatePredictionEngine<TInput, TOutput>(copy));
            }
            catch
            {
                // Classes that do not fit the model: its copy and temporary file go, not only the engine that failed.
                (copy as IDisposable)?.Dispose();
                throw;
            }
        }

        public bool Return(Lease lease) => true;
    }
}
