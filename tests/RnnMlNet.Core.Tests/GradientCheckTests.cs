using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>
/// Back-propagation through time checked against central finite differences, in double precision,
/// for every parameter of every configuration: each cell, one and two directions, stacked layers with dropout,
/// ragged lengths, each input kind, each head and each loss.
/// </summary>
public class GradientCheckTests
{
    public static IEnumerable<object[]> Configurations()
    {
        int index = 0;
        foreach (var cell in Enum.GetValues<CellKind>())
            foreach (var bidirectional in new[] { false, true })
                foreach (var input in Enum.GetValues<InputKind>())
                    foreach (var head in Enum.GetValues<HeadKind>())
                    {
                        // A network without a head has D·H outputs per step, which only the squared loss reads.
                        var lossKind = (LossKind)(index++ % 3);
                        yield return [cell, bidirectional, input, head, 1, head == HeadKind.None ? LossKind.Squared : lossKind];
                    }
        foreach (var cell in Enum.GetValues<CellKind>())
            foreach (var bidirectional in new[] { false, true })
                yield return [cell, bidirectional, InputKind.EmbeddedTokens, HeadKind.LastHidden, 2, (LossKind)(index++ % 3)];
    }

    public enum LossKind { Binary, Softmax, Squared }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AnalyticGradientsMatchFiniteDifferences(CellKind cell, bool bidirectional, InputKind input, HeadKind head, int layers, LossKind lossKind)
    {
        var random = new Random(17);
        var (options, loss) = Configure(cell, bidirectional, input, head, layers, lossKind);
        var network = new RecurrentNetwork<double>(options, seed: 3);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, lossKind, random);

