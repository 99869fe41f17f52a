using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Tests;

/// <summary>Sequence to sequence: gradients through decoder, bridge and encoder; learning to reverse digit strings.</summary>
public class EncoderDecoderTests
{
    private static LabeledSequence<T>[] Reversals<T>(int count, int maxLength, Random random) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Enumerable.Range(0, count).Select(_ =>
        {
            // Source digits 0–9 are ids 1–10; target digits are ids 3–12 (after the three specials), reversed.
            var digits = Enumerable.Range(0, random.Next(1, maxLength + 1)).Select(_ => random.Next(10)).ToArray();
            return new LabeledSequence<T>(Sequence<T>.FromTokens(digits.Select(d => d + 1).ToArray()),
                digits.Reverse().Select(d => T.CreateChecked(d + 3)).ToArray());
        }).ToArray();

    /// <summary>ForgetGateBias reaches the encoder's and the decoder's LSTM forget gates (their Wb and Rb blocks sum to it),
    /// and a sequence-to-sequence checkpoint's fingerprint names it.</summary>
    [Fact]
    public void ForgetGateBiasStartsTheEncodersAndTheDecodersForgetGates()
    {
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions { SourceVocabularySize = 6, TargetVocabularySize = 7, HiddenSize = 3, ForgetGateBias = 2.5, Threads = 1 }, seed: 1);
        foreach (var network in new[] { model.Encoder, model.Decoder })
        {
            int hidden = network.Options.HiddenSize;
            // B = [Wb, Rb], each of the gates' blocks in ONNX's order i, o, f, c.
            var b = network.Export().Single(w => w.Name == "layer0.B").Values;
            Assert.All(Enumerable.Range(2 * hidden, hidden), j => Assert.Equal(2.5, b[j] + b[4 * hidden + j], 12));
        }
        Assert.Contains("forget gate bias 2.5", ((ITrainingObjective<double>)model).TrainingSettings);
    }

    [Theory]
    [InlineData(CellKind.Lstm, false, Attention.None)]
    [InlineData(CellKind.Lstm, true, Attention.None)]
    [InlineData(CellKind.Gru, true, Attention.None)]
    [InlineData(CellKind.SimpleRnn, false, Attention.None)]
    [InlineData(CellKind.Lstm, false, Attention.General)]
    [InlineData(CellKind.Lstm, true, Attention.General)]
    [InlineData(CellKind.Gru, true, Attention.Dot)]
    [InlineData(CellKind.SimpleRnn, false, Attention.Dot)]
    public void GradientsMatchFiniteDifferences(CellKind cell, bool bidirectional, Attention attention)
    {
        var random = new Random(3);
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions
        {
            Cell = cell, SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 3, HiddenSize = 2, Layers = 2, BidirectionalEncoder = bidirectional,
            Attention = attention, Threads = 1,
        }, seed: 1);
        TestData.Jitter(model.Decoder, random);
        var batch = Reversals<double>(3, 4, random);
        model.Parameters.ZeroGradients();
        model.ComputeGradients(batch, new Random(1));
        var analytic = (double[])model.Parameters.Gradients.Clone();
        FiniteDifferences.AssertMatches(model.Parameters.Values, analytic, () => model.Evaluate(batch).Loss, model.Parameters.Entries);
        if (attention == Attention.None)
        {
            // Without attention the bridge is the encoder's only way to the loss.
            var firstLayer = model.Parameters.Entries.Where(e => e.Name.StartsWith("encoder.layer0", StringComparison.Ordinal));
            Assert.True(firstLayer.Any(e => analytic.AsSpan(e.Offset, e.Length).ToArray().Any(g => Math.Abs(g) > 1e-8)),
                "No gradient reached the encoder's first layer: the bridge carries nothing back.");
            return;
        }
        var attentionWeights = model.Parameters.Entries.Where(e => e.Name.StartsWith("attention.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(attention == Attention.General ? 3 : 2, attentionWeights.Length);
        Assert.All(attentionWeights, e => Assert.Contains(analytic.AsSpan(e.Offset, e.Length).ToArray(), g => Math.Abs(g) > 1e-8));
    }

    [Fact]
    public void GradientsWithDropoutMatchFiniteDifferencesUnderFixedMasks()
    {
        var random = new Random(8);
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions
        {
            SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 3, HiddenSize = 2, Layers = 2, BidirectionalEncoder = true,
            Dropout = 0.3, InputDropout = 0.3, OutputDropout = 0.3, Threads = 1,
        }, seed: 1);
        TestData.Jitter(model.Decoder, random);
        var batch = Reversals<double>(3, 4, random);
        // The same seed draws the same masks, so the training loss is a fixed function of the weights.
        double TrainingLoss()
        {
            model.Parameters.ZeroGradients();
            return model.ComputeGradients(batch, new Random(1)).Loss;
        }
        double withMasks = TrainingLoss();
        var analytic = (double[])model.Parameters.Gradients.Clone();
        Assert.NotEqual(model.Evaluate(batch).Loss, withMasks, 1e-9);
        FiniteDifferences.AssertMatches(model.Parameters.Values, analytic, TrainingLoss, model.Parameters.Entries);
    }

    [Theory]
    [InlineData(Attention.Dot)]
    [InlineData(Attention.General)]
    public void ARaggedBatchGivesWhatEachPairGivesAlone(Attention attention)
    {
        // Sources and targets of different lengths, so both the encoder's and the decoder's padding are in play.
        var random = new Random(5);
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions
        {
            SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 3, HiddenSize = 3, BidirectionalEncoder = true, Attention = attention, Threads = 1,
        }, seed: 4);
        TestData.Jitter(model.Decoder, random);
        var batch = new[]
        {
            new LabeledSequence<double>(Sequence<double>.FromTokens(1, 2), [3, 4, 5, 6]),
            new LabeledSequence<double>(Sequence<double>.FromTokens(3, 4, 5, 6, 7, 8), [7]),
            new LabeledSequence<double>(Sequence<double>.FromTokens(9, 10, 1), [8, 9]),
        };
        model.Parameters.ZeroGradients();
        var together = model.ComputeGradients(batch, new Random(1));
        var batchGradient = (double[])model.Parameters.Gradients.Clone();
        var aloneGradient = new double[batchGradient.Length];
        double aloneLoss = 0, aloneWeight = 0;
        foreach (var pair in batch)
        {
            model.Parameters.ZeroGradients();
            var (loss, weight) = model.ComputeGradients([pair], new Random(1));
            // The loss is a mean over tokens: weigh each pair's mean by its tokens to sum it.
            aloneLoss += loss * weight;
            aloneWeight += weight;
            for (int i = 0; i < aloneGradient.Length; i++) aloneGradient[i] += model.Parameters.Gradients[i] * weight;
        }
        Assert.Equal(aloneWeight, together.Weight);
        Assert.Equal(aloneLoss / aloneWeight, together.Loss, 1e-12);
        for (int i = 0; i < aloneGradient.Length; i++) Assert.Equal(aloneGradient[i] / aloneWeight, batchGradient[i], 1e-12);

        var decoded = model.DecodeGreedyWithAttention(batch.Select(e => e.Input).ToList(), maximumLength: 6);
        for (int i = 0; i < batch.Length; i++)
        {
            var alone = model.DecodeGreedyWithAttention([batch[i].Input], maximumLength: 6);
            Assert.Equal(alone.Tokens[0], decoded.Tokens[i]);
            Assert.Equal(decoded.Tokens[i].Length, decoded.Attention[i].Length);
            for (int step = 0; step < decoded.Attention[i].Length; step++)
            {
                Assert.Equal(batch[i].Input.Length, decoded.Attention[i][step].Length);
                Assert.Equal(1.0, decoded.Attention[i][step].Sum(), 1e-12);
                Assert.Equal(alone.Attention[0][step], decoded.Attention[i][step], (a, b) => Math.Abs(a - b) < 1e-12);
            }
        }
    }

    [Fact]
    public void LearnsToReverseShortDigitStrings()
    {
        var random = new Random(7);
        var train = Reversals<float>(1500, 5, random);
        var test = Reversals<float>(200, 5, random);
        var model = new EncoderDecoder<float>(new EncoderDecoderOptions
        {
            SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 16, HiddenSize = 48, BidirectionalEncoder = true,
        }, seed: 2);
        new RecurrentTrainer<float>(model, new TrainingOptions { Epochs = 12, BatchSize = 32, LearningRate = 0.01, Seed = 2 }).Fit(train);

        var decoded = model.DecodeGreedy(test.Select(e => e.Input).ToList(), maximumLength: 8);
        double exact = test.Select((e, i) => decoded[i].SequenceEqual(e.Target.Select(t => (int)t))).Count(ok => ok) / (double)test.Length;
        Assert.True(exact > 0.9, $"Exact-match accuracy {exact:P1}.");
    }

    /// <summary>
    /// A beam wide enough to keep every output of up to three tokens answers with the output whose summed log-probability
    /// divided by its length (tokens and end) to the power of the length penalty is highest: checked against every ended
    /// output of one or two tokens, each scored by the teacher-forced loss, which decodes nothing. Without the penalty the
    /// empty output wins there, as every token lowers the sum. (Networks of random weights, seeded, chosen so that each
    /// penalty's answer is one of those outputs.)
    /// </summary>
    [Theory]
    [InlineData(7, 1.0)]
    [InlineData(1, 2.0)]
    public void AWideBeamAnswersWithTheOutputOfBestRankForTheLengthPenalty(int seed, double lengthPenalty)
    {
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions { SourceVocabularySize = 4, TargetVocabularySize = 5, EmbeddingSize = 3, HiddenSize = 4, Threads = 1 }, seed);
        var random = new Random(seed);
        var values = model.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] += random.NextDouble() * 2 - 1;
        var source = Sequence<double>.FromTokens(1, 2, 3);
        // Every token but the end; 125 beams keep every output of up to three tokens (85 of them at the third step).
        int[] tokens = [0, 1, 3, 4];
        var ended = tokens.Select(t => new[] { t }).Concat(tokens.SelectMany(first => tokens.Select(second => new[] { first, second }))).ToList();
        double Rank(int[] output)
        {
            var (loss, weight) = model.Evaluate([new LabeledSequence<double>(source, output.Select(t => (double)t).ToArray())]);
            return -loss * weight / Math.Pow(output.Length + 1, lengthPenalty);
        }

        Assert.Empty(model.DecodeBeam(source, beamWidth: 125, maximumLength: 3, lengthPenalty: 0));
        var answer = model.DecodeBeam(source, beamWidth: 125, maximumLength: 3, lengthPenalty);
        Assert.Contains(ended, output => output.SequenceEqual(answer));
        Assert.All(ended, output => Assert.True(Rank(output) <= Rank(answer) + 1e-12,
            $"[{string.Join(' ', output)}] ranks {Rank(output)}, above the answer [{string.Join(' ', answer)}] at {Rank(answer)}."));
    }

    [Fact]
    public void AnEmptyTargetIsRejected()
    {
        var model = new EncoderDecoder<float>(new EncoderDecoderOptions { SourceVocabularySize = 5, TargetVocabularySize = 6, HiddenSize = 2 });
        var error = Assert.Throws<ArgumentException>(() => model.Evaluate([new LabeledSequence<float>(Sequence<float>.FromTokens(1), [])]));
        Assert.Contains("empty target", error.Message);
    }
}

