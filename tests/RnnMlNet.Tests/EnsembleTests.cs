using System.Collections.Concurrent;
using Microsoft.ML;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// EnsembleSize: how many networks the automatic setting trains, how each member reports and is summarised, and the
/// settings that take a single network. (That the saved graph averages the members as the engine does is tested with the
/// other parity cases in RecurrentTrainerTests, SequenceTaggerTests and OnnxExportContractTests.)
/// </summary>
public class EnsembleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static SyntheticData.TokenRow[] Rows(int rows, int length) => SyntheticData.FixedLengthRows(rows, length, seed: rows + length);

    private static RecurrentTrainerOptions Tiny() => new() { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1 };

    /// <summary>Token sequences with the automatic hold-out (1,000 rows or more) get as many members, up to 5, as make at
    /// most 2,500,000 trained steps per epoch together (each row's tokens, up to the training window), and two at least;
    /// fewer rows get one network.</summary>
    [Theory]
    [InlineData(1_000, 4, null, 5)]     // 4,000 steps
    [InlineData(1_000, 600, 0, 4)]      // 600,000 steps: four members make 2,400,000
    [InlineData(1_000, 1_000, 0, 2)]    // 1,000,000 steps: two members make 2,000,000
    [InlineData(1_000, 1_300, 0, 2)]    // 1,300,000 steps: two members pass the budget, but fewer would be one network's seed noise
    [InlineData(1_000, 1_300, null, 5)] // the automatic window trains 256 of each row's 1,300 tokens: 256,000 steps
    [InlineData(1_000, 1_300, 600, 4)]  // a window of 600: 600,000 steps
    [InlineData(999, 4, null, 1)]       // no automatic hold-out
    public void AnAutomaticEnsembleHasAsManyMembersAsTheStepBudgetAllows(int rows, int length, int? window, int members)
    {
        var ml = _temp.Context();
        var options = Tiny();
        options.TrainingWindow = window;
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        using var model = trainer.Fit(SyntheticData.Load(ml, Rows(rows, length)));
        Assert.Equal(members, trainer.LastEnsemble!.Members.Count);
        Assert.Equal(members == 1 ? 0 : members, trainer.LastSummary!.Members.Count);
    }

    /// <summary>Float steps (a time series' windows) get the automatic ensemble by the same budget, counting every step (no
    /// training window cuts them), though nothing is held out of them.</summary>
    [Theory]
    [InlineData(1_000, 28, 5)]    // 28,000 steps, as births' 2,893 windows of 28 days make 81,000
    [InlineData(1_000, 1_300, 2)] // 1,300,000 steps: no window cuts float steps
    [InlineData(999, 28, 1)]
    public void FloatStepsGetTheAutomaticEnsembleByTheStepBudget(int rows, int length, int members)
    {
        var ml = _temp.Context();
        var random = new Random(rows + length);
        var data = SyntheticData.Load(ml, Enumerable.Range(0, rows).Select(_ => new SyntheticData.StepRow
        {
            Steps = Enumerable.Range(0, 2 * length).Select(_ => (float)random.NextDouble()).ToArray(), Value = (float)random.NextDouble(),
        }).ToList());
        var trainer = ml.Regression.Trainers.SimpleRnn(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Steps", LabelColumnName = "Value", FeaturesPerStep = 2, HiddenSize = 2, Epochs = 1, BatchSize = 256,
        });
        using var model = trainer.Fit(data);
        Assert.Equal(members, trainer.LastEnsemble!.Members.Count);
    }

    /// <summary>The automatic size depends on the training rows, whether rows are held out automatically, not at all, or
    /// given as a validation set.</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("given")]
    public void TheAutomaticSizeDoesNotDependOnTheHoldOut(string holdOut)
    {
        var ml = _temp.Context();
        var options = Tiny();
        if (holdOut == "none") options.ValidationFraction = 0;
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        var data = SyntheticData.Load(ml, Rows(1_000, 4));
        using var model = holdOut == "given" ? trainer.Fit(data, SyntheticData.Load(ml, Rows(50, 4))) : trainer.Fit(data);
        Assert.Equal(5, trainer.LastEnsemble!.Members.Count);
    }

    /// <summary>A pooled-state column describes one network's state, and starting weights are one model to fine-tune, so the
    /// automatic setting trains one network with either.</summary>
    [Theory]
    [InlineData("PooledStateColumnName")]
    [InlineData("InitialWeights")]
    public void SettingsOfOneNetworkKeepTheAutomaticEnsembleToOne(string setting)
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, Rows(1_000, 4));
        var options = Tiny();
        if (setting == "PooledStateColumnName") options.PooledStateColumnName = "Embedding";
        else
        {
            var first = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 1, EnsembleSize = 1 });
            using var firstModel = first.Fit(data);
            options.InitialWeights = first.LastNetwork!.Export();
        }
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        using var model = trainer.Fit(data);
        Assert.Single(trainer.LastEnsemble!.Members);
    }

    /// <summary>Each member trains with its own seed, reports its epochs with its number, and is summarised in the saved model.</summary>
    [Fact]
    public void MembersTrainWithTheirOwnSeedsAndAreSummarised()
    {
        var ml = _temp.Context();
        var reports = new List<EpochReport>();
        var batches = new List<BatchReport>();
        var options = Tiny();
        options.Epochs = 2;
        options.Seed = 7;
        options.EnsembleSize = 3;
        options.ValidationFraction = 0.2;
        options.Progress = new ImmediateProgress<EpochReport>(reports.Add);
        options.BatchProgress = new ImmediateProgress<BatchReport>(batches.Add);
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 2));
        var trainer = ml.BinaryClassification.Trainers.Lstm(options);
        using var model = trainer.Fit(data);

        // On two threads or more the members train side by side and their reports interleave; each member's come in order.
        Assert.Equal([(1, "1 2"), (2, "1 2"), (3, "1 2")], reports.GroupBy(r => r.Member).OrderBy(m => m.Key).Select(m => (m.Key, string.Join(" ", m.Select(r => r.Epoch)))));
        Assert.Equal([1, 2, 3], batches.Select(b => b.Member).Distinct().Order());
        Assert.Equal(reports.Select(r => r.Member).Order(), trainer.LastSummary!.Members.SelectMany(m => m.History.Select(e => e.Member)));
        // Member k is the single network that seed 7 + k trains.
        var second = Tiny();
        second.Epochs = 2;
        second.Seed = 8;
        second.ValidationFraction = 0.2;
        var alone = ml.BinaryClassification.Trainers.Lstm(second);
        using var aloneModel = alone.Fit(data);
        Assert.Equal(alone.LastNetwork!.Export().SelectMany(w => w.Values), trainer.LastEnsemble!.Members[1].Export().SelectMany(w => w.Values));
        Assert.Equal(alone.LastHistory!.Epochs.Select(e => e.ValidationLoss), trainer.LastSummary!.Members[1].History.Select(e => e.ValidationLoss));

        string path = _temp.File("ensemble.zip");
        ml.Model.Save(model, data.Schema, path);
        var summary = RecurrentModelFile.ReadSummary(path);
        Assert.Equal([7, 8, 9], summary.Members.Select(m => m.Seed));
        Assert.All(summary.Members, m => Assert.Equal(2, m.History.Count));
        Assert.Equal(3 * alone.LastSummary!.TotalParameters, summary.TotalParameters);
        Assert.StartsWith("ensemble of 3 networks", summary.Architecture);
        Assert.Contains("network 3 (seed 9): kept the weights of epoch", summary.ToString());
    }

    /// <summary>On 2 threads, two members train at once on one thread each, the third when one ends; on 5, the three at once
    /// on 1, 2 and 2 threads; and a member still training takes the threads of those that ended. The engine's results do
    /// not depend on its threads, even changed mid-training, so each member has the weights and validation results of
    /// training one after another on one thread.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void MembersTrainedSideBySideMatchMembersTrainedOneByOne(int threads)
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, Rows(300, 12));
        RecurrentTrainerEstimator Trained(int threads)
        {
            var options = Tiny();
            options.Epochs = 3;
            options.EnsembleSize = 3;
            options.ValidationFraction = 0.2;
            options.Threads = threads;
            var trainer = ml.BinaryClassification.Trainers.Lstm(options);
            trainer.Fit(data).Dispose();
            return trainer;
        }
        var oneByOne = Trained(1);
        var sideBySide = Trained(threads);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(oneByOne.LastEnsemble!.Members[k].Export().SelectMany(w => w.Values), sideBySide.LastEnsemble!.Members[k].Export().SelectMany(w => w.Values));
            Assert.Equal(oneByOne.LastSummary!.Members[k].History.Select(e => e.ValidationLoss), sideBySide.LastSummary!.Members[k].History.Select(e => e.ValidationLoss));
        }
        // The members differ from one another (their seeds), so the comparison above could tell them apart.
        Assert.NotEqual(oneByOne.LastEnsemble!.Members[0].Export().SelectMany(w => w.Values), oneByOne.LastEnsemble!.Members[1].Export().SelectMany(w => w.Values));
        // The members that ended handed their threads over, so the last to end trained its last steps on all of them.
        var endThreads = sideBySide.LastEnsemble!.Members.Select(m => m.Options.Threads).ToList();
        Assert.Equal(threads, endThreads.Max());
        Assert.True(endThreads.Min() < threads, $"Every member ended on {threads} threads.");
    }

    /// <summary>Once no member is left to start, a lane whose member ends hands its threads to a member still training:
    /// 3 members on 2 threads, members 0 and 1 at once, then 2; when 1 and 2 have ended, member 0 has both threads.</summary>
    [Fact]
    public void ALaneWithNoMemberLeftHandsItsThreadsToAMemberStillTraining()
    {
        using var bothStarted = new Barrier(2);
        using var handedOver = new ManualResetEventSlim();
        var counts = Enumerable.Range(0, 3).Select(_ => new ConcurrentQueue<int>()).ToArray();
        SideBySideMembers.Train(3, 2, CancellationToken.None, (k, threads, _) =>
        {
            threads.Follow(count =>
            {
                counts[k].Enqueue(count);
                if (k == 0 && count == 2) handedOver.Set();
            });
            if (k < 2) Assert.True(bothStarted.SignalAndWait(TimeSpan.FromSeconds(30)), "Members 0 and 1 did not train at once.");
            if (k == 0) Assert.True(handedOver.Wait(TimeSpan.FromSeconds(30)), "Member 0 was not handed the other lane's thread.");
        });
        Assert.Equal([1, 2], counts[0]);
        Assert.Equal([1], counts[1]);
        Assert.Equal([1], counts[2]);
    }

    /// <summary>A saved model's network description holds no thread count: its members end on different ones (threads
    /// handed over, as timing falls), and the machine that rebuilds the networks for an export uses its own cores.</summary>
    [Fact]
    public void TheSavedNetworkDescriptionDoesNotDependOnTheThreads()
    {
        string Description(int threads)
        {
            var ml = _temp.Context();
            var data = SyntheticData.Load(ml, Rows(300, 12));
            var options = Tiny();
            options.EnsembleSize = 3;
            options.Threads = threads;
            using var model = ml.BinaryClassification.Trainers.Lstm(options).Fit(data);
            string path = _temp.File($"threads{threads}.zip");
            ml.Model.Save(model, data.Schema, path);
            var graphs = ModelIntegrity.OnnxGraphs(path, ModelIntegrity.ReadZip(path, ModelIntegrity.ReadFile(path)));
            return graphs.SelectMany(g => g.Model.MetadataProps).Single(p => p.Key == Graphs.ExportGraph.NetworkKey).Value;
        }
        string oneThread = Description(1);
        Assert.Equal(oneThread, Description(2));
        Assert.DoesNotContain("Threads", oneThread);
    }

    /// <summary>Members side by side report one at a time: a handler written for one training thread stays correct.</summary>
    [Fact]
    public void MembersSideBySideNeverReportAtOnce()
    {
        var ml = _temp.Context();
        int inside = 0, overlaps = 0;
        var members = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        void Report(int member)
        {
            if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlaps);
            members.AddOrUpdate(member, 1, (_, n) => n + 1);
            Thread.Sleep(1);
            Interlocked.Decrement(ref inside);
        }
        var options = Tiny();
        options.Epochs = 3;
        options.EnsembleSize = 2;
        options.Threads = 2;
        options.BatchProgress = new ImmediateProgress<BatchReport>(r => Report(r.Member));
        options.Progress = new ImmediateProgress<EpochReport>(r => Report(r.Member));
        ml.BinaryClassification.Trainers.Lstm(options).Fit(SyntheticData.Load(ml, Rows(600, 8))).Dispose();
        Assert.Equal([1, 2], members.Keys.Order());
        Assert.Equal(0, overlaps);
    }

    /// <summary>Two members on a thread each, asked for 2,000 epochs with nothing held out (so nothing stops them early): a
    /// few seconds each here, unless they are stopped.</summary>
    private static RecurrentTrainerOptions TwoLongRunningMembersSideBySide()
    {
        var options = Tiny();
        options.Epochs = 2_000;
        options.ValidationFraction = 0;
        options.EnsembleSize = 2;
        options.Threads = 2;
        return options;
    }

    /// <summary>The first member to fail stops the others, and its own exception reaches the caller (not the cancellation
    /// it caused in the others, nor an aggregate).</summary>
    [Fact]
    public void AMemberThatFailsStopsTheOthersAndItsExceptionArrives()
    {
        var ml = _temp.Context();
        int firstMemberEpochs = 0;
        var options = TwoLongRunningMembersSideBySide();
        options.Progress = new ImmediateProgress<EpochReport>(r =>
        {
            if (r.Member == 2) throw new InvalidOperationException("member 2 fails");
            firstMemberEpochs++;
        });
        var error = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(SyntheticData.Load(ml, Rows(100, 6))));
        Assert.Equal("member 2 fails", error.Message);
        // Member 1 would have reported 2,000 epochs had it not been stopped (a few seconds here).
        Assert.InRange(firstMemberEpochs, 0, 1_000);
    }

    /// <summary>A cancellation by the caller's token stops every member and arrives as the caller's cancellation.</summary>
    [Fact]
    public void CancellingStopsMembersSideBySide()
    {
        var ml = _temp.Context();
        using var cancel = new CancellationTokenSource();
        int reports = 0;
        var options = TwoLongRunningMembersSideBySide();
        options.CancellationToken = cancel.Token;
        options.Progress = new ImmediateProgress<EpochReport>(r =>
        {
            if (++reports == 10) cancel.Cancel();
        });
        var error = Assert.ThrowsAny<OperationCanceledException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(SyntheticData.Load(ml, Rows(100, 6))));
        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.InRange(reports, 10, 1_000);
    }

    public static IEnumerable<object[]> SingleNetworkSettings() =>
    [
        [(Action<RecurrentTrainerOptions>)(o => o.PooledStateColumnName = "Embedding"), "PooledStateColumnName"],
        [(Action<RecurrentTrainerOptions>)(o => o.CheckpointDirectory = "checkpoints"), "CheckpointDirectory"],
        [(Action<RecurrentTrainerOptions>)(o => o.DataParallel = new DataParallelOptions { Communicator = SingleProcess.Instance, Shards = 2 }), "DataParallel"],
        [(Action<RecurrentTrainerOptions>)(o => { o.Epochs = 0; o.InitialWeights = []; }), "Epochs 0"],
        [(Action<RecurrentTrainerOptions>)(o => o.InitialWeights = []), "InitialWeights"],
    ];

    [Theory]
    [MemberData(nameof(SingleNetworkSettings))]
    public void SettingsThatTakeOneNetworkRefuseAnEnsemble(Action<RecurrentTrainerOptions> set, string setting)
    {
        var options = Tiny();
        set(options);
        options.EnsembleSize = 2;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().BinaryClassification.Trainers.Lstm(options));
        Assert.Equal("EnsembleSize", error.ParamName);
        Assert.Contains(setting, error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void AnEnsembleSizeOutOfRangeIsRefused(int size)
    {
        var options = Tiny();
        options.EnsembleSize = size;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().BinaryClassification.Trainers.Lstm(options));
        Assert.Equal("EnsembleSize", error.ParamName);
        Assert.Contains("1 to 32", error.Message);
    }
}
