using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>Training windows: a long sequence is read as a random run of consecutive steps, drawn anew each epoch, and a
/// short one whole.</summary>
public class TrainingWindowTests
{
    /// <summary>Sequence i holds the tokens 1000·i, 1000·i + 1, …, so a window shows which sequence it is from and where it starts.</summary>
    private static LabeledSequence<float>[] Numbered(params int[] lengths) => lengths.Select((length, i) => new LabeledSequence<float>(
        Sequence<float>.FromTokens(Enumerable.Range(1000 * i, length).ToArray()).WithSide(new SideFeatures<float>([i], [1f])), [i % 2])).ToArray();

    private static List<LabeledSequence<float>> Epoch(LabeledSequence<float>[] examples, Random shuffle, int window, Random windows, bool bucket = false) =>
        BatchPlanner.Batches(examples, batchSize: 3, shuffleBuffer: 100, shuffle: true, bucket, shuffle, window, windows).SelectMany(b => b).ToList();

    [Fact]
    public void LongSequencesAreReadAsConsecutiveStepsFromAnyStartAndShortOnesWhole()
    {
        var examples = Numbered(8, 5, 3, 8, 20);
        var shuffle = new Random(1);
        var windows = new Random(2);
        var starts = new HashSet<(int Sequence, int Start)>();
        for (int epoch = 0; epoch < 200; epoch++)
        {
            var read = Epoch(examples, shuffle, window: 5, windows);
            Assert.Equal(examples.Length, read.Count);
            foreach (var example in read)
            {
                int[] tokens = example.Input.Tokens!;
                int sequence = tokens[0] / 1000;
                var whole = examples[sequence];
                if (whole.Input.Length <= 5)
                {
                    Assert.Same(whole, example);
                    continue;
                }
                Assert.Equal(5, example.Input.Length);
                int start = tokens[0] - 1000 * sequence;
                Assert.Equal(whole.Input.Tokens!.Skip(start).Take(5), tokens);
                // The label and the side features describe the whole sequence, and stay with its window.
                Assert.Same(whole.Target, example.Target);
                Assert.Same(whole.Input.Side, example.Input.Side);
                starts.Add((sequence, start));
            }
        }
        // Every start from the first step to the last window's is drawn: 4 for the sequences of 8, 16 for the one of 20.
        Assert.Equal(4 + 4 + 16, starts.Count);
        Assert.Contains((4, 15), starts);
    }

    [Fact]
    public void WindowsLeaveTheShufflingAsItWasAndRepeatWithTheSeed()
    {
        var examples = Numbered(30, 4, 12, 9, 40, 7, 25);
        List<int> Order(List<LabeledSequence<float>> read) => read.Select(e => e.Input.Tokens![0] / 1000).ToList();
        var (plainShuffle, windowShuffle, windows) = (new Random(3), new Random(3), new Random(4));
        var (again, againWindows) = (new Random(3), new Random(4));
        for (int epoch = 0; epoch < 5; epoch++)
        {
            var windowed = Epoch(examples, windowShuffle, window: 6, windows);
            Assert.Equal(Order(Epoch(examples, plainShuffle, window: 0, new Random(0))), Order(windowed));
            Assert.Equal(windowed.Select(e => e.Input.Tokens), Epoch(examples, again, window: 6, againWindows).Select(e => e.Input.Tokens));
        }
    }

    /// <summary>Records the sequences of each batch the trainer hands it, and learns nothing.</summary>
    private sealed class RecordingObjective : ITrainingObjective<float>
    {
        public RecordingObjective() => Parameters.Register("bias", 1);

        public List<int[]> Seen { get; } = [];

        public ParameterSet<float> Parameters { get; } = new();

        bool ITrainingObjective<float>.TargetsPerSequence => true;

        public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<float>> batch, Random dropout)
        {
            Seen.AddRange(batch.Select(e => e.Input.Tokens!));
            return (1, batch.Count);
        }

