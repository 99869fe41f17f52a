using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>An ensemble predicts the mean of its members' logits, per row and per step, and takes only members that agree
/// on what they predict.</summary>
public class EnsembleTests
{
    private static RecurrentNetwork<float> Network(int seed, HeadKind head = HeadKind.LastHidden, int outputs = 3) =>
        new(new NetworkOptions { Input = InputKind.EmbeddedTokens, VocabularySize = 6, EmbeddingSize = 2, HiddenSize = 3, Head = head, Outputs = outputs }, seed);

    [Theory]
    [InlineData(HeadKind.LastHidden)]
    [InlineData(HeadKind.EveryStep)]
    public void TheEnsemblePredictsTheMeanOfItsMembersLogits(HeadKind head)
    {
        var members = new[] { Network(1, head), Network(2, head), Network(3, head) };
        Sequence<float>[] sequences = [Sequence<float>.FromTokens(1, 2, 3), Sequence<float>.FromTokens(5), Sequence<float>.FromTokens(4, 0)];
        var each = members.Select(m => m.Predict(sequences)).ToArray();
        var mean = new RecurrentEnsemble<float>(members).Predict(sequences);
        for (int i = 0; i < sequences.Length; i++)
        {
            Assert.Equal(each[0][i].Length, mean[i].Length);
            Assert.NotEqual(each[0][i], each[1][i]);
            for (int j = 0; j < mean[i].Length; j++)
                Assert.Equal((each[0][i][j] + each[1][i][j] + each[2][i][j]) / 3, mean[i][j], 1e-6f);
        }
    }

    [Fact]
    public void MembersThatPredictOtherThingsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new RecurrentEnsemble<float>([]));
        var outputs = Assert.Throws<ArgumentException>(() => new RecurrentEnsemble<float>([Network(1), Network(2, outputs: 2)]));
        Assert.Contains("3 outputs", outputs.Message);
        var head = Assert.Throws<ArgumentException>(() => new RecurrentEnsemble<float>([Network(1), Network(2, HeadKind.EveryStep)]));
        Assert.Contains("EveryStep", head.Message);
    }
}
