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

    [Theory]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Lstm, true)]
    [InlineData(CellKind.Gru, true)]
    [InlineData(CellKind.SimpleRnn, false)]
    public void GradientsMatchFiniteDifferences(CellKind cell, bool bidirectional)
    {
        var random = new Random(3);
        var model = new EncoderDecoder<double>(new EncoderDecoderOptions
        {
            Cell = cell, SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 3, HiddenSize = 2, Layers = 2, BidirectionalEncoder = bidirectional, Threads = 1,
        }, seed: 1);
        TestData.Jitter(model.Decoder, random);
        var batch = Reversals<double>(3, 4, random);
        model.Parameters.ZeroGradients();
        model.ComputeGradients(batch, new Random(1));
        var analytic = (double[])model.Parameters.Gradients.Clone();
        FiniteDifferences.AssertMatches(model.Parameters.Values, analytic, () => model.Evaluate(batch).Loss, model.Parameters.Entries);
        var firstLayer = model.Parameters.Entries.Where(e => e.Name.StartsWith("encoder.layer0", StringComparison.Ordinal));
        Assert.True(firstLayer.Any(e => analytic.AsSpan(e.Offset, e.Length).ToArray().Any(g => Math.Abs(g) > 1e-8)),
            "No gradient reached the encoder's first layer: the bridge carries nothing back.");
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

    [Fact]
    public void AnEmptyTargetIsRejected()
    {
        var model = new EncoderDecoder<float>(new EncoderDecoderOptions { SourceVocabularySize = 5, TargetVocabularySize = 6, HiddenSize = 2 });
        var error = Assert.Throws<ArgumentException>(() => model.Evaluate([new LabeledSequence<float>(Sequence<float>.FromTokens(1), [])]));
        Assert.Contains("empty target", error.Message);
    }
}
