using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Sequences;
using RnnMlNet.Vocabulary;

namespace RnnMlNet.Tests;

/// <summary>BuildVocabulary and OneHotSequence: the estimator workout, their options, and bad input.</summary>
public class TransformEstimatorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class TokensRow
    {
        public string[] Tokens { get; set; } = [];
    }

    public sealed class KeysRow
    {
        [KeyType(6)]
        public uint[] Keys { get; set; } = [];
    }

    private IDataView Tokens(MLContext ml, params string[] texts) =>
        ml.Data.LoadFromEnumerable(texts.Select(t => new TokensRow { Tokens = t.Split(' ', StringSplitOptions.RemoveEmptyEntries) }));

    private IDataView Keys(MLContext ml, params uint[][] rows) => ml.Data.LoadFromEnumerable(rows.Select(k => new KeysRow { Keys = k }));

    [Fact]
    public void BuildVocabularyWorkout()
    {
        var ml = _temp.Context();
        var data = Tokens(ml, "a b c", "b c", "c d e f");
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.BuildVocabulary("Ids", "Tokens"), data, EstimatorWorkout.ShapeOf<TokensRow>(), ["Ids"]);
    }

    /// <summary>SplitIntoCharacters gives each Unicode character as itself (an emoji's surrogate pair as one; spaces, tabs
    /// and combining marks as they are), so BuildVocabulary over it holds the characters, where ML.NET's
    /// TokenizeIntoCharactersAsKeys reads back "&lt;␠&gt;" for a space and one token for every surrogate half (the eleventh
    /// exploratory pass); it saves and loads with the pipeline, and a column that is not text is refused by its name.</summary>
    [Fact]
    public void SplitIntoCharactersGivesTheCharactersThemselves()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new OptionsTests.TextRow { Text = "A👍 b\tc" }, new OptionsTests.TextRow { Text = "A🏽e\u0301" } });
        var model = ml.Transforms.Text.SplitIntoCharacters("Chars", "Text").Append(ml.Transforms.Text.BuildVocabulary("Ids", "Chars")).Fit(data);
        var characters = model.Transform(data).GetColumn<VBuffer<ReadOnlyMemory<char>>>("Chars").Select(v => v.DenseValues().Select(c => c.ToString()).ToArray()).ToList();
        Assert.Equal(["A", "👍", " ", "b", "\t", "c"], characters[0]);
        Assert.Equal(["A", "🏽", "e", "\u0301"], characters[1]);
        Assert.Equal(["A", "👍", " ", "b", "\t", "c", "🏽", "e", "\u0301"], ((ITransformer)model).GetVocabulary(data.Schema, "Ids"));

        string path = _temp.File("characters.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = _temp.Context().Model.Load(path, out _);
        Assert.Equal(EstimatorWorkout.Values(model.Transform(data), "Ids"), EstimatorWorkout.Values(loaded.Transform(data), "Ids"));
        (loaded as IDisposable)?.Dispose();

        var notText = Tokens(ml, "a b");
        var refusal = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SplitIntoCharacters("Chars", "Tokens").Fit(notText)).Message;
        Assert.Contains("Column 'Tokens' is ", refusal);
        Assert.Contains("expected a scalar text column to split into characters", refusal);
    }

    [Fact]
    public void VocabularyKeepsTheMostFrequentAboveTheMinimumAndMapsTheRestToKeyZero()
    {
        var ml = _temp.Context();
        var data = Tokens(ml, "x a b a", "b a c", "d");
        var model = ml.Transforms.Text.BuildVocabulary("Ids", "Tokens", maximumSize: 2, minimumCount: 2).Fit(data);
        Assert.Equal(["a", "b"], ((ITransformer)model).GetVocabulary(data.Schema, "Ids"));
        var ids = model.Transform(data).GetColumn<VBuffer<uint>>("Ids").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.Equal([0u, 1u, 2u, 1u], ids[0]);
        Assert.Equal([0u], ids[2]);

        // The estimator keeps the settings it checked: changing the options afterwards changes nothing.
        var options = new VocabularyEstimator.Options { OutputColumnName = "Ids", InputColumnName = "Tokens", MaximumSize = 2 };
        var estimator = ml.Transforms.Text.BuildVocabulary(options);
        options.MaximumSize = 0;
        var oneHot = new OneHotSequenceEstimator.Options { OutputColumnName = "OneHot", InputColumnName = "Ids", MaximumLength = 3 };
        var padding = ml.Transforms.Text.OneHotSequence(oneHot);
        oneHot.MaximumLength = 0;
        Assert.Equal(["a", "b"], ((ITransformer)estimator.Fit(data)).GetVocabulary(data.Schema, "Ids"));
        using var padded = padding.Fit(estimator.Fit(data).Transform(data));
        Assert.Equal(3, padding.Settings.MaximumLength);
    }

    [Fact]
    public void VocabularyRejectsBadInput()
    {
        var ml = _temp.Context();
        var data = Tokens(ml, "a b");
        var empty = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Text.BuildVocabulary("Ids", "Tokens", minimumCount: 5).Fit(data));
        Assert.Contains("Column 'Tokens': the vocabulary is empty: no token occurs at least 5 times (the most frequent occurs once); lower MinimumCount", empty.Message);
        // No token at all is told apart from too few of each.
        Assert.Contains("Column 'Tokens': the vocabulary is empty: the column holds no token",
            Assert.Throws<InvalidOperationException>(() => ml.Transforms.Text.BuildVocabulary("Ids", "Tokens").Fit(Tokens(ml, "", " "))).Message);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.BuildVocabulary("Ids", "Words").Fit(data));
        Assert.Contains("'Words'", missing.Message);
        var scalar = ml.Data.LoadFromEnumerable(new[] { new { Text = "a b" } });
        var mistyped = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.BuildVocabulary("Ids", "Text").Fit(scalar));
        Assert.Contains("vector of text tokens", mistyped.Message);
        // Options are refused when the estimator is made, naming the option and its value.
        foreach (var (build, name, message) in new (Func<object>, string, string)[]
        {
            (() => ml.Transforms.Text.BuildVocabulary("Ids", "Tokens", maximumSize: 0), "MaximumSize", "MaximumSize is 0; expected at least 1."),
            (() => ml.Transforms.Text.BuildVocabulary("Ids", "Tokens", minimumCount: -1), "MinimumCount", "MinimumCount is -1; expected at least 1."),
            (() => ml.Transforms.Text.BuildVocabulary(" ", "Tokens"), "OutputColumnName", "OutputColumnName is  ; expected a column name."),
            (() => ml.Transforms.Text.BuildVocabulary("Ids", ""), "InputColumnName", "InputColumnName is ; expected a column name, or null for the output column's."),
            (() => ml.Transforms.Text.OneHotSequence("OneHot", "Ids", maximumLength: 1), "MaximumLength", "MaximumLength is 1; expected at least 2 steps"),
            (() => ml.Transforms.Text.OneHotSequence("", "Ids", maximumLength: 3), "OutputColumnName", "OutputColumnName is ; expected a column name."),
            (() => ml.Transforms.Text.OneHotSequence("OneHot", " ", maximumLength: 3), "InputColumnName", "InputColumnName is  ; expected a column name, or null"),
        })
        {
            var refused = Assert.Throws<ArgumentOutOfRangeException>(build);
            Assert.Equal(name, refused.ParamName);
            Assert.StartsWith(message, refused.Message);
        }
    }

    [Fact]
    public void OneHotSequenceWorkout()
    {
        var ml = _temp.Context();
        var data = Keys(ml, [1, 2, 3], [6], [4, 5, 6, 1, 2]);
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.OneHotSequence("OneHot", "Keys", maximumLength: 4), data, EstimatorWorkout.ShapeOf<KeysRow>(), ["OneHot"]);
    }

    [Theory]
    [InlineData(SequenceSide.Post, SequenceSide.Post, new uint[] { 1, 2, 0 }, new uint[] { 1, 2, 3 })]
    [InlineData(SequenceSide.Pre, SequenceSide.Post, new uint[] { 0, 1, 2 }, new uint[] { 1, 2, 3 })]
    [InlineData(SequenceSide.Post, SequenceSide.Pre, new uint[] { 1, 2, 0 }, new uint[] { 2, 3, 4 })]
    [InlineData(SequenceSide.Pre, SequenceSide.Pre, new uint[] { 0, 1, 2 }, new uint[] { 2, 3, 4 })]
    public void PaddingAndTruncationSides(SequenceSide padding, SequenceSide truncation, uint[] shortRow, uint[] longRow)
    {
        var ml = _temp.Context();
        var data = Keys(ml, [1, 2], [1, 2, 3, 4]);
        using var model = ml.Transforms.Text.OneHotSequence("OneHot", "Keys", maximumLength: 3, padding, truncation).Fit(data);
        var rows = model.Transform(data).GetColumn<VBuffer<float>>("OneHot").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.Equal(shortRow, HotKeys(rows[0], 6));
        Assert.Equal(longRow, HotKeys(rows[1], 6));
    }

    public sealed class KnownSizeKeysRow
    {
        [KeyType(6), VectorType(4)]
        public uint[] Keys { get; set; } = [];
    }

    /// <summary>A known-size key column (a [VectorType(n)] property, or a fixed-length tokenizer's output) is padded and cut
    /// as a variable-size one with the same keys; it used to fail in ONNX Runtime, whose input was declared without its size.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public void AKnownSizeKeyColumnGivesWhatAVariableSizeOneGives(int maximumLength)
    {
        var ml = _temp.Context();
        uint[][] rows = [[1, 2, 3, 4], [4, 0, 6, 5]];
        var known = ml.Data.LoadFromEnumerable(rows.Select(k => new KnownSizeKeysRow { Keys = k }));
        Assert.True(known.Schema["Keys"].Type is VectorDataViewType { IsKnownSize: true });
        float[][] OneHot(IDataView data)
        {
            using var model = ml.Transforms.Text.OneHotSequence("OneHot", "Keys", maximumLength).Fit(data);
            return model.Transform(data).GetColumn<VBuffer<float>>("OneHot").Select(v => v.DenseValues().ToArray()).ToArray();
        }
        var expected = OneHot(Keys(ml, rows));
        Assert.Equal(rows[0].Take(maximumLength).Concat(Enumerable.Repeat(0u, Math.Max(0, maximumLength - 4))), HotKeys(expected[0], 6));
        Assert.Equal(expected, OneHot(known));
    }

    [Fact]
    public void OneHotSequenceRejectsBadInput()
    {
        var ml = _temp.Context();
        // One step would make a one-dimensional column, which the trainers read as float steps.
        foreach (int steps in new[] { 0, 1 })
        {
            var length = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.OneHotSequence("OneHot", "Keys", maximumLength: steps));
            Assert.StartsWith($"MaximumLength is {steps}; expected at least 2 steps", length.Message);
        }
        var tokens = Tokens(ml, "a b");
        var mistyped = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 3).Fit(tokens));
        Assert.Contains("'Tokens'", mistyped.Message);
        Assert.Contains("vector of keys", mistyped.Message);
    }

    /// <summary>Each row of [T, V] as its key: the hot column + 1, or 0 for a zero row.</summary>
    private static uint[] HotKeys(float[] oneHot, int v) =>
        Enumerable.Range(0, oneHot.Length / v).Select(t => (uint)(Array.IndexOf(oneHot, 1f, t * v, v) is int i and >= 0 ? i - t * v + 1 : 0)).ToArray();
}
