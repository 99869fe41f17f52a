using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>Update rules, schedules and clipping against values worked out by hand.</summary>
public class OptimizerTests
{
    private static double[] Run(OptimizerSettings settings, double learningRate, double[] weights, params double[][] gradients)
    {
        var optimizer = Optimizer<double>.Create(settings);
        foreach (var g in gradients) optimizer.Update(weights, g, learningRate);
        return weights;
    }

    [Fact]
    public void SgdWithMomentumAccumulatesVelocity()
    {
        // v1 = g1 = 1 → w = 1 − 0.1·1 = 0.9;  v2 = 0.9·1 + 2 = 2.9 → w = 0.9 − 0.29 = 0.61
        var w = Run(new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 0.9 }, 0.1, [1.0], [1.0], [2.0]);
        Assert.Equal(0.61, w[0], 12);
    }

    [Fact]
    public void AdamFirstStepMovesByTheLearningRateAgainstTheGradientSign()
    {
        // m̂ = g, v̂ = g², so the first step is lr·g/(|g| + ε) ≈ lr·sign(g), whatever |g|.
        var w = Run(new OptimizerSettings { Kind = OptimizerKind.Adam }, 0.01, [1.0, 1.0], [1000.0, -0.001]);
        Assert.Equal(1 - 0.01, w[0], 9);
        Assert.Equal(1 + 0.01, w[1], 6);
    }

    [Fact]
    public void AdamWDecaysTheWeightsOnTopOfAdam()
    {
        // w = 2·(1 − lr·λ) − lr·sign(g) = 2·(1 − 0.1·0.5) − 0.1 = 1.8
        var w = Run(new OptimizerSettings { Kind = OptimizerKind.AdamW, WeightDecay = 0.5 }, 0.1, [2.0], [3.0]);
        Assert.Equal(1.8, w[0], 9);
    }

    [Fact]
    public void RmsPropDividesByTheRootMeanSquare()
    {
        // s = (1 − 0.99)·4 = 0.04, step = lr·2/(0.2 + ε) = 10·lr
        var w = Run(new OptimizerSettings { Kind = OptimizerKind.RmsProp }, 0.01, [1.0], [2.0]);
        Assert.Equal(1 - 0.1, w[0], 6);
    }

    [Fact]
    public void SchedulesGiveTheirRates()
    {
        Assert.Equal(0.1, LearningRateSchedule.Constant.Rate(0.1, 7.5, 10));
        var step = LearningRateSchedule.Step(everyEpochs: 2, factor: 0.5);
        Assert.Equal(0.1, step.Rate(0.1, 1.9, 10), 12);
        Assert.Equal(0.05, step.Rate(0.1, 2.0, 10), 12);
        Assert.Equal(0.025, step.Rate(0.1, 5.0, 10), 12);
        var cosine = LearningRateSchedule.Cosine(minimumRate: 0.01);
        Assert.Equal(0.1, cosine.Rate(0.1, 0, 10), 12);
        Assert.Equal(0.055, cosine.Rate(0.1, 5, 10), 12);
        Assert.Equal(0.01, cosine.Rate(0.1, 10, 10), 12);
        // One epoch of warm-up, then cosine over the nine that remain.
        var warm = LearningRateSchedule.WarmUp(1, cosine);
        Assert.Equal(0.05, warm.Rate(0.1, 0.5, 10), 12);
        Assert.Equal(0.1, warm.Rate(0.1, 1, 10), 12);
        Assert.Equal(0.055, warm.Rate(0.1, 5.5, 10), 12);
        Assert.Equal(0.01, warm.Rate(0.1, 10, 10), 12);
        Assert.True(warm.Rate(0.1, 0, 10) is > 0 and < 1e-3);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.WarmUp(0, cosine));
    }

    /// <summary>Reduce on plateau: the rate halves after each epoch whose validation loss is no better than the best, and a
    /// new Fit starts again from the base rate.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReduceOnPlateauHalvesTheRateWhenValidationStalls(bool afterWarmUp)
    {
        // After a warm-up of one epoch, the plateau rule hears every epoch as well.
        var schedule = afterWarmUp ? LearningRateSchedule.WarmUp(1, LearningRateSchedule.ReduceOnPlateau(factor: 0.5, patience: 1))
            : LearningRateSchedule.ReduceOnPlateau(factor: 0.5, patience: 1);
        var rates = new List<double>();
        var options = new TrainingOptions { Epochs = 12, LearningRate = 0.05, Schedule = schedule, OnBatch = b => rates.Add(b.LearningRate) };
        var examples = MemoryTaskTests.FirstBitExamples(64, 6, new Random(2));
        var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = 1 });
        var history = new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(examples, examples.Take(16).ToArray());
        // Replay the rule on the recorded validation losses: the rate of each epoch's batches.
        double best = double.PositiveInfinity, expected = 0.05;
        int batchesPerEpoch = rates.Count / history.Epochs.Count, reductions = 0;
        for (int e = 0; e < history.Epochs.Count; e++)
        {
            if (!afterWarmUp || e > 0) Assert.All(rates.Skip(e * batchesPerEpoch).Take(batchesPerEpoch), r => Assert.Equal(expected, r, 12));
            double loss = history.Epochs[e].ValidationLoss!.Value;
            if (loss < best) best = loss;
            else (expected, reductions) = (expected * 0.5, reductions + 1);
        }
        Assert.True(reductions > 0, "The validation loss never stalled: this run shows no reduction.");
        // A new Fit starts from the base rate: its last epoch (after the warm-up, if any) runs at 0.05.
        var again = new List<double>();
        int againEpochs = afterWarmUp ? 2 : 1;
        new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = againEpochs, LearningRate = 0.05, Schedule = schedule, OnBatch = b => again.Add(b.LearningRate) })
            .Fit(examples);
        Assert.All(again.Skip(again.Count - again.Count / againEpochs), r => Assert.Equal(0.05, r, 12));
    }

    /// <summary>Two trainings on one reduce-on-plateau schedule, the second run whole within the first's epoch 2 (as an
    /// ensemble's networks trained side by side interleave), each follow their own validation loss: the first's rates are
    /// those it has alone. (Sharing the schedule's state, the second's losses halved the first's rate.)</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingsSharingAReduceOnPlateauScheduleEachFollowTheirOwnLoss(bool afterWarmUp)
    {
        var plateau = LearningRateSchedule.ReduceOnPlateau(factor: 0.5, patience: 1);
        var schedule = afterWarmUp ? LearningRateSchedule.WarmUp(1, plateau) : plateau;
        var examples = MemoryTaskTests.FirstBitExamples(64, 6, new Random(2));
        var validation = examples.Take(16).ToArray();
        List<double> Train(int seed, int epochs, Action<EpochReport>? onEpoch = null)
        {
            var rates = new List<double>();
            var options = new TrainingOptions { Epochs = epochs, LearningRate = 0.05, Schedule = schedule, Seed = seed, OnBatch = b => rates.Add(b.LearningRate), OnEpoch = onEpoch };
            new RecurrentTrainer<float>(new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 4, Threads = 1 }, seed: seed), new BinaryCrossEntropy<float>(), options)
                .Fit(examples, validation);
            return rates;
        }

        var alone = Train(seed: 1, epochs: 6);
        List<double>? nested = null;
        var interleaved = Train(seed: 1, epochs: 6, report => { if (report.Epoch == 2) nested = Train(seed: 3, epochs: 12); });
        Assert.Contains(nested!, rate => rate < 0.05);
        Assert.Equal(alone, interleaved);
    }

    [Fact]
    public void ClippingByGlobalNormRescalesToTheLimitAndLeavesSmallGradientsAlone()
    {
        double[] g = [3, 4];
        double norm = GradientClipping.GlobalNorm<double>(g);
        Assert.Equal(5, norm, 12);
        GradientClipping.ClipByGlobalNorm<double>(g, norm, maxNorm: 1);
        Assert.Equal([0.6, 0.8], g.Select(x => Math.Round(x, 12)));
        GradientClipping.ClipByGlobalNorm<double>(g, GradientClipping.GlobalNorm<double>(g), maxNorm: 10);
        Assert.Equal([0.6, 0.8], g.Select(x => Math.Round(x, 12)));
    }

    /// <summary>Float gradients are summed in vectors of doubles; every length, the tail included, gives the plain double sum.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_003)]
    public void TheGlobalNormOfFloatGradientsIsTheDoubleSum(int length)
    {
        var random = new Random(length);
        float[] g = Enumerable.Range(0, length).Select(_ => (random.NextSingle() - 0.5f) * 10).ToArray();
        double expected = Math.Sqrt(g.Sum(x => (double)x * x));
        Assert.Equal(expected, GradientClipping.GlobalNorm<float>(g), 1e-9 * (1 + expected));
    }

    [Fact]
    public void ClippingByValueClamps()
    {
        double[] g = [-3, 0.2, 7];
        GradientClipping.ClipByValue<double>(g, 1);
        Assert.Equal([-1, 0.2, 1], g);
    }

    [Fact]
    public void BadSettingsAreRejectedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer<double>.Create(new OptimizerSettings { Beta2 = 1.0 }));
        Assert.Contains("Beta2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Step(0, 0.5));
        // Infinite values passed a sign check and made every weight NaN (an infinite decay) or stopped learning (an infinite ε).
        foreach (var (name, settings) in new[] { ("Epsilon", new OptimizerSettings { Epsilon = double.PositiveInfinity }),
                     ("WeightDecay", new OptimizerSettings { Kind = OptimizerKind.AdamW, WeightDecay = double.PositiveInfinity }) })
            Assert.Contains(name, Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer<double>.Create(settings)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(double.PositiveInfinity));
    }

    /// <summary>A work buffer larger than an array can hold is refused with the options that shrink it, not a bare overflow.</summary>
    [Fact]
    public void ABufferTooLargeForAnArrayNamesTheOptionsThatShrinkIt()
    {
        float[]? buffer = null;
        var error = Assert.Throws<InvalidOperationException>(() => Buffers.Ensure(ref buffer, (long)int.MaxValue + 1));
        Assert.Contains("MaximumLength", error.Message);
        Assert.Null(buffer);
        Assert.Equal(10, Buffers.Ensure(ref buffer, 10).Length);
    }
}
