using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Distributed;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>
/// Data-parallel training: N ranks (threads here; real MPI processes in the ML.NET tests) give the weights one process
/// gives with the same shards, bit for bit; the sharded gradient is the global batch's mean gradient; checkpoints resume.
/// </summary>
public class DataParallelTests
{
    /// <summary>Token sequences of ragged lengths whose label is whether token 3 occurs: 101 rows, so the shards and the
    /// last batch are uneven.</summary>
    internal static LabeledSequence<T>[] Examples<T>(int count, int seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int[] tokens = Enumerable.Range(0, random.Next(1, 13)).Select(_ => random.Next(20)).ToArray();
            return new LabeledSequence<T>(Sequence<T>.FromTokens(tokens), [tokens.Contains(3) ? T.One : T.Zero]);
        }).ToArray();
    }

    private static NetworkOptions Shape(CellKind cell) => new()
    {
        Cell = cell, Input = InputKind.EmbeddedTokens, VocabularySize = 20, EmbeddingSize = 6, HiddenSize = 8, Layers = 2, Dropout = 0.2,
        InputDropout = 0.1, Pooling = Pooling.Attention, Threads = 1,
    };

    /// <summary>Trains one network on <paramref name="ranks"/> ranks with <paramref name="shards"/> shards; every rank's
    /// weights, losses and number of batches trained.</summary>
    private static (float[] Weights, TrainingHistory History, int Batches)[] Train(CellKind cell, int ranks, int shards, string? checkpoint = null,
        Func<int, Action<BatchReport>?>? onBatch = null, Func<int, CancellationToken>? token = null, int batchSize = 8, int rows = 101) =>
        ThreadRanks.Run(ranks, communicator =>
        {
            var network = new RecurrentNetwork<float>(Shape(cell), seed: 5);
            int batches = 0;
            var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                Epochs = 3, BatchSize = batchSize, Seed = 2, ShuffleBufferSize = 40, EarlyStoppingPatience = 2, EarlyStoppingMetric = EarlyStoppingMetric.ErrorRate,
                Schedule = LearningRateSchedule.ReduceOnPlateau(0.5, 1),
                DataParallel = new DataParallelOptions { Communicator = communicator, Shards = shards },
                CheckpointPath = checkpoint, CheckpointEveryBatches = checkpoint is null ? null : 3,
                OnBatch = report =>
                {
                    batches++;
                    onBatch?.Invoke(communicator.Rank)?.Invoke(report);
                },
                CancellationToken = token?.Invoke(communicator.Rank) ?? default,
            }).Fit(Examples<float>(rows, 1), Examples<float>(30, 2));
            return (network.Parameters.Values, history, batches);
        });

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void RanksTrainTheWeightsOfOneProcessWithTheSameShards(CellKind cell)
    {
        var alone = Train(cell, ranks: 1, shards: 2).Single();
        var pair = Train(cell, ranks: 2, shards: 2);
        foreach (var (weights, history, _) in pair)
        {
            Assert.Equal(alone.Weights, weights);
            Assert.Equal(alone.History.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.ValidationErrorRate)), history.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.ValidationErrorRate)));
            Assert.Equal(alone.History.KeptEpoch, history.KeptEpoch);
        }
        // Four shards: one, two or four ranks give the same weights, and other weights than two shards do.
        var four = Train(cell, ranks: 1, shards: 4).Single().Weights;
        Assert.Equal(four, Train(cell, ranks: 2, shards: 4)[1].Weights);
        Assert.Equal(four, Train(cell, ranks: 4, shards: 4)[3].Weights);
        Assert.NotEqual(alone.Weights, four);
    }

    /// <summary>Shards that run out at different steps: a batch of 7 over 2 shards takes 4 and 3 rows (13 and 17 steps an
    /// epoch), and 3 rows over 4 shards leave one shard empty. The epoch lasts as long as the longest shard, on every rank.</summary>
    [Theory]
    [InlineData(7, 101, 2, 17)]
    [InlineData(4, 3, 4, 1)]
    public void ShardsThatRunOutAtDifferentStepsTrainAlike(int batchSize, int rows, int shards, int stepsPerEpoch)
    {
        var alone = Train(CellKind.Lstm, 1, shards, batchSize: batchSize, rows: rows).Single();
        Assert.Equal(stepsPerEpoch * alone.History.Epochs.Count, alone.Batches);
        foreach (var rank in Train(CellKind.Lstm, 2, shards, batchSize: batchSize, rows: rows))
        {
            Assert.Equal(alone.Weights, rank.Weights);
            Assert.Equal(alone.Batches, rank.Batches);
        }
    }

    /// <summary>One step on sharded batches moves the weights where one step on the whole batch does (in double, to 1e-12):
    /// the shards' gradients are weighted by their share of the batch.</summary>
    [Fact]
    public void AShardedStepIsTheWholeBatchsStep()
    {
        var examples = Examples<double>(13, 3); // 13 rows: shards of 4, 3, 3 and 3
        var shape = Shape(CellKind.Lstm);
        shape.Dropout = 0;
        shape.InputDropout = 0;
        double[] Step(DataParallelOptions? dataParallel)
        {
            var network = new RecurrentNetwork<double>(shape, seed: 5);
            new RecurrentTrainer<double>(network, new BinaryCrossEntropy<double>(), new TrainingOptions
            {
                Epochs = 1, BatchSize = 13, Shuffle = false, BucketByLength = false, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd },
                LearningRate = 1, ClipNorm = null, DataParallel = dataParallel,
            }).Fit(examples);
            return network.Parameters.Values;
        }
        var whole = Step(null);
        var sharded = Step(new DataParallelOptions { Communicator = SingleProcess.Instance, Shards = 4 });
        var start = new RecurrentNetwork<double>(shape, seed: 5).Parameters.Values;
        Assert.True(whole.Zip(start).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "The step moved nothing.");
        for (int i = 0; i < whole.Length; i++) Assert.Equal(whole[i], sharded[i], 1e-12);
    }

    /// <summary>The combination adds every shard in shard order, whatever the number of ranks, and leaves out a shard with
    /// scale 0.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void ShardsAreAddedInShardOrderWhateverTheRanks(int ranks)
    {
        const int shards = 6, length = 13;
        var random = new Random(4);
        float[][] gradients = Enumerable.Range(0, shards).Select(_ => TestData.RandomArray<float>(length, random, 1e3)).ToArray();
        float[] scales = [0.3f, 0f, 0.1f, 0.25f, 0.2f, 0.15f];
        var expected = new float[length];
        for (int s = 0; s < shards; s++)
            if (scales[s] != 0)
                for (int e = 0; e < length; e++) expected[e] += scales[s] * gradients[s][e];

        var sums = ThreadRanks.Run(ranks, communicator =>
        {
            int perRank = shards / ranks;
            var mine = gradients.Skip(communicator.Rank * perRank).Take(perRank).ToArray();
            var sum = new float[length];
            new ShardedGradient<float>(communicator, shards, length).Combine(mine, scales, sum);
            return sum;
        });
        foreach (var sum in sums) Assert.Equal(expected, sum);
    }

    /// <summary>A network whose weights, once for each of a process's shards, would not fit the one array a process sends
    /// is refused before training, naming the shards (the length used to wrap around to a negative array size).</summary>
    [Theory]
    [InlineData(1, 4, 600_000_000)]
    [InlineData(2, 8, 600_000_000)]
    public void AnExchangePastTheLargestArrayIsRefused(int ranks, int shards, int length)
    {
        var refusals = ThreadRanks.Run(ranks, communicator => Assert.Throws<NotSupportedException>(() => new ShardedGradient<float>(communicator, shards, length)));
        Assert.All(refusals, e => Assert.Contains("DataParallelOptions.Shards", e.Message));
        // Half the shards per process fit.
        ThreadRanks.Run(ranks, communicator => new ShardedGradient<float>(communicator, shards / 2, length));
    }

    /// <summary>Rank 0 alone writes the checkpoint; a job cancelled on rank 1 alone within epoch 2 stops on both ranks after
    /// the same batch, and started again trains only the batches after the checkpoint, ending with the weights and losses of
    /// an uninterrupted job.</summary>
    [Fact]
    public void ACancelledJobResumesFromRankZerosCheckpoint()
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-parallel-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "job.checkpoint");
        try
        {
            var uninterrupted = Train(CellKind.Lstm, 2, 2, path);
            Assert.False(File.Exists(path));
            using var cancel = new CancellationTokenSource();
            var stoppedAt = new int[2];
            var error = Assert.Throws<AggregateException>(() => Train(CellKind.Lstm, 2, 2, path,
                rank => b =>
                {
                    stoppedAt[rank] = b.Batch;
                    if (rank == 1 && b.Epoch == 2 && b.Batch == 4) cancel.Cancel();
                }, rank => rank == 1 ? cancel.Token : default));
            Assert.All(error.InnerExceptions, e => Assert.IsType<OperationCanceledException>(e));
            Assert.Equal(2, error.InnerExceptions.Count);
            Assert.Equal([4, 4], stoppedAt);
            Assert.True(File.Exists(path));
            var resumed = Train(CellKind.Lstm, 2, 2, path);
            for (int rank = 0; rank < 2; rank++)
            {
                Assert.Equal(uninterrupted[rank].Weights, resumed[rank].Weights);
                Assert.Equal(uninterrupted[rank].History.Epochs.Select(e => e.TrainingLoss), resumed[rank].History.Epochs.Select(e => e.TrainingLoss));
                // The checkpoint after batch 3 of epoch 2 was used: 13 + 3 batches were not trained again.
                Assert.Equal(uninterrupted[rank].Batches - 16, resumed[rank].Batches);
            }
            Assert.False(File.Exists(path));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Every rank leaves Fit only once rank 0 has deleted the finished checkpoint: a rank that left first would start
    /// its next Fit from the file (here the one of epoch 1, as rank 0 is slow to end epoch 2) while rank 0 starts afresh,
    /// and the job would stop with weights that differ.</summary>
    [Fact]
    public void NoRankLeavesFitBeforeRankZeroDeletesTheFinishedCheckpoint()
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-parallel-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "job.checkpoint");
        var examples = Examples<float>(40, 1);
        try
        {
            var weights = ThreadRanks.Run(2, communicator => Enumerable.Range(0, 2).Select(fit =>
            {
                var network = new RecurrentNetwork<float>(Shape(CellKind.Gru), seed: 1);
                new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
                {
                    Epochs = 2, CheckpointPath = path, DataParallel = new DataParallelOptions { Communicator = communicator },
                    OnEpoch = e => { if (communicator.Rank == 0 && fit == 0 && e.Epoch == 2) Thread.Sleep(500); },
                }).Fit(examples);
                return network.Parameters.Values.ToArray();
            }).ToArray());
            foreach (var rank in weights) Assert.Equal(rank[0], rank[1]);
            Assert.Equal(weights[0][1], weights[1][1]);
            Assert.False(File.Exists(path));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A bad example in rank 1's shard stops both ranks at the same step (rank 1 with its own error, rank 0 naming
    /// rank 1); an exception on one rank outside the exchanges (a callback) ends the job through Abort.</summary>
    [Fact]
    public void AFailureOnOneRankStopsEveryRank()
    {
        var examples = Examples<float>(40, 1);
        examples[21] = new LabeledSequence<float>(Sequence<float>.FromTokens([3, 99]), [1f]); // token 99 of 20; row 21 is shard 1's
        var inStep = ThreadRanks.Run(2, communicator => Record.Exception(() =>
            new RecurrentTrainer<float>(new RecurrentNetwork<float>(Shape(CellKind.Gru), seed: 1), new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                Shuffle = false, BucketByLength = false, DataParallel = new DataParallelOptions { Communicator = communicator },
            }).Fit(examples))!);
        Assert.Contains("Rank 1 of the data-parallel job failed", inStep[0].Message);
        Assert.Contains("99", inStep[1].Message);
        // Taken to every rank, so a caller around training (the ML.NET estimators) does not end the job for them again.
        Assert.All(inStep, error => Assert.True(DataParallelFailure.IsHandled(error)));

        var members = new ThreadRanks.Member[2];
        var outside = Assert.Throws<AggregateException>(() => ThreadRanks.Run(2, communicator =>
        {
            members[communicator.Rank] = (ThreadRanks.Member)communicator;
            return new RecurrentTrainer<float>(new RecurrentNetwork<float>(Shape(CellKind.Gru), seed: 1), new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                Epochs = 2, DataParallel = new DataParallelOptions { Communicator = communicator },
                OnEpoch = _ => { if (communicator.Rank == 1) throw new InvalidDataException("callback"); },
            }).Fit(examples.Take(20).ToArray());
        }));
        Assert.Contains(outside.InnerExceptions, e => e is InvalidDataException);
        // Rank 1 ends the job (rank 0, left waiting, fails in its next exchange here; under MPI the abort ends it).
        Assert.Equal(1, members[1].Aborts);

        // An error every rank meets alike (no validation example for early stopping, summed over the ranks) is thrown on
        // each, and the job is not aborted, which under MPI would have ended it without the message.
        var alike = new ThreadRanks.Member[2];
        var errors = ThreadRanks.Run(2, communicator => Record.Exception(() =>
        {
            alike[communicator.Rank] = (ThreadRanks.Member)communicator;
            new RecurrentTrainer<float>(new RecurrentNetwork<float>(Shape(CellKind.Gru), seed: 1), new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                Epochs = 2, EarlyStoppingPatience = 1, DataParallel = new DataParallelOptions { Communicator = communicator },
            }).Fit(new ListSequenceSource<float>(examples.Take(20).ToArray()), new ListSequenceSource<float>([]));
        })!);
        Assert.All(errors, error => Assert.Contains("no validation examples", error.Message));
        Assert.All(alike, member => Assert.Equal(0, member.Aborts));
        Assert.All(errors, error => Assert.True(DataParallelFailure.IsHandled(error)));

        // Around training, an error of one rank's alone ends the job; one the trainer took to every rank does not.
        var caller = new ThreadRanks.Member[2];
        var around = ThreadRanks.Run(2, communicator => Record.Exception(() =>
        {
            caller[communicator.Rank] = (ThreadRanks.Member)communicator;
            var dataParallel = new DataParallelOptions { Communicator = communicator };
            return DataParallelFailure.Run(dataParallel, () => communicator.Rank == 1 ? throw new InvalidDataException("rank 1's copy") : 0);
        }));
        Assert.Equal([0, 1], caller.Select(member => member.Aborts));
        Assert.IsType<InvalidDataException>(around[1]);
    }

    /// <summary>An encoder–decoder (digit strings reversed) trains the same on two ranks as on one with two shards.</summary>
    [Fact]
    public void AnEncoderDecoderTrainsTheSameOnTwoRanks()
    {
        var random = new Random(5);
        var examples = Enumerable.Range(0, 45).Select(_ =>
        {
            var digits = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(10)).ToArray();
            return new LabeledSequence<float>(Sequence<float>.FromTokens(digits.Select(d => d + 1).ToArray()), digits.Reverse().Select(d => (float)(d + 3)).ToArray());
        }).ToArray();
        float[][] Train(int ranks) => ThreadRanks.Run(ranks, communicator =>
        {
            var model = new EncoderDecoder<float>(new EncoderDecoderOptions
            {
                SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 6, HiddenSize = 8, Dropout = 0.1, Layers = 2, Threads = 1,
            }, seed: 3);
            new RecurrentTrainer<float>(model, new TrainingOptions
            {
                Epochs = 2, BatchSize = 8, Seed = 1, DataParallel = new DataParallelOptions { Communicator = communicator, Shards = 2 },
            }).Fit(examples);
            return model.Parameters.Values;
        });
        var alone = Train(1)[0];
        Assert.All(Train(2), weights => Assert.Equal(alone, weights));
    }

    /// <summary>A rank with other options, other initial weights or another number of rows stops every rank with the reason,
    /// rather than training a wrong model; the reason names the setting that differs (it used to say only "network, weights
    /// or training options": the tenth exploratory pass).</summary>
    [Fact]
    public void RanksThatDisagreeAreStopped()
    {
        Exception[] Errors(Func<int, double> rate, Func<int, int> seed, Func<int, int> rows) => ThreadRanks.Run(2, communicator => Record.Exception(() =>
            new RecurrentTrainer<float>(new RecurrentNetwork<float>(Shape(CellKind.Gru), seed(communicator.Rank)), new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                LearningRate = rate(communicator.Rank), DataParallel = new DataParallelOptions { Communicator = communicator },
            }).Fit(Examples<float>(rows(communicator.Rank), 1)))!);
        Assert.All(Errors(rank => 1e-3 * (rank + 1), _ => 1, _ => 20), e => Assert.Contains("Rank 1: its setting 'LearningRate' differs from rank 0's", e.Message));
        Assert.All(Errors(_ => 1e-3, rank => rank, _ => 20), e => Assert.Contains("Rank 1: its network's weights (initial, or from the checkpoint) differ from rank 0's", e.Message));
        Assert.All(Errors(_ => 1e-3, _ => 1, rank => 20 + rank), e => Assert.Contains("Rank 1: it has 21 training examples and rank 0 20", e.Message));
    }

    /// <summary>A validation read cancelled on rank 1 alone (ML.NET's cursor throws when its token is cancelled) stops every
    /// rank as a cancellation; rank 0 reported it as rank 1's failure.</summary>
    [Fact]
    public void AValidationReadCancelledOnOneRankIsACancellationOnEveryRank()
    {
        var errors = ThreadRanks.Run(2, communicator => Record.Exception(() =>
            new RecurrentTrainer<float>(new RecurrentNetwork<float>(Shape(CellKind.Gru), seed: 1), new BinaryCrossEntropy<float>(), new TrainingOptions
            {
                Epochs = 1, DataParallel = new DataParallelOptions { Communicator = communicator },
            }).Fit(new ListSequenceSource<float>(Examples<float>(20, 1)), new CancelledReads(Examples<float>(10, 2), communicator.Rank == 1)))!);
        Assert.All(errors, e => Assert.IsType<OperationCanceledException>(e));
        Assert.Contains("Rank 1 of the data-parallel job was cancelled", errors[0].Message);
    }

    /// <summary>Examples whose reads throw a cancellation when <paramref name="cancelled"/>.</summary>
    private sealed class CancelledReads(IReadOnlyList<LabeledSequence<float>> examples, bool cancelled) : ISequenceSource<float>
    {
        public int? Count => examples.Count;

        public IEnumerable<LabeledSequence<float>> Read() => cancelled ? throw new OperationCanceledException() : examples;
    }

    [Fact]
    public void ShardsThatDoNotFitTheJobOrTheBatchAreRefused()
    {
        var odd = ThreadRanks.Run(2, communicator => Record.Exception(() => new TrainingOptions
        {
            DataParallel = new DataParallelOptions { Communicator = communicator, Shards = 3 },
        }.Validate()));
        Assert.All(odd, e => Assert.Contains("Shards is 3; expected a multiple of the 2 processes", e!.Message));
        var wide = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions
        {
            BatchSize = 4, DataParallel = new DataParallelOptions { Communicator = SingleProcess.Instance, Shards = 8 },
        }.Validate());
        Assert.Contains("at most the batch size (4)", wide.Message);
    }
}
