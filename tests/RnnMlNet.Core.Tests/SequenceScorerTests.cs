using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Threading;

namespace RnnMlNet.Core.Tests;

/// <summary>The scoring copy: the same logits as the network's own forward pass, for every shape, and frozen weights.</summary>
public class SequenceScorerTests
{
    public static IEnumerable<object[]> Shapes() =>
        from cell in Enum.GetValues<CellKind>()
        from input in Enum.GetValues<InputKind>()
        from bidirectional in new[] { false, true }
        select new object[] { cell, input, bidirectional, bidirectional ? HeadKind.EveryStep : HeadKind.LastHidden, Pooling.Last, 0 };

    /// <summary>Many-to-one heads on the outputs pooled over the steps.</summary>
    public static IEnumerable<object[]> PooledShapes() =>
        from pooling in new[] { Pooling.Mean, Pooling.Max, Pooling.Attention }
        from bidirectional in new[] { false, true }
        select new object[] { bidirectional ? CellKind.Gru : CellKind.Lstm, InputKind.EmbeddedTokens, bidirectional, HeadKind.LastHidden, pooling, 0 };

    /// <summary>Wide and deep: side features beside the steps, on the final states and on pooled outputs.</summary>
    public static IEnumerable<object[]> WideShapes() =>
        from pooling in new[] { Pooling.Last, Pooling.Attention }
        select new object[] { CellKind.Lstm, pooling == Pooling.Last ? InputKind.Features : InputKind.EmbeddedTokens, pooling == Pooling.Last, HeadKind.LastHidden, pooling, 9 };

    [Theory]
    [MemberData(nameof(Shapes))]
    [MemberData(nameof(PooledShapes))]
    [MemberData(nameof(WideShapes))]
    public void ScoresAreThoseOfThePredictingNetwork(CellKind cell, InputKind input, bool bidirectional, HeadKind head, Pooling pooling, int sideFeatures)
    {
        var random = new Random(31);
        var options = new NetworkOptions
        {
            Cell = cell, Input = input, VocabularySize = 11, EmbeddingSize = 6, FeaturesPerStep = 3, HiddenSize = 13,
            Layers = 2, Bidirectional = bidirectional, Head = head, Pooling = pooling, Outputs = 3, Threads = 2, SideFeatures = sideFeatures,
        };
        var network = new RecurrentNetwork<float>(options, seed: 4);
        TestData.Jitter(network, random);
        var sequences = TestData.RaggedLengths.Select(length => TestData.RandomSequence<float>(options, length, random)).ToArray();
        float[][] expected = network.Predict(sequences);

        // With the input table (token input), and with the projection formed as in training.
        foreach (long tableBytes in new[] { 256L << 20, 0 })
        {
            var scorer = network.CreateScorer(tableBytes);
            float[][] together = scorer.Score(sequences);
            for (int i = 0; i < sequences.Length; i++)
            {
                AssertClose(expected[i], together[i], $"sequence {i} in a batch, table {tableBytes}");
                AssertClose(expected[i], scorer.Score(sequences[i]), $"sequence {i} alone, table {tableBytes}");
            }
        }
    }

