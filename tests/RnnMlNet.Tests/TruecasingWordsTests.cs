using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// The Truecasing sample's words (samples/Truecasing/Words.cs): its model tags the tokens ML.NET's tokenizer finds, and the
/// sample turns the tags back into characters by finding the words itself, so the two must agree on every text.
/// </summary>
public class TruecasingWordsTests
{
    public sealed class Line
    {
        public string Text { get; set; } = "";
    }

    [Theory]
    [InlineData("the u.s.-made mccain's \u201cquoted\u201d word\u2014and 1990s, na\u00efve caf\u00e9: it's 3pm!")]
    [InlineData("  two  spaces, a tab\tand 5\u20ac or \U0001F600 then \u00bfqu\u00e9?")]
    [InlineData("...")]
    public void MlNetsTokenizerFindsTheSameWords(string text)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Line { Text = text } });
        var tokens = ml.Transforms.Text.TokenizeIntoWords("Words", nameof(Line.Text), Words.Separators).Fit(data).Transform(data)
            .GetColumn<string[]>("Words").Single();
        var found = Words.Find(text).Select(w => text.Substring(w.Start, w.Length)).ToArray();
        Assert.Equal(found, tokens);
    }

    [Fact]
    public void CertainClassesTurnBackIntoTheOriginalCharacters()
    {
        const string Original = "The U.S. and NATO met McCain in Iraq's capital.";
        var classes = Words.ClassesOf(Original);
        Assert.Equal(["C", "C", "C", "l", "A", "l", "M", "l", "C", "l", "l"], classes);
        var lower = Original.ToLowerInvariant();
        var restored = Casing.Restore(lower, Words.CharacterTags(lower, Certain(classes)));
        // A mixed word comes back capitalised, the nearest a class can give; everything else comes back as it was.
        Assert.Equal(Original.Replace("McCain", "Mccain"), restored);
    }

    /// <summary>Each character takes its more probable tag, which need not be the most probable class's.</summary>
    [Theory]
    [InlineData(0.3f, 0.3f, 0.4f, 0f, "Word")]   // A is the likeliest class, yet the inner letters are upper-case with 0.4 only
    [InlineData(0.1f, 0.3f, 0.6f, 0f, "WORD")]
    [InlineData(0.6f, 0.1f, 0.1f, 0.2f, "word")] // upper-case first letter with 0.4
    [InlineData(0.4f, 0.2f, 0.1f, 0.3f, "Word")] // with 0.6, a mixed word counted as capitalised
    public void EachCharacterTakesItsMoreProbableTag(float lower, float capitalised, float allCaps, float mixed, string expected) =>
        Assert.Equal(expected, Casing.Restore("word", Words.CharacterTags("word", [lower, capitalised, allCaps, mixed])));

    /// <summary>
    /// The sample's pipeline end to end: a tagger trained on sentences where each word always has one class restores each
    /// class, so the tagger's Score slots are read in the order of <see cref="Words.Classes"/>.
    /// </summary>
    [Fact]
    public void TheSamplesPipelineRestoresEveryClass()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        string[] words = ["NATO", "Iraq", "met", "McCain", "and"];
        var sentences = Enumerable.Range(0, 300)
            .Select(_ => TaggedSentence.From(string.Join(' ', Enumerable.Range(0, random.Next(2, 7)).Select(_ => words[random.Next(words.Length)]))))
            .ToList();
        var labels = Truecaser.Labels(ml, ml.Data.LoadFromEnumerable(sentences));
        var tagger = new SequenceTaggerOptions { FeatureColumnName = "WordIds", EmbeddingSize = 4, HiddenSize = 8, Epochs = 40, ValidationFraction = 0, EnsembleSize = 1 };
        using var model = Truecaser.Pipeline(ml, tagger).Fit(labels.Transform(ml.Data.LoadFromEnumerable(sentences)));
        var probe = new[] { TaggedSentence.From("and NATO met McCain and Iraq") };
        var tags = Truecaser.CharacterTags(probe, model.Transform(ml.Data.LoadFromEnumerable(probe))).Single();
        Assert.Equal("and NATO met Mccain and Iraq", Casing.Restore(probe[0].Lower, tags));
    }

    /// <summary>Text without a word reaches the tagger as an empty row, which it scores as refused (NaN): nothing to upper-case.</summary>
    [Fact]
    public void TextWithoutAWordStaysAsItIs() =>
        Assert.Equal("2001: 9/11.", Casing.Restore("2001: 9/11.", Words.CharacterTags("2001: 9/11.", [float.NaN])));

    [Fact]
    public void ScoresForAnotherNumberOfWordsAreRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Words.CharacterTags("two words", Certain(["l"])));
        Assert.Contains("2 words but 4 class probabilities; expected 4 per word", error.Message);
    }

    /// <summary>Probability 1 for each word's class.</summary>
    private static float[] Certain(IReadOnlyList<string> classes) =>
        classes.SelectMany(c => Words.Classes.Select(k => k == c ? 1f : 0f)).ToArray();
}
