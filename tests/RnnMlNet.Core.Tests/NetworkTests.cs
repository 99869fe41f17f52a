using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>Behaviour of the network as a whole: padding, stepping, weights in and out, initialisation, bad input.</summary>
public class NetworkTests
{
    public static IEnumerable<object[]> CellsAndDirections() =>
        from cell in Enum.GetValues<CellKind>() from bidirectional in new[] { false, true } select new object[] { cell, bidirectional };

    /// <summary>A head on every step, and a head on the outputs pooled each way over the steps.</summary>
    public static IEnumerable<object[]> CellsDirectionsAndPooling() =>
        from cell in Enum.GetValues<CellKind>() from bidirectional in new[] { false, true }
        from pooling in new[] { Pooling.Last, Pooling.Mean, Pooling.Max, Pooling.Attention }
        select new object[] { cell, bidirectional, pooling };

    [Theory]
    [MemberData(nameof(CellsDirectionsAndPooling))]
    public void RaggedBatchIsIdenticalToRunningEachSequenceAlone(CellKind cell, bool bidirectional, Pooling pooling)
    {
        var random = new Random(21);
        bool perStep = pooling == Pooling.Last;
        var (options, loss) = GradientCheckTests.Configure(cell, bidirectional, InputKind.EmbeddedTokens, perStep ? HeadKind.EveryStep : HeadKind.LastHidden, 2,
            GradientCheckTests.LossKind.Squared);
        options.Dropout = 0;
        options.Pooling = pooling;
        var network = new RecurrentNetwork<double>(options, seed: 6);
        TestData.Jitter(network, random);
        var examples = TestData.RaggedLengths.Select(length => new LabeledSequence<double>(
            TestData.RandomSequence<double>(options, length, random), TestData.RandomArray<double>((perStep ? length : 1) * 2, random))).ToArray();

        // Sum of squared errors: the batch mean times the number of terms.
        double[] GradientOfTotalLoss(LabeledSequence<double>[] part, out double[][] logits)
        {
            var batch = SequenceBatch<double>.Create(part, targetsPerStep: perStep);
            var output = network.Forward(batch);
            var grad = new double[output.Rows * output.Outputs];
            loss.Evaluate(output.SortedLogits, batch.Targets, output.RowMask, output.Rows, output.Outputs, grad, out double weight);
            for (int i = 0; i < grad.Length; i++) grad[i] *= weight;
            network.Parameters.ZeroGradients();
            network.Backward(grad);
            logits = Enumerable.Range(0, part.Length).Select(output.LogitsOf).ToArray();
            return (double[])network.Parameters.Gradients.Clone();
        }

        double[] together = GradientOfTotalLoss(examples, out var batchLogits);
        var alone = new double[together.Length];
        for (int i = 0; i < examples.Length; i++)
        {
            double[] single = GradientOfTotalLoss([examples[i]], out var singleLogits);
            for (int j = 0; j < alone.Length; j++) alone[j] += single[j];
            Assert.Equal(singleLogits[0].Length, batchLogits[i].Length);
            for (int j = 0; j < singleLogits[0].Length; j++) Assert.Equal(singleLogits[0][j], batchLogits[i][j], 12);
        }
        for (int j = 0; j < alone.Length; j++) Assert.Equal(alone[j], together[j], 10);
    }

    [Theory]
    [InlineData(CellKind.SimpleRnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void SteppingOneStepAtATimeEqualsTheWholeSequence(CellKind cell)
    {
        var random = new Random(4);
        var options = new NetworkOptions { Cell = cell, Input = InputKind.EmbeddedTokens, VocabularySize = 9, EmbeddingSize = 4, HiddenSize = 5, Layers = 2, Head = HeadKind.EveryStep, Outputs = 3 };
        var network = new RecurrentNetwork<float>(options, seed: 2);
        var sequences = new[] { 5, 2, 4 }.Select(length => TestData.RandomSequence<float>(options, length, random)).ToArray();
        var whole = network.Forward(SequenceBatch<float>.Create(sequences));
        var wholeLogits = Enumerable.Range(0, sequences.Length).Select(whole.LogitsOf).ToArray();

        for (int i = 0; i < sequences.Length; i++)
        {
            RecurrentState<float>? state = null;
            for (int t = 0; t < sequences[i].Length; t++)
            {
                (float[] logits, state) = network.Step([Sequence<float>.FromTokens(sequences[i].Tokens![t])], state);
                for (int k = 0; k < 3; k++) Assert.Equal(wholeLogits[i][t * 3 + k], logits[k], 5);
            }
        }
    }

    [Fact]
    public void SteppingABidirectionalNetworkIsRefused()
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { Bidirectional = true, HiddenSize = 2 });
        var error = Assert.Throws<InvalidOperationException>(() => network.Step([Sequence<float>.FromFeatures([1f], 1)], null));
        Assert.Contains("bidirectional", error.Message);
    }