        public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<float>> batch) => (1, batch.Count);
    }

    /// <summary>Through the trainer: the windows' starts come from a stream of their own, so every epoch visits the
    /// sequences in the order it would without them.</summary>
    [Fact]
    public void TheTrainerShufflesAsWithoutWindows()
    {
        var examples = Numbered(30, 4, 12, 9, 40, 7, 25, 3, 16);
        List<int[]> Seen(int window)
        {
            var objective = new RecordingObjective();
            new RecurrentTrainer<float>(objective, new TrainingOptions { Epochs = 4, BatchSize = 2, BucketByLength = false, TrainingWindow = window, Seed = 5 }).Fit(examples);
            return objective.Seen;
        }
        var windowed = Seen(6);
        var whole = Seen(0);
        Assert.Equal(whole.Select(tokens => tokens[0] / 1000), windowed.Select(tokens => tokens[0] / 1000));
        Assert.All(windowed, tokens => Assert.Equal(Math.Min(6, examples[tokens[0] / 1000].Input.Length), tokens.Length));
        Assert.Contains(windowed, tokens => tokens[0] % 1000 > 0);
    }

    [Fact]
    public void FloatStepsAreCutWholeStepsAtATime()
    {
        var values = Enumerable.Range(0, 12).Select(v => (float)v).ToArray();
        var window = Sequence<float>.FromFeatures(values, featuresPerStep: 3).Window(start: 1, length: 2);
        Assert.Equal(2, window.Length);
        Assert.Equal(3, window.FeaturesPerStep);
        Assert.Equal([3f, 4, 5, 6, 7, 8], window.Features!);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sequence<float>.FromTokens(1, 2, 3).Window(start: 2, length: 2));
    }

    /// <summary>A network trained on windows learns what every part of a long sequence shows, and scores whole sequences:
    /// class 1's sequences hold token 1 every sixth step among random tokens 2 to 9, class 0's never, and training reads
    /// windows of 10 of their 60 steps.</summary>
    [Fact]
    public void ANetworkLearnsFromWindowsAndScoresWholeSequences()
    {
        var random = new Random(6);
        LabeledSequence<float> Example(int label)
        {
            var tokens = Enumerable.Range(0, 60).Select(_ => random.Next(2, 10)).ToArray();
            if (label == 1)
                for (int step = random.Next(6); step < tokens.Length; step += 6) tokens[step] = 1;
            return new LabeledSequence<float>(Sequence<float>.FromTokens(tokens), [label]);
        }
        var training = Enumerable.Range(0, 400).Select(i => Example(i % 2)).ToArray();
        var test = Enumerable.Range(0, 100).Select(i => Example(i % 2)).ToArray();
        var network = new RecurrentNetwork<float>(new NetworkOptions
        {
            Input = InputKind.EmbeddedTokens, VocabularySize = 10, EmbeddingSize = 8, HiddenSize = 8, Pooling = Pooling.Max, Threads = 1,
        }, seed: 1);
        new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions
        {
            Epochs = 15, BatchSize = 16, LearningRate = 1e-2, Seed = 1, TrainingWindow = 10,
        }).Fit(training);
        double accuracy = MemoryTaskTests.Accuracy(network, test);
        Assert.True(accuracy >= 0.95, $"Test accuracy {accuracy:P0}.");
    }

    [Fact]
    public void AWindowIsRefusedWhereTheTargetsFollowTheSteps()
    {
        var tagger = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 2, Head = HeadKind.EveryStep });
        var error = Assert.Throws<ArgumentException>(() => new RecurrentTrainer<float>(tagger, new BinaryCrossEntropy<float>(), new TrainingOptions { TrainingWindow = 4 }));
        Assert.Contains("TrainingWindow (4)", error.Message);
        var classifier = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 2 });
        Assert.Contains("TrainingWindow", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new RecurrentTrainer<float>(classifier, new BinaryCrossEntropy<float>(), new TrainingOptions { TrainingWindow = -1 })).Message);
        _ = new RecurrentTrainer<float>(tagger, new BinaryCrossEntropy<float>(), new TrainingOptions { TrainingWindow = 0 });
    }
}