    /// <summary>H = 192: a step large enough for one sequence to be split by units between two threads.</summary>
    [Theory]
    [InlineData(CellKind.SimpleRnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void OneSequenceGivesTheSameBitsOnOneOrTwoThreads(CellKind cell)
    {
        var random = new Random(5);
        NetworkOptions Options(int threads) => new()
        {
            Cell = cell, Input = InputKind.EmbeddedTokens, VocabularySize = 50, EmbeddingSize = 16, HiddenSize = 192, Layers = 2,
            Bidirectional = true, Head = HeadKind.EveryStep, Outputs = 2, Threads = threads,
        };
        var network = new RecurrentNetwork<float>(Options(1), seed: 2);
        TestData.Jitter(network, random, scale: 0.05);
        var sequence = TestData.RandomSequence<float>(network.Options, 30, random);
        float[] oneThread = network.CreateScorer().Score(sequence);
        var twoThreads = new RecurrentNetwork<float>(Options(2), seed: 0);
        network.Parameters.Values.CopyTo(twoThreads.Parameters.Values, 0);
        var scorer = twoThreads.CreateScorer();
        Assert.Equal(oneThread, scorer.Score(sequence));
        AssertClose(network.Predict([sequence])[0], oneThread, "against the network");

        // While another caller holds the partner thread, the scorer runs both halves itself, with the same result.
        using var held = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            // Other tests running in parallel may hold it for a moment.
            while (!PartnerThread.TryAcquire()) Thread.Sleep(1);
            held.Set();
            done.Wait();
            PartnerThread.Release();
        }) { IsBackground = true };
        holder.Start();
        float[] alone;
        try
        {
            Assert.True(held.Wait(TimeSpan.FromSeconds(30)), "the partner thread stayed taken");
            alone = scorer.Score(sequence);
        }
        finally
        {
            done.Set();
        }
        holder.Join();
        Assert.Equal(oneThread, alone);
    }

    /// <summary>A batch large enough to be split between two threads, ragged, read from the input table.</summary>
    [Fact]
    public void ABatchSplitBetweenThreadsScoresAsThePredictingNetwork()
    {
        var random = new Random(13);
        var options = new NetworkOptions { Input = InputKind.EmbeddedTokens, VocabularySize = 40, EmbeddingSize = 8, HiddenSize = 32, Outputs = 2, Threads = 2 };
        var network = new RecurrentNetwork<float>(options, seed: 6);
        TestData.Jitter(network, random, scale: 0.1);
        var sequences = Enumerable.Range(0, 25).Select(i => TestData.RandomSequence<float>(options, 1 + i % 17, random)).ToArray();
        float[][] expected = network.Predict(sequences), actual = network.CreateScorer().Score(sequences);
        for (int i = 0; i < sequences.Length; i++) AssertClose(expected[i], actual[i], $"sequence {i}");
    }

    /// <summary>A decoder's weights live in a buffer it shares with its encoder.</summary>
    [Fact]
    public void AnEncoderDecodersNetworksCanBeScored()
    {
        var random = new Random(14);
        var model = new EncoderDecoder<float>(new EncoderDecoderOptions { SourceVocabularySize = 9, TargetVocabularySize = 7, EmbeddingSize = 4, HiddenSize = 6 }, seed: 2);
        foreach (var network in new[] { model.Encoder, model.Decoder })
        {
            TestData.Jitter(network, random, scale: 0.1);
            var sequence = TestData.RandomSequence<float>(network.Options, 5, random);
            AssertClose(network.Predict([sequence])[0], network.CreateScorer().Score(sequence), "encoder-decoder");
        }
    }

    [Fact]
    public void TheScorerKeepsTheWeightsItWasCreatedWith()
    {
        var random = new Random(9);
        var options = new NetworkOptions { Input = InputKind.OneHotTokens, VocabularySize = 7, HiddenSize = 5 };
        var network = new RecurrentNetwork<float>(options, seed: 1);
        var sequence = TestData.RandomSequence<float>(options, 6, random);
        var scorer = network.CreateScorer();
        float[] before = scorer.Score(sequence);
        TestData.Jitter(network, random);
        Assert.NotEqual(before, network.Predict([sequence])[0]);
        Assert.Equal(before, scorer.Score(sequence));
    }

    [Fact]
    public void BadInputIsRejectedAsByTheNetwork()
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { Input = InputKind.EmbeddedTokens, VocabularySize = 4, EmbeddingSize = 2, HiddenSize = 3 });
        var scorer = network.CreateScorer();
        var error = Assert.Throws<ArgumentException>(() => scorer.Score(Sequence<float>.FromTokens(1, 9)));
        Assert.Contains("token id 9 at step 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.CreateScorer(maximumTableBytes: -1));
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"{what}: logit {i} is {actual[i]}, expected {expected[i]}.");
    }
}