/// <summary>Long sequences, where the encoder's final state cannot carry the whole source and attention is necessary.</summary>
public class LongSequenceAttentionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Reversals of 30–50 distinct symbols out of 60: each output token must be found in the source.</summary>
    private static LabeledSequence<float>[] LongReversals(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var symbols = Enumerable.Range(0, 60).OrderBy(_ => random.Next()).Take(random.Next(30, 51)).ToArray();
            return new LabeledSequence<float>(Sequence<float>.FromTokens(symbols.Select(s => s + 1).ToArray()),
                symbols.Reverse().Select(s => (float)(s + 3)).ToArray());
        }).ToArray();

    [Fact]
    public void AttentionLearnsToReverseLongSequencesWhereTheFinalStateCannot()
    {
        var random = new Random(11);
        var train = LongReversals(3000, random);
        var test = LongReversals(100, random);
        double TokenAccuracy(Attention attention)
        {
            var model = new EncoderDecoder<float>(new EncoderDecoderOptions
            {
                SourceVocabularySize = 61, TargetVocabularySize = 63, EmbeddingSize = 16, HiddenSize = 32, BidirectionalEncoder = true, Attention = attention,
            }, seed: 3);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            new RecurrentTrainer<float>(model, new TrainingOptions { Epochs = 8, BatchSize = 32, LearningRate = 0.01, Seed = 3 }).Fit(train);
            var decoded = model.DecodeGreedy(test.Select(e => e.Input).ToList(), maximumLength: 55);
            // Position by position against the reference; a missing or extra token counts as wrong.
            double correct = test.Select((e, i) => e.Target.Zip(decoded[i]).Count(p => (int)p.First == p.Second)).Sum();
            double accuracy = correct / test.Sum(e => e.Target.Length);
            output.WriteLine($"{attention}: token accuracy {accuracy:P1}, {clock.Elapsed.TotalSeconds:F0}s");
            return accuracy;
        }
        double without = TokenAccuracy(Attention.None), with = TokenAccuracy(Attention.General);
        Assert.True(with > 0.9, $"With attention the token accuracy is {with:P1}; expected above 90%.");
        Assert.True(without < 0.5, $"Without attention the token accuracy is {without:P1}; expected below 50% (the test would not show the gap).");
    }
}

/// <summary>The attention layer on its own.</summary>
public class AttentionLayerTests
{
    [Fact]
    public void LargeScoresGiveFiniteWeights()
    {
        // Scores of 20,000 and −5,000: exp overflows unless the softmax is shifted by the largest score.
        var parameters = new Parameters.ParameterSet<float>();
        var layer = new Layers.AttentionLayer<float>(parameters, "attention", Attention.Dot, 2, 2);
        parameters.Value(layer.Combine.Weights).Fill(0.01f);
        layer.SetMemory([100, 100, -100, 50], steps: 2, rows: 1, lengths: [2], threads: 1);
        float[] attended = layer.Forward([100, 100], 1, [0], threads: 1);
        Assert.Equal([1f, 0f], layer.Weights.ToArray());
        Assert.All(attended.Take(2), v => Assert.True(float.IsFinite(v)));
    }
}