        AssertGradientsMatch(network, loss, batch);
    }

    /// <summary>The configurations above have fewer token ids (6) than batch steps (20), so their first layer folds the
    /// embedding into its input weights; a vocabulary larger than the batch keeps the embedding layer and its own backward.</summary>
    [Theory]
    [InlineData(CellKind.SimpleRnn, false)]
    [InlineData(CellKind.Lstm, true)]
    [InlineData(CellKind.Gru, false)]
    public void EmbeddingGradientsMatchFiniteDifferencesWhenTheVocabularyOutnumbersTheSteps(CellKind cell, bool bidirectional)
    {
        var random = new Random(23);
        var (options, loss) = Configure(cell, bidirectional, InputKind.EmbeddedTokens, HeadKind.LastHidden, layers: 1, LossKind.Binary);
        options.VocabularySize = 40;
        var network = new RecurrentNetwork<double>(options, seed: 3);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, LossKind.Binary, random);
        Assert.True(batch.MaxLength * batch.Count < options.VocabularySize);

        AssertGradientsMatch(network, loss, batch);
    }

    /// <summary>PyTorch's two biases (b_ih and b_hh) for SimpleRNN and LSTM, on the folded-token and dense-step paths, with
    /// two layers and both directions: each bias gets its own, equal, gradient.</summary>
    [Theory]
    [InlineData(CellKind.SimpleRnn, InputKind.EmbeddedTokens, true)]
    [InlineData(CellKind.Lstm, InputKind.Features, true)]
    [InlineData(CellKind.Lstm, InputKind.OneHotTokens, false)]
    public void SeparateBiasGradientsMatchFiniteDifferences(CellKind cell, InputKind input, bool bidirectional)
    {
        var random = new Random(29);
        var (options, loss) = Configure(cell, bidirectional, input, HeadKind.LastHidden, layers: 2, LossKind.Binary);
        options.SeparateBiases = true;
        var network = new RecurrentNetwork<double>(options, seed: 3);
        Assert.All(network.Cells, c => Assert.NotNull(c.HiddenBias));
        TestData.Jitter(network, random);
        AssertGradientsMatch(network, loss, LabelledBatch(options, LossKind.Binary, random));
        // The frozen scorer (its token table and its dense projection) adds both biases too.
        var sequences = Enumerable.Range(0, 3).Select(i => TestData.RandomSequence<double>(options, 2 + i, random)).ToArray();
        var expected = network.Predict(sequences);
        var scored = network.CreateScorer().Score(sequences);
        for (int i = 0; i < sequences.Length; i++) Assert.Equal(expected[i][0], scored[i][0], 1e-12);
    }

    /// <summary>Word dropout with a fixed mask, on each token path: one-hot, embedded and folded, embedded and gathered.</summary>
    [Theory]
    [InlineData(InputKind.OneHotTokens, false, 6)]
    [InlineData(InputKind.EmbeddedTokens, true, 6)]
    [InlineData(InputKind.EmbeddedTokens, false, 40)]
    public void WordDropoutGradientsMatchFiniteDifferences(InputKind input, bool bidirectional, int vocabulary)
    {
        var random = new Random(41);
        var (options, loss) = Configure(CellKind.Lstm, bidirectional, input, HeadKind.LastHidden, layers: 1, LossKind.Binary);
        options.VocabularySize = vocabulary;
        options.WordDropout = 0.4;
        var network = new RecurrentNetwork<double>(options, seed: 5);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, LossKind.Binary, random);

        AssertGradientsMatch(network, loss, batch);

        // Training drops words (the loss moves with the mask's seed); scoring never does.
        var plain = new RecurrentNetwork<double>(new NetworkOptions
        {
            Cell = options.Cell, Bidirectional = bidirectional, Input = input, VocabularySize = vocabulary, EmbeddingSize = options.EmbeddingSize,
            HiddenSize = options.HiddenSize, Outputs = options.Outputs, Threads = 1,
        }, seed: 5);
        plain.Import(network.Export());
        Assert.Equal(plain.Forward(batch).SortedLogits, network.Forward(batch).SortedLogits);
        Assert.NotEqual(network.Forward(batch, training: true, new Random(1)).SortedLogits.ToArray(), network.Forward(batch, training: true, new Random(2)).SortedLogits.ToArray());
    }

    /// <summary>Variational dropout: one mask per sequence and unit, the same at every step, applied again in backward.</summary>
    [Fact]
    public void DropoutKeepsOneMaskPerSequenceThroughTime()
    {
        const int steps = 6, rows = 4, width = 50;
        var dropout = new RnnMlNet.Core.Layers.DropoutLayer<double>(0.4);
        var ones = Enumerable.Repeat(1.0, steps * rows * width).ToArray();
        double[] output = (double[])dropout.Forward(ones, steps, rows, width, new Random(3)).Clone();
        double[] grad = dropout.Backward(ones, steps);
        for (int t = 1; t < steps; t++)
            Assert.Equal(output.AsSpan(0, rows * width).ToArray(), output.AsSpan(t * rows * width, rows * width).ToArray());
        Assert.Equal(output.Take(steps * rows * width), grad.Take(steps * rows * width));
        Assert.All(output.Take(rows * width), v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.6) < 1e-12));
        double dropped = output.Take(rows * width).Count(v => v == 0) / (double)(rows * width);
        Assert.InRange(dropped, 0.25, 0.55);
    }

    public static IEnumerable<object[]> PoolingConfigurations() =>
        from pooling in new[] { Pooling.Mean, Pooling.Max, Pooling.Attention }
        from cell in Enum.GetValues<CellKind>()
        from bidirectional in new[] { false, true }
        select new object[] { pooling, cell, bidirectional, cell == CellKind.Gru ? 2 : 1 };

    /// <summary>Pooling over ragged lengths: padded steps must neither count nor receive gradient; attention's query too.</summary>
    [Theory]
    [MemberData(nameof(PoolingConfigurations))]
    public void PoolingGradientsMatchFiniteDifferences(Pooling pooling, CellKind cell, bool bidirectional, int layers)
    {
        var random = new Random(31);
        var (options, loss) = Configure(cell, bidirectional, InputKind.EmbeddedTokens, HeadKind.LastHidden, layers, LossKind.Softmax);
        options.Pooling = pooling;
        var network = new RecurrentNetwork<double>(options, seed: 4);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, LossKind.Softmax, random);

        LossAt(network, loss, () => batch, computeGradient: true);
        double[] analytic = (double[])network.Parameters.Gradients.Clone();
        if (pooling == Pooling.Attention)
            Assert.Contains(network.Parameters.Entries, p => p.Name == "pooling.query");
        FiniteDifferences.AssertMatches(network.Parameters.Values, analytic, () => LossAt(network, loss, () => batch), network.Parameters.Entries);
    }

    /// <summary>Variational dropout on the first layer's input and the last layer's output, with fixed masks: the embedded
    /// rows formed rather than folded, numeric steps, and the head on the final states, on pooled outputs and on every step.</summary>
    [Theory]
    [InlineData(InputKind.EmbeddedTokens, HeadKind.LastHidden, Pooling.Last, false, 1)]
    [InlineData(InputKind.Features, HeadKind.EveryStep, Pooling.Last, true, 1)]
    [InlineData(InputKind.EmbeddedTokens, HeadKind.LastHidden, Pooling.Attention, false, 2)]
    [InlineData(InputKind.Features, HeadKind.LastHidden, Pooling.Mean, true, 2)]
    public void InputAndOutputDropoutGradientsMatchFiniteDifferences(InputKind input, HeadKind head, Pooling pooling, bool bidirectional, int layers)
    {
        var random = new Random(61);
        var (options, loss) = Configure(CellKind.Gru, bidirectional, input, head, layers, LossKind.Softmax);
        options.Pooling = pooling;
        options.InputDropout = 0.3;
        options.OutputDropout = 0.4;
        var network = new RecurrentNetwork<double>(options, seed: 8);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, LossKind.Softmax, random);

        AssertGradientsMatch(network, loss, batch);

        // Masks in training only: scoring is the plain network's.
        Assert.NotEqual(network.Forward(batch).SortedLogits.ToArray(), network.Forward(batch, training: true, new Random(1)).SortedLogits.ToArray());
        options.InputDropout = options.OutputDropout = 0;
        options.Dropout = 0;
        var plain = new RecurrentNetwork<double>(options, seed: 8);
        plain.Import(network.Export());
        Assert.Equal(plain.Forward(batch).SortedLogits.ToArray(), network.Forward(batch).SortedLogits.ToArray());
    }

    /// <summary>Wide and deep: the side features' linear part and the recurrent part share the logits; every weight of
    /// both, the wide weights only where a row has a non-zero slot, gets its gradient.</summary>
    [Theory]
    [InlineData(Pooling.Last, LossKind.Binary, false)]
    [InlineData(Pooling.Attention, LossKind.Softmax, true)]
    [InlineData(Pooling.Mean, LossKind.Squared, false)]
    public void WideAndDeepGradientsMatchFiniteDifferences(Pooling pooling, LossKind lossKind, bool bidirectional)
    {
        var random = new Random(53);
        var (options, loss) = Configure(CellKind.Lstm, bidirectional, InputKind.EmbeddedTokens, HeadKind.LastHidden, layers: 1, lossKind);
        options.Pooling = pooling;
        options.SideFeatures = 7;
        var network = new RecurrentNetwork<double>(options, seed: 6);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, lossKind, random);

        LossAt(network, loss, () => batch, computeGradient: true);
        double[] analytic = (double[])network.Parameters.Gradients.Clone();
        var wide = network.Parameters["wide.weights"];
        Assert.Contains(analytic.AsSpan(wide.Offset, wide.Length).ToArray(), g => g != 0);
        FiniteDifferences.AssertMatches(network.Parameters.Values, analytic, () => LossAt(network, loss, () => batch), network.Parameters.Entries);
    }

    [Theory]
    [InlineData(CellKind.SimpleRnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void InitialStateAndFinalStateGradientsMatchFiniteDifferences(CellKind cell)
    {
        // The path a decoder uses: it starts from an encoder's final state and sends gradient back into it.
        var random = new Random(5);
        var (options, loss) = Configure(cell, bidirectional: false, InputKind.Features, HeadKind.EveryStep, layers: 2, LossKind.Squared);
        options.Dropout = 0;
        var network = new RecurrentNetwork<double>(options, seed: 1);
        TestData.Jitter(network, random);
        var batch = LabelledBatch(options, LossKind.Squared, random);
        var initial = new RecurrentState<double>(2, 1, batch.Count, options.HiddenSize, cell == CellKind.Lstm);
        TestData.RandomArray<double>(initial.Hidden.Length, random).CopyTo(initial.Hidden, 0);
        TestData.RandomArray<double>(initial.Cell.Length, random).CopyTo(initial.Cell, 0);
        // L = loss(logits) + Σ c·(final state), with fixed random c
        var finalWeights = new RecurrentState<double>(2, 1, batch.Count, options.HiddenSize, cell == CellKind.Lstm);
        TestData.RandomArray<double>(finalWeights.Hidden.Length, random).CopyTo(finalWeights.Hidden, 0);
        TestData.RandomArray<double>(finalWeights.Cell.Length, random).CopyTo(finalWeights.Cell, 0);

        double Loss() => LossAt(network, loss, () => batch, computeGradient: false, initial, finalWeights);
        LossAt(network, loss, () => batch, computeGradient: true, initial, finalWeights);
        var analyticWeights = (double[])network.Parameters.Gradients.Clone();
        var analyticHidden = (double[])network.InitialStateGradient.Hidden.Clone();
        var analyticCell = (double[])network.InitialStateGradient.Cell.Clone();
        FiniteDifferences.AssertMatches(network.Parameters.Values, analyticWeights, Loss, network.Parameters.Entries);
        FiniteDifferences.AssertMatches(initial.Hidden, analyticHidden, Loss, null);
        if (cell == CellKind.Lstm) FiniteDifferences.AssertMatches(initial.Cell, analyticCell, Loss, null);
        else Assert.Empty(analyticCell);
    }

    /// <summary>The gradient of the loss with respect to the input features. The last case backs up an inference pass
    /// (saliency, gradient flow) of two layers with dropout between them, after a training pass left masks behind: no
    /// mask is applied, as the inference pass drew none.</summary>
    [Theory]
    [InlineData(CellKind.Lstm, false, false)]
    [InlineData(CellKind.Gru, true, false)]
    [InlineData(CellKind.SimpleRnn, true, false)]
    [InlineData(CellKind.Lstm, false, true)]
    public void InputGradientMatchesFiniteDifferences(CellKind cell, bool bidirectional, bool inferenceWithDropout)
    {
        var random = new Random(8);
        var (options, loss) = Configure(cell, bidirectional, InputKind.Features, HeadKind.LastHidden, layers: inferenceWithDropout ? 2 : 1, LossKind.Binary);
        if (inferenceWithDropout) options.Dropout = 0.5;
        var network = new RecurrentNetwork<double>(options, seed: 2);
        TestData.Jitter(network, random);
        var examples = TestData.RaggedLengths.Select(length => new LabeledSequence<double>(
            TestData.RandomSequence<double>(options, length, random), [random.Next(2)])).ToArray();

        // The batch copies the features, so it is laid out again after each perturbation.
        SequenceBatch<double> Batch() => SequenceBatch<double>.Create(examples, targetsPerStep: false);

        LossAt(network, loss, Batch, computeGradient: true);
        if (inferenceWithDropout) LossAt(network, loss, Batch, computeGradient: true, training: false);
        for (int s = 0; s < examples.Length; s++)
        {
            var analytic = network.InputGradientOf(s);
            FiniteDifferences.AssertMatches(examples[s].Input.Features!, analytic, () => LossAt(network, loss, Batch, training: !inferenceWithDropout), null);
        }
    }

    internal static (NetworkOptions, Loss<double>) Configure(CellKind cell, bool bidirectional, InputKind input, HeadKind head, int layers, LossKind lossKind)
    {
        var options = new NetworkOptions
        {
            Cell = cell,
            Bidirectional = bidirectional,
            Input = input,
            VocabularySize = 6,
            EmbeddingSize = 3,
            FeaturesPerStep = 2,
            HiddenSize = 3,
            Layers = layers,
            Dropout = layers > 1 ? 0.3 : 0,
            Head = head,
            Outputs = lossKind switch { LossKind.Binary => 1, LossKind.Softmax => 3, _ => 2 },
            Threads = 1,
        };
        Loss<double> loss = lossKind switch
        {
            LossKind.Binary => new BinaryCrossEntropy<double>(negativeWeight: 0.7, positiveWeight: 2.0),
            LossKind.Softmax => new SoftmaxCrossEntropy<double>([1.0, 2.5, 0.5]),
            _ => new MeanSquaredError<double>(),
        };
        return (options, loss);
    }

    internal static SequenceBatch<double> LabelledBatch(NetworkOptions options, LossKind lossKind, Random random)
    {
        bool perStep = options.Head != HeadKind.LastHidden;
        var examples = TestData.RaggedLengths.Select(length =>
        {
            int rows = perStep ? length : 1;
            double[] target = lossKind switch
            {
                LossKind.Binary => Enumerable.Range(0, rows).Select(_ => (double)random.Next(2)).ToArray(),
                LossKind.Softmax => Enumerable.Range(0, rows).Select(_ => (double)random.Next(3)).ToArray(),
                _ => TestData.RandomArray<double>(rows * options.OutputWidth, random),
            };
            return new LabeledSequence<double>(TestData.RandomSequence<double>(options, length, random), target);
        }).ToArray();
        return SequenceBatch<double>.Create(examples, perStep);
    }

    /// <summary>
    /// The loss of one forward pass (plus Σ finalWeights·final state when given); with <paramref name="computeGradient"/>,
    /// back-propagated into freshly zeroed gradients. The dropout mask comes from a fixed seed, so the loss is a fixed
    /// function of the weights.
    /// </summary>
    private static double LossAt(RecurrentNetwork<double> network, Loss<double> loss, Func<SequenceBatch<double>> batchOf, bool computeGradient = false,
        RecurrentState<double>? initial = null, RecurrentState<double>? finalWeights = null, bool training = true)
    {
        var batch = batchOf();
        var output = network.Forward(batch, training, new Random(99), initial);
        var grad = new double[output.Rows * output.Outputs];
        double value = loss.Evaluate(output.SortedLogits, batch.Targets, output.RowMask, output.Rows, output.Outputs, grad);
        if (finalWeights is not null)
            value += Dot(output.FinalState.Hidden, finalWeights.Hidden) + Dot(output.FinalState.Cell, finalWeights.Cell);
        if (computeGradient)
        {
            network.Parameters.ZeroGradients();
            network.Backward(grad, finalWeights);
        }
        return value;
    }

    /// <summary>Back-propagated gradients of every parameter against central finite differences, with fixed dropout masks.</summary>
    private static void AssertGradientsMatch(RecurrentNetwork<double> network, Loss<double> loss, SequenceBatch<double> batch)
    {
        LossAt(network, loss, () => batch, computeGradient: true);
        double[] analytic = (double[])network.Parameters.Gradients.Clone();
        FiniteDifferences.AssertMatches(network.Parameters.Values, analytic, () => LossAt(network, loss, () => batch), network.Parameters.Entries);
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
