using System.Diagnostics;
using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Distributed;
using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;

namespace RnnMlNet.Core.Training;

/// <summary>
/// Trains a <see cref="RecurrentNetwork{T}"/> (or any <see cref="ITrainingObjective{T}"/>) by back-propagation through time:
/// forward → loss → backward → divergence check → clipping → optimizer update, batch after batch.
/// <para>Deterministic: the same seed gives bit-identical weights, whatever <see cref="NetworkOptions.Threads"/> is,
/// because every sum is formed by one thread in a fixed order; more threads only change the speed.</para>
/// </summary>
public sealed class RecurrentTrainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainingObjective<T> _objective;
    private readonly TrainingOptions _options;
    private readonly Optimizer<T> _optimizer;
    private readonly Random _dropoutRandom;
    private readonly DataParallelStep<T>? _dataParallel;

    /// <summary>Creates a trainer of a network under a loss on its logits; the optimizer state lives as long as the trainer.</summary>
    public RecurrentTrainer(RecurrentNetwork<T> network, Loss<T> loss, TrainingOptions options)
        : this(new NetworkObjective<T>(network ?? throw new ArgumentNullException(nameof(network)), loss ?? throw new ArgumentNullException(nameof(loss))), options)
    {
    }

    /// <summary>Creates a trainer of any objective, such as an <see cref="Networks.EncoderDecoder{T}"/>.</summary>
    public RecurrentTrainer(ITrainingObjective<T> objective, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.TrainingWindow > 0 && !objective.TargetsPerSequence)
            throw new ArgumentException($"TrainingWindow ({options.TrainingWindow}) reads a part of each long sequence, which needs one target per sequence " +
                "(a head on the pooled or final state); this objective's targets follow the steps (a head on every step, or an encoder–decoder). Set it to 0.", nameof(options));
        _objective = objective;
        _options = options;
        _optimizer = Optimizer<T>.Create(options.Optimizer);
        // A fixed derivation of the seed (HashCode is randomised per process, which would break reproducibility).
        _dropoutRandom = new Random(unchecked(options.Seed * 7919 + 104729));
        _dataParallel = options.DataParallel is { } dataParallel ? new DataParallelStep<T>(dataParallel, objective) : null;
    }

    /// <summary>Trains on <paramref name="training"/>; reports validation loss each epoch when <paramref name="validation"/> is given.</summary>
    public TrainingHistory Fit(IReadOnlyList<LabeledSequence<T>> training, IReadOnlyList<LabeledSequence<T>>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0) throw new ArgumentException("There are no training examples.", nameof(training));
        return Fit(new ListSequenceSource<T>(training), validation is { Count: > 0 } ? new ListSequenceSource<T>(validation) : null);
    }

    /// <summary>
    /// Trains on examples streamed from <paramref name="training"/> once per epoch: memory holds the shuffle buffer and one
    /// bucketing window, whatever the number of rows.
    /// </summary>
    public TrainingHistory Fit(ISequenceSource<T> training, ISequenceSource<T>? validation = null)
    {
        _dataParallel?.Start();
        try
        {
            return FitSources(training, validation);
        }
        catch (Exception error) when (_dataParallel is not null)
        {
            // Thrown on this rank alone (a callback, the checkpoint write): the others would wait in their next exchange.
            if (!_dataParallel.StoppedTogether && error is not TrainingDivergedException) _dataParallel.Options.Communicator.Abort(error);
            DataParallelFailure.MarkHandled(error);
            throw;
        }
    }

    private TrainingHistory FitSources(ISequenceSource<T> training, ISequenceSource<T>? validation)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (_options.EarlyStoppingPatience is not null && validation is null)
            throw Alike(new ArgumentException("Early stopping needs validation examples.", nameof(validation)));

        var plan = new StepPlan<T>(training, _options, _dataParallel?.Options);
        int? batchesPerEpoch = plan.BatchesPerEpoch;
        var schedule = _options.Schedule.Fresh();
        var epochs = new List<EpochReport>();
        var best = new BestEpochs<T>(_options.AveragedEpochs, _options.EarlyStoppingMetric);
        int keptEpoch = 0;
        bool stoppedEarly = false;
        if (_options.CheckpointPath is { } target) RequireWritable(target);
        var checkpoint = _options.CheckpointPath is { } path ? ReadCheckpoint(path) : null;
        if (checkpoint is not null)
        {
            // The fingerprint does not tell no hold-out from an ungrouped tenth of the rows: the checkpoint does.
            if (checkpoint.Validating is bool validating && validating != (validation is not null))
                throw Alike(new InvalidDataException($"Checkpoint '{_options.CheckpointPath}' was written by training {(validation is null ? "with" : "without")} " +
                    $"validation rows, and this training has {(validation is null ? "none" : "some")}; delete it, or give this training a checkpoint path of its own."));
            // Other data (another fold, say) under the same options: its batch count, where both are known, tells.
            if (batchesPerEpoch is int batches && checkpoint.BatchesPerEpoch is int written && batches != written)
                throw Alike(new InvalidDataException($"Checkpoint '{_options.CheckpointPath}' was written for {written} batches per epoch, and this training's data " +
                    $"makes {batches}: it holds other data's training; delete it, or give this training a checkpoint path of its own."));
            checkpoint.Weights.CopyTo(_objective.Parameters.Values, 0);
            _optimizer.Import(checkpoint.OptimizerSteps, checkpoint.OptimizerState);
            epochs.AddRange(checkpoint.History);
            // Schedules rebuild their state (reduce-on-plateau's) from the validation losses they were told.
            foreach (var done in checkpoint.History) schedule.EndEpoch(done.ValidationLoss);
            (keptEpoch, batchesPerEpoch) = (checkpoint.Epoch, checkpoint.BatchesPerEpoch);
            best.Restore(checkpoint.Best, epochs);
            // The shuffling stream is drawn again over the data for the epochs done (and, in the loop below, for the batches
            // done of a checkpoint written within an epoch), so the batches to come shuffle as they would have.
            for (int done = 1; done <= checkpoint.Epoch; done++) plan.Replay();
        }
        _dataParallel?.RequireRanksAgree([.. Fingerprint().Settings,
            ("the checkpoint's position (epoch and batch)", FormattableString.Invariant($"resumed {checkpoint?.Epoch} {checkpoint?.Partial?.Batches}")),
            ("validation data", $"validation {validation is not null}")], training.Count, validation?.Count);
        int totalEpochs = EpochsFor(batchesPerEpoch);
        var watch = _options.DivergenceFactor is double factor ? new DivergenceWatch(factor, checkpoint?.DivergenceStart ?? double.NaN, checkpoint?.RecentLosses) : null;
        T[]? lastGood = watch is null ? null : checkpoint?.LastGood ?? (T[])_objective.Parameters.Values.Clone();
        var clock = Stopwatch.StartNew();
        var resumedTally = checkpoint?.Partial;

        // The last batch trained, for a run that ends too soon for the watch's window.
        (int Epoch, int Batch, double Loss, double Norm, double Rate) last = default;
        for (int epoch = (checkpoint?.Epoch ?? 0) + 1; epoch <= totalEpochs; epoch++)
        {
            var tally = resumedTally ?? new EpochTally();
            var flow = _options.RecordGradientFlow ? new GradientFlowTally() : null;
            double lastRate = double.NaN;
            int skip = tally.Batches;
            resumedTally = null;
            // The epoch's time is read off the same clock as the run's, so a report never has more of one than of the other.
            var epochStart = clock.Elapsed;
            foreach (var (batches, readFailure) in plan.Epoch())
            {
                if (skip > 0 && readFailure is null)
                {
                    skip--;
                    continue;
                }
                // Data-parallel, a cancellation travels with the step, so that every rank stops after the same batch.
                if (_dataParallel is null) _options.CancellationToken.ThrowIfCancellationRequested();
                // Dropout masks from a stream of the batch's own, so a resumed run draws the masks an uninterrupted one would.
                int dropoutSeed = unchecked(_options.Seed * 7919 + 104729 + epoch * 1_000_003 + tally.Batches * 7_919_993);
                // Schedules see fractional epochs once the number of batches per epoch is known.
                double progress = epoch - 1 + (batchesPerEpoch is int known ? Math.Min(1, (double)tally.Batches / known) : 0);
                double rate = schedule.Rate(_options.LearningRate, progress, totalEpochs);
                var (loss, norm, weight, rows) = Step(() => _dataParallel is null
                    ? WithRows(_objective.ComputeGradients(batches[0], new Random(dropoutSeed)), batches[0].Length)
                    : _dataParallel.ComputeGradients(batches, readFailure, _options.CancellationToken.IsCancellationRequested, dropoutSeed), rate, epoch, tally.Batches + 1);
                // Data-parallel, the epoch ends when no rank has a batch left.
                if (rows == 0) break;
                tally.Batches++;
                if (watch is not null && watch.Diverged(loss))
                {
                    lastGood!.CopyTo(_objective.Parameters.Values, 0);
                    throw new TrainingDivergedException(epoch, tally.Batches, loss, norm, rate, _options.ClipNorm, DecoupledWeightDecay, watch.RecentMean, watch.Recent.Count, watch.Start,
                        _options.DivergenceFactor!.Value, epoch > 1 ? $"The network is back at the weights of epoch {epoch - 1}." : "The network is back at its starting weights.");
                }
                last = (epoch, tally.Batches, loss, norm, rate);
                tally.Add(loss, weight, norm, rows);
                lastRate = rate;
                // Read only after this rank ran a backward pass in the step (data-parallel, its shards may have run out).
                if (flow is not null && batches.Any(b => b.Length > 0) && _objective.GradientReachingEachStep() is { } reaching) flow.Add(reaching);
                if (_options.OnBatch is { } onBatch)
                {
                    var elapsed = clock.Elapsed;
                    onBatch(new BatchReport(epoch, tally.Batches, batchesPerEpoch ?? 0, loss, norm, rate, elapsed, tally.Rows, elapsed - epochStart));
                }
                if (_options.CheckpointEveryBatches is int every && tally.Batches % every == 0)
                    SaveCheckpoint(epoch - 1, tally, epochs, best, batchesPerEpoch, watch, lastGood, validation is not null);
            }
            if (tally.Batches == 0)
                throw new ArgumentException(validation is null ? "There are no training examples."
                    : $"There are no training examples outside the validation rows ({_options.HoldOutDescription ?? "the held-out rows"}).", nameof(training));
            batchesPerEpoch = tally.Batches;
            totalEpochs = EpochsFor(batchesPerEpoch);
            keptEpoch = epoch;
            if (lastGood is not null) _objective.Parameters.Values.CopyTo(lastGood, 0);
            var validated = validation is not null ? Validate(validation) : null;
            // Early stopping on an empty hold-out would have nothing to rank the epochs by; without it, the epoch reports no validation.
            if (validated is null && validation is not null && _options.EarlyStoppingPatience is not null) throw Alike(NoValidationExamples());
            double? validationLoss = validated?.Loss;
            var report = new EpochReport(epoch, tally.LossSum / tally.WeightSum, validationLoss, tally.NormSum / tally.Batches, clock.Elapsed)
            {
                ValidationErrorRate = validated?.ErrorRate,
                LearningRate = double.IsNaN(lastRate) ? null : lastRate,
                GradientFlow = flow?.Mean(),
            };
            epochs.Add(report);
            schedule.EndEpoch(validationLoss);
            _options.OnEpoch?.Invoke(report);

            if (_options.EarlyStoppingPatience is int patience && validated is { } v)
            {
                best.Offer(epoch, v, _objective.Parameters.Values);
                if (epoch - best.Best >= patience)
                {
                    stoppedEarly = epoch < totalEpochs;
                    break;
                }
            }
            SaveCheckpoint(epoch, null, epochs, best, batchesPerEpoch, watch, null, validation is not null);
        }
        if (watch is { DivergedBeforeTheWindowFilled: true })
            throw new TrainingDivergedException(last.Epoch, last.Batch, last.Loss, last.Norm, last.Rate, _options.ClipNorm, DecoupledWeightDecay, watch.RecentMean, watch.Recent.Count, watch.Start,
                _options.DivergenceFactor!.Value, $"The run ended before the {DivergenceWatch.Window} batches the check otherwise averages; the network holds the weights it ended with.");
        // Finished: a later run with these options starts afresh. No rank leaves before rank 0 has deleted the file, or its
        // next Fit would resume from it while rank 0's starts afresh.
        if (_options.CheckpointPath is { } finished && WritesCheckpoints)
        {
            if (File.Exists(finished)) File.Delete(finished);
            // A run killed while writing its checkpoint left the write's temporary file, which this run owns now.
            Data.AtomicFile.DeleteLeftovers(finished);
        }
        if (_options.CheckpointPath is not null) _dataParallel?.Barrier();
        // The best epoch's weights, or the mean of the best epochs' (the last epoch's stay when it alone is kept).
        var averaged = best.Entries.Select(e => e.Epoch).ToList();
        if (averaged.Count > 1 || (averaged.Count == 1 && best.Best != keptEpoch))
        {
            best.WriteMean(_objective.Parameters.Values);
            keptEpoch = best.Best;
        }
        return new TrainingHistory(epochs, keptEpoch, stoppedEarly, averaged.Count > 1 ? averaged : [keptEpoch]);
    }

    /// <summary>Writes the checkpoint, when there is a path: after <paramref name="epochsDone"/> epochs, and the
    /// <paramref name="partial"/> tally of the epoch under way when written within it (with the weights of the last epoch's
    /// end, which a divergence goes back to), and whether this training is <paramref name="validating"/> on held-out rows.</summary>
    private void SaveCheckpoint(int epochsDone, EpochTally? partial, List<EpochReport> epochs, BestEpochs<T> best, int? batchesPerEpoch,
        DivergenceWatch? watch, T[]? lastGood, bool validating)
    {
        if (_options.CheckpointPath is not { } path || !WritesCheckpoints) return;
        var (steps, state) = _optimizer.Export();
        new TrainingCheckpoint<T>
        {
            Epoch = epochsDone, Weights = _objective.Parameters.Values, OptimizerSteps = steps, OptimizerState = state, History = epochs,
            Best = best.Entries, BatchesPerEpoch = batchesPerEpoch, DivergenceStart = watch?.Start ?? double.NaN,
            RecentLosses = watch?.Recent.ToArray() ?? [], Partial = partial, LastGood = partial is null ? null : lastGood, Validating = validating,
        }.Write(path, Fingerprint().Text);
    }

    /// <summary>Marks <paramref name="error"/> as met by every rank alike, so that data-parallel ranks each throw it rather
    /// than abort the job.</summary>
    private TException Alike<TException>(TException error) where TException : Exception
    {
        _dataParallel?.StopAlike();
        return error;
    }

    /// <summary>Fails before training, not when the first epoch ends, where the checkpoint cannot be written: its folder is
    /// made and a file written and deleted in it. Every rank checks, as every rank reads the folder, so all fail alike.</summary>
    private void RequireWritable(string path)
    {
        try
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(folder);
            if (Directory.Exists(path)) throw new IOException($"'{path}' is a folder.");
            string probe = Path.Combine(folder, $".{Guid.NewGuid():N}.probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Alike(new IOException($"The checkpoint cannot be written as '{path}' ({e.Message}); set CheckpointDirectory to a folder this process " +
                "can write, or to null for no checkpoints.", e));
        }
    }

    /// <summary>The checkpoint at <paramref name="path"/>, or null; one that is damaged or written with other options is
    /// refused on every rank alike, as every rank reads the same file.</summary>
    private TrainingCheckpoint<T>? ReadCheckpoint(string path)
    {
        try
        {
            return TrainingCheckpoint<T>.Read(path, Fingerprint());
        }
        catch (InvalidDataException)
        {
            _dataParallel?.StopAlike();
            throw;
        }
    }

    /// <summary>Thrown on every rank alike (the sums are over every rank's shards) when the validation source gave no example.</summary>
    private ArgumentException NoValidationExamples() => new(
        $"There are no validation examples ({_options.HoldOutDescription ?? "the held-out rows"}), so early stopping has nothing to rank the epochs by: " +
        "hold out a larger share or change the seed, or give validation data that has rows.", "validation");

    /// <summary>Data-parallel, rank 0 alone writes the checkpoint (every rank holds the same state) and every rank reads it.</summary>
    private bool WritesCheckpoints => _dataParallel is null || _dataParallel.Options.Communicator.Rank == 0;

    /// <summary>What a checkpoint must have been written with to be resumed here: the element type, every parameter's name
    /// and shape, and every training option that changes the weights.</summary>
    private CheckpointFingerprint Fingerprint()
    {
        var o = _options;
        var s = o.Optimizer;
        // Invariant: a checkpoint resumes under any culture.
        string Invariant(FormattableString text) => FormattableString.Invariant(text);
        var settings = new List<(string Setting, string Value)>
        {
            ("the element type", typeof(T).Name),
            ("the network's weights, by name and shape", string.Join(';', _objective.Parameters.Entries)),
            ("the loss, dropout, head, pooling or forget gate bias", _objective.TrainingSettings),
            ("Epochs", Invariant($"{o.Epochs}")),
            ("the automatic epochs' minimum of steps", Invariant($"{o.MinimumSteps}")),
            ("BatchSize", Invariant($"{o.BatchSize}")),
            ("LearningRate", Invariant($"{o.LearningRate:R}")),
            ("Optimizer", Invariant($"{s.Kind},{s.Momentum:R},{s.Beta1:R},{s.Beta2:R},{s.Epsilon:R},{s.WeightDecay:R},{s.Decay:R}")),
            ("Schedule", Invariant($"{o.Schedule}")),
            ("ClipNorm", Invariant($"{o.ClipNorm:R}")),
            ("ClipValue", Invariant($"{o.ClipValue:R}")),
            ("Seed", Invariant($"{o.Seed}")),
            ("Shuffle", Invariant($"{o.Shuffle}")),
            ("ShuffleBufferSize", Invariant($"{o.ShuffleBufferSize}")),
            ("BucketByLength", Invariant($"{o.BucketByLength}")),
            ("EarlyStoppingPatience", Invariant($"{o.EarlyStoppingPatience}")),
            ("DivergenceFactor", Invariant($"{o.DivergenceFactor:R}")),
        };
        // The settings below are written only where they differ from what runs before them had (so those runs' checkpoints
        // still resume). Shards, not processes, decide the weights.
        if (_dataParallel is not null) settings.Add(("DataParallel's shards", Invariant($"shards {_dataParallel.Options.ShardCount}")));
        // The metric matters only to early stopping.
        if (o.EarlyStoppingPatience is not null && o.EarlyStoppingMetric != EarlyStoppingMetric.Loss) settings.Add(("EarlyStoppingMetric", $"stop on {o.EarlyStoppingMetric}"));
        if (o.AveragedEpochs != 1) settings.Add(("AveragedEpochs", Invariant($"average {o.AveragedEpochs}")));
        // None and an ungrouped tenth of the rows add nothing (the checkpoint itself says whether its training validated,
        // which tells them apart).
        if (o.HoldOutDescription is { } holdOut) settings.Add(("the held-out rows", $"hold out {holdOut}"));
        if (o.TrainingWindow != 0) settings.Add(("TrainingWindow", Invariant($"window {o.TrainingWindow}")));
        if (o.DataScaling is { } scaling) settings.Add(("the data's scaling (a regressor's label or float steps, standardised by the training rows)", $"scaled {scaling}"));
        settings.AddRange(o.CallerSettings);
        return new CheckpointFingerprint(settings);
    }

    /// <summary>Epochs to run: <see cref="TrainingOptions.Epochs"/>, or more when they would make fewer than
    /// <see cref="TrainingOptions.MinimumSteps"/> gradient steps (once the batches per epoch are known).</summary>
    private int EpochsFor(int? batchesPerEpoch) => batchesPerEpoch is int batches and > 0
        ? Math.Max(_options.Epochs, (int)(((long)_options.MinimumSteps + batches - 1) / batches))
        : _options.Epochs;

    /// <summary>One gradient step on one batch at the given learning rate; returns its loss and gradient norm.</summary>
    public (double Loss, double GradientNorm) TrainBatch(SequenceBatch<T> batch, double learningRate)
    {
        var network = _objective as NetworkObjective<T> ?? throw new InvalidOperationException("A laid-out batch trains a network; this trainer's objective takes labelled sequences.");
        if (_dataParallel is not null) throw new InvalidOperationException("A data-parallel trainer trains through Fit, where every rank takes its shards of each batch; TrainBatch would train this rank alone.");
        var (loss, norm, _, _) = Step(() => WithRows(network.ComputeGradients(batch, _dropoutRandom), batch.Count), learningRate, epoch: 0, batchNumber: 0);
        return (loss, norm);
    }

    /// <summary>Mean loss over <paramref name="examples"/> in inference mode (no dropout, no update).</summary>
    public double Evaluate(IReadOnlyList<LabeledSequence<T>> examples) => Evaluate(new ListSequenceSource<T>(examples));

    /// <summary>Mean loss over the examples of <paramref name="source"/> in inference mode (no dropout, no update).
    /// Data-parallel, every rank must call it: each evaluates its shards and all get the same mean.</summary>
    public double Evaluate(ISequenceSource<T> source) =>
        Validate(source)?.Loss ?? throw new ArgumentException("There are no examples to evaluate.", nameof(source));

    /// <summary>The mean loss, and for a classifier the error rate, over the examples of <paramref name="source"/>; null when
    /// it has none.</summary>
    private Validation? Validate(ISequenceSource<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var sums = new ValidationSums();
        if (_dataParallel is not null) sums = _dataParallel.Evaluate(source, _options.BatchSize);
        else
            foreach (var examples in source.Read().Chunk(_options.BatchSize)) sums.Add(_objective.EvaluateWithErrors(examples));
        var result = sums.Result;
        if (_options.EarlyStoppingMetric == EarlyStoppingMetric.ErrorRate && result is { ErrorRate: null })
            throw Alike(new InvalidOperationException("EarlyStoppingMetric.ErrorRate needs a classifier's loss (binary or softmax cross-entropy); this objective makes no predictions to count."));
        return result;
    }

    private static (double Loss, double Weight, int Rows) WithRows((double Loss, double Weight) result, int rows) => (result.Loss, result.Weight, rows);

    /// <summary>AdamW's weight decay, which each step applies to the weights apart from the gradient; 0 for the other optimizers.</summary>
    private double DecoupledWeightDecay => _options.Optimizer.Kind == OptimizerKind.AdamW ? _options.Optimizer.WeightDecay : 0;

    /// <summary>One update from the gradients <paramref name="forwardBackward"/> leaves; nothing when it saw no examples.</summary>
    private (double Loss, double Norm, double Weight, int Rows) Step(Func<(double Loss, double Weight, int Rows)> forwardBackward, double learningRate, int epoch, int batchNumber)
    {
        var parameters = _objective.Parameters;
        parameters.ZeroGradients();
        // Checked between time steps too: a cancel during a long batch leaves the weights of the last finished one.
        // Data-parallel, a cancellation is honoured between steps, when every rank learns of it.
        var (loss, weight, rows) = Threading.StepCancellation.Run(_dataParallel is null ? _options.CancellationToken : default, forwardBackward);
        if (rows == 0) return default;

        double norm = GradientClipping.GlobalNorm<T>(parameters.Gradients);
        // A non-finite loss or gradient must never reach the weights.
        if (!double.IsFinite(loss) || !double.IsFinite(norm))
            throw new TrainingDivergedException(epoch, batchNumber, loss, norm, learningRate, _options.ClipNorm, DecoupledWeightDecay);
        if (_options.ClipValue is double maxValue)
            GradientClipping.ClipByValue<T>(parameters.Gradients, maxValue);
        if (_options.ClipNorm is double maxNorm)
            GradientClipping.ClipByGlobalNorm<T>(parameters.Gradients, _options.ClipValue is null ? norm : GradientClipping.GlobalNorm<T>(parameters.Gradients), maxNorm);
        _optimizer.Update(parameters.Values, parameters.Gradients, learningRate);
        return (loss, norm, weight, rows);
    }
}
