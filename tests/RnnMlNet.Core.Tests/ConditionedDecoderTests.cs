using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>One-to-many from a numeric condition: h₀ = tanh(c·W + b) starts the language model.</summary>
public class ConditionedDecoderTests
{
    [Theory]
    [InlineData(CellKind.Lstm, 2)]
    [InlineData(CellKind.Gru, 1)]
    public void GradientsMatchFiniteDifferences(CellKind cell, int layers)
    {
        var random = new Random(4);
        var model = new ConditionedDecoder<double>(new NetworkOptions
        {
            Cell = cell, Input = InputKind.EmbeddedTokens, VocabularySize = 6, EmbeddingSize = 3, HiddenSize = 3, Layers = layers,
            Head = HeadKind.EveryStep, Outputs = 6, Threads = 1,
        }, conditionWidth: 2, seed: 1);
        TestData.Jitter(model.Decoder, random);
        var batch = new[] { 3, 1, 4 }.Select(length => new LabeledSequence<double>(
            Sequence<double>.FromTokens(Enumerable.Range(0, length).Select(_ => random.Next(6)).ToArray()),
            [.. TestData.RandomArray<double>(2, random), .. Enumerable.Range(0, length).Select(_ => (double)random.Next(6))])).ToArray();

        model.Parameters.ZeroGradients();
        model.ComputeGradients(batch, new Random(1));
        var analytic = (double[])model.Parameters.Gradients.Clone();
        FiniteDifferences.AssertMatches(model.Parameters.Values, analytic, () => model.Evaluate(batch).Loss, model.Parameters.Entries);
        var (weights, _) = model.Condition;
        Assert.Contains(analytic.AsSpan(weights.Offset, weights.Length).ToArray(), g => Math.Abs(g) > 1e-8);
    }
}