    [Theory]
    [MemberData(nameof(CellsAndDirections))]
    public void ExportedWeightsImportIntoAFreshNetworkWithIdenticalOutputs(CellKind cell, bool bidirectional)
    {
        var options = new NetworkOptions { Cell = cell, Bidirectional = bidirectional, Input = InputKind.EmbeddedTokens, VocabularySize = 7, EmbeddingSize = 3, HiddenSize = 4, Layers = 2, Outputs = 2 };
        var source = new RecurrentNetwork<float>(options, seed: 1);
        TestData.Jitter(source, new Random(1));
        var target = new RecurrentNetwork<float>(options, seed: 2);
        var sequences = new[] { Sequence<float>.FromTokens(1, 2, 3), Sequence<float>.FromTokens(6) };
        Assert.NotEqual(source.Predict(sequences)[0], target.Predict(sequences)[0]);

        var exported = source.Export();
        target.Import(exported);

        Assert.Equal(source.Parameters.Values, target.Parameters.Values);
        Assert.Equal(source.Predict(sequences)[0], target.Predict(sequences)[0]);
        int dirs = bidirectional ? 2 : 1, gates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        var w1 = exported.Single(t => t.Name == "layer1.W");
        Assert.Equal([dirs, gates * 4, dirs * 4], w1.Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RescaledOutputsAreTheScaleTimesTheOutputsPlusTheShiftAndRescaleBack(bool wide)
    {
        var options = new NetworkOptions { Cell = CellKind.Gru, FeaturesPerStep = 2, HiddenSize = 3, Outputs = 2, Pooling = Pooling.Mean, SideFeatures = wide ? 5 : 0 };
        var network = new RecurrentNetwork<float>(options, seed: 3);
        var random = new Random(3);
        // The wide part starts at zero: jittered, its share of each output must be scaled too.
        TestData.Jitter(network, random);
        var sequences = TestData.RaggedLengths.Select(length => TestData.RandomSequence<float>(options, length, random)).ToArray();
        var outputs = network.Predict(sequences);

        network.RescaleOutputs(-2.5f, 40f);
        var rescaled = network.Predict(sequences);
        for (int row = 0; row < sequences.Length; row++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(-2.5f * outputs[row][k] + 40f, rescaled[row][k], 1e-4f);

        network.RescaleOutputs(1 / -2.5f, 40f / 2.5f);
        var back = network.Predict(sequences);
        for (int row = 0; row < sequences.Length; row++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(outputs[row][k], back[row][k], 1e-5f);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.RescaleOutputs(0f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.RescaleOutputs(1f, float.NaN));
    }

    [Theory]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Gru, true)]
    [InlineData(CellKind.SimpleRnn, true)]
    public void RescaledInputsAnswerForStepsWhatTheNetworkAnsweredForTheirScaledAndShiftedValues(CellKind cell, bool bidirectional)
    {
        var options = new NetworkOptions { Cell = cell, Bidirectional = bidirectional, FeaturesPerStep = 3, HiddenSize = 4, Layers = 2, Outputs = 2, Pooling = Pooling.Max };
        var network = new RecurrentNetwork<float>(options, seed: 4);
        var random = new Random(4);
        TestData.Jitter(network, random);
        var sequences = TestData.RaggedLengths.Select(length => TestData.RandomSequence<float>(options, length, random)).ToArray();
        // A scale of 0: the feature is read as its shift, whatever it is.
        float[] scale = [0.5f, -3f, 0f], shift = [2f, 0f, -70f];
        var moved = sequences.Select(s => Sequence<float>.FromFeatures(s.Features!.Select((v, k) => scale[k % 3] * v + shift[k % 3]).ToArray(), 3)).ToArray();
        var expected = network.Predict(moved);

        network.RescaleInputs(scale, shift);
        var outputs = network.Predict(sequences);
        for (int row = 0; row < sequences.Length; row++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(expected[row][k], outputs[row][k], 1e-4f);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.RescaleInputs([1f, float.NaN, 1f], [0f, 0f, 0f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.RescaleInputs([1f, 1f], [0f, 0f]));
        var tokens = new RecurrentNetwork<float>(new NetworkOptions { Input = InputKind.EmbeddedTokens, VocabularySize = 5, EmbeddingSize = 2, HiddenSize = 2 });
        Assert.Throws<InvalidOperationException>(() => tokens.RescaleInputs([1f], [0f]));
    }

    [Fact]
    public void ImportOfTwoBiasesAddsThemForCellsWithOne()
    {
        var options = new NetworkOptions { Cell = CellKind.Lstm, FeaturesPerStep = 2, HiddenSize = 3 };
        var network = new RecurrentNetwork<float>(options);
        var weights = network.Export().Select(t => t.Name == "layer0.B" ? t with { Values = Enumerable.Repeat(0.25f, t.Values.Length).ToArray() } : t);
        network.Import(weights);
        Assert.All(network.Parameters.Value(network.Parameters["layer0.forward.bias"]).ToArray(), b => Assert.Equal(0.5f, b));
        Assert.All(network.Export().Single(t => t.Name == "layer0.B").Values.Skip(12), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void ImportRejectsMissingAndMisshapenWeightsWithoutWritingAnything()
    {
        var network = new RecurrentNetwork<float>(new NetworkOptions { FeaturesPerStep = 2, HiddenSize = 3 });
        var before = (float[])network.Parameters.Values.Clone();
        var exported = network.Export();
        var wrongShape = exported.Select(t => t.Name == "layer0.R" ? t with { Shape = [1, 3, 12], Values = new float[36] } : t with { Values = new float[t.Values.Length] });
        var error = Assert.Throws<ArgumentException>(() => network.Import(wrongShape));
        Assert.Contains("layer0.R", error.Message);
        Assert.Contains("[1, 12, 3]", error.Message);
        Assert.Equal(before, network.Parameters.Values);
        var missing = Assert.Throws<ArgumentException>(() => network.Import(exported.Where(t => t.Name != "head.bias")));
        Assert.Contains("head.bias", missing.Message);
    }

    [Fact]
    public void InitialisationIsXavierOrthogonalAndForgetBiasOne()
    {
        var network = new RecurrentNetwork<double>(new NetworkOptions { Cell = CellKind.Lstm, FeaturesPerStep = 6, HiddenSize = 10 }, seed: 3);
        var cell = Assert.Single(network.Cells);
        var p = network.Parameters;
        double limit = Math.Sqrt(6.0 / (6 + 10));
        Assert.All(p.Value(cell.InputWeights).ToArray(), w => Assert.InRange(w, -limit, limit));
        var recurrent = p.Value(cell.RecurrentWeights).ToArray();
        for (int gate = 0; gate < 4; gate++)
            for (int a = 0; a < 10; a++)
                for (int b = 0; b < 10; b++)
                {
                    double dot = Enumerable.Range(0, 10).Sum(row => recurrent[row * 40 + gate * 10 + a] * recurrent[row * 40 + gate * 10 + b]);
                    Assert.Equal(a == b ? 1.0 : 0.0, dot, 9);
                }
        var bias = p.Value(cell.Bias).ToArray();
        for (int j = 0; j < 40; j++) Assert.Equal(j / 10 == LstmGate.Forget ? 1.0 : 0.0, bias[j]);
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        var tokens = new RecurrentNetwork<float>(new NetworkOptions { Input = InputKind.OneHotTokens, VocabularySize = 5, HiddenSize = 2 });
        var outOfRange = Assert.Throws<ArgumentException>(() => tokens.Predict([Sequence<float>.FromTokens(1, 2), Sequence<float>.FromTokens(0, 7)]));
        Assert.Contains("Sequence 1 has token id 7 at step 1", outOfRange.Message);
        Assert.Contains("[0, 5)", outOfRange.Message);

        var empty = Assert.Throws<ArgumentException>(() => tokens.Predict([Sequence<float>.FromTokens(1), Sequence<float>.FromTokens()]));
        Assert.Contains("Sequence 1 is empty", empty.Message);

        var numeric = new RecurrentNetwork<float>(new NetworkOptions { FeaturesPerStep = 2, HiddenSize = 2 });
        var nan = Assert.Throws<ArgumentException>(() => numeric.Predict([Sequence<float>.FromFeatures([1f, 2f, float.NaN, 0f], 2)]));
        Assert.Contains("step 1, feature 0", nan.Message);
        var width = Assert.Throws<ArgumentException>(() => numeric.Predict([Sequence<float>.FromFeatures([1f, 2f, 3f], 3)]));
        Assert.Contains("3 features per step", width.Message);
        Assert.Throws<ArgumentException>(() => numeric.Predict([Sequence<float>.FromTokens(1)]));

        var options = Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 0 }));
        Assert.Contains("HiddenSize", options.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentNetwork<float>(new NetworkOptions { Dropout = 1 }));
        Assert.Contains("InputDropout", Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentNetwork<float>(new NetworkOptions { Input = InputKind.OneHotTokens, VocabularySize = 3, InputDropout = 0.2 })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentNetwork<float>(new NetworkOptions { Input = InputKind.EmbeddedTokens, VocabularySize = 3 }));

        var wide = new RecurrentNetwork<float>(new NetworkOptions { FeaturesPerStep = 1, HiddenSize = 2, SideFeatures = 4 });
        var step = Sequence<float>.FromFeatures([1f], 1);
        Assert.Contains("carry none", Assert.Throws<ArgumentException>(() => wide.Predict([step])).Message);
        var slot = Assert.Throws<ArgumentException>(() => wide.Predict([step.WithSide(new SideFeatures<float>([1], [1f])), step.WithSide(new SideFeatures<float>([0, 4], [1f, 2f]))]));
        Assert.Contains("Sequence 1 has a side feature at slot 4", slot.Message);
        Assert.Contains("on every sequence or on none", Assert.Throws<ArgumentException>(() => wide.Predict([step.WithSide(new SideFeatures<float>([1], [1f])), step])).Message);
        Assert.Contains("no wide part", Assert.Throws<ArgumentException>(() => numeric.Predict([Sequence<float>.FromFeatures([1f, 2f], 2).WithSide(new SideFeatures<float>([0], [1f]))])).Message);
        Assert.Contains("slot 3", Assert.Throws<ArgumentException>(() => new SideFeatures<float>([3], [float.PositiveInfinity])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SideFeatures<float>([-1], [1f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentNetwork<float>(new NetworkOptions { Head = HeadKind.EveryStep, SideFeatures = 4 }));

        var badLabel = Assert.Throws<ArgumentException>(() =>
            new BinaryCrossEntropy<float>().Evaluate([0f, 0f], [1f, 2f], default, 2, 1, new float[2]));
        Assert.Contains("row 1", badLabel.Message);
        var badClass = Assert.Throws<ArgumentException>(() =>
            new SoftmaxCrossEntropy<float>().Evaluate([0f, 0f, 0f], [3f], default, 1, 3, new float[3]));
        Assert.Contains("[0, 3)", badClass.Message);
    }

    [Fact]
    public void LossesMatchTheirClosedForms()
    {
        var grad = new double[2];
        // BCE at logit 0 is ln 2, gradient σ(0) − y = ±1/2, averaged over 2 rows.
        Assert.Equal(Math.Log(2), new BinaryCrossEntropy<double>().Evaluate([0.0, 0.0], [1.0, 0.0], default, 2, 1, grad), 12);
        Assert.Equal([-0.25, 0.25], grad);
        // Weighted softmax CE: rows of class 0 (weight 1) and 1 (weight 3), uniform logits: each −ln(1/2).
        var softmax = new SoftmaxCrossEntropy<double>([1.0, 3.0]);
        var g4 = new double[4];
        Assert.Equal(Math.Log(2), softmax.Evaluate([0.0, 0.0, 0.0, 0.0], [0.0, 1.0], default, 2, 2, g4), 12);
        Assert.Equal([-0.125, 0.125, 0.375, -0.375], g4);
        // MSE with a masked row: only the first row counts.
        var g = new double[2];
        Assert.Equal(4.0, new MeanSquaredError<double>().Evaluate([3.0, 100.0], [1.0, 0.0], [1, 0], 2, 1, g), 12);
        Assert.Equal([4.0, 0.0], g);
    }
}
