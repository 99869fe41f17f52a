using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Evaluation;
using RnnMlNet.Trainers;

/// <summary>
/// The word tagger's pipeline and its scoring on characters, shared by the sample and the quality benchmark.
/// </summary>
public static class Truecaser
{
    /// <summary>
    /// Words of the lower-cased text → vocabulary keys → tagger, whose Score column holds each word's class probabilities.
    /// The vocabulary maps words seen fewer than <paramref name="minimumCount"/> times to the unknown word: with 2, the
    /// words seen once train the unknown word's embedding, which every word the training years never used then reads.
    /// </summary>
    public static EstimatorChain<TransformerChain<ITransformer>> Pipeline(MLContext ml, SequenceTaggerOptions tagger, int minimumCount = 2) =>
        ml.Transforms.Text.TokenizeIntoWords("Words", nameof(LowerCaseText.Lower), Words.Separators)
            .Append(ml.Transforms.Text.BuildVocabulary(tagger.FeatureColumnName, "Words", minimumCount: minimumCount))
            .Append(ml.MulticlassClassification.Trainers.SequenceTagger(tagger));

    /// <summary>
    /// Maps <see cref="TaggedSentence.WordClasses"/> to the key column "Label", keys in the fixed order of
    /// <see cref="Words.Classes"/>. It stays outside the pipeline, so the saved model reads the text alone.
    /// </summary>
    public static ITransformer Labels(MLContext ml, IDataView sentences) =>
        ml.Transforms.Conversion.MapValueToKey("Label", nameof(TaggedSentence.WordClasses), keyData: Keys(ml, Words.Classes)).Fit(sentences);

    /// <summary>The scored rows' class probabilities, as character tags of their sentences.</summary>
    public static List<string[]> CharacterTags(IReadOnlyList<TaggedSentence> sentences, IDataView scored) =>
        scored.GetColumn<float[]>(nameof(Restoration.Score)).Select((score, i) => Words.CharacterTags(sentences[i].Lower, score)).ToList();

    /// <summary>Accuracy over every character, and precision, recall and F1 of "U", for any guess of the characters' tags.</summary>
    public static SequenceTaggingMetrics Score(MLContext ml, IReadOnlyList<TaggedSentence> sentences, IEnumerable<string[]> guesses)
    {
        var pairs = ml.Data.LoadFromEnumerable(sentences.Zip(guesses, (s, guess) => new TagPair { Tags = s.Tags, Guess = guess }));
        var tagKeys = Keys(ml, [Casing.Lower, Casing.Upper]);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagPair.Tags), keyData: tagKeys)
            .Append(ml.Transforms.Conversion.MapValueToKey("Guessed", nameof(TagPair.Guess), keyData: tagKeys));
        return SequenceTaggingMetrics.Evaluate(keys.Fit(pairs).Transform(pairs), "Label", "Guessed");
    }

    private static IDataView Keys(MLContext ml, IEnumerable<string> names) => ml.Data.LoadFromEnumerable(names.Select(n => new TagName { Tag = n }));

    /// <summary>A tag name, to fix the order of the keys.</summary>
    public sealed class TagName
    {
        public string Tag { get; set; } = "";
    }

    /// <summary>The true tags of a sentence beside a guess.</summary>
    public sealed class TagPair
    {
        public string[] Tags { get; set; } = [];
        public string[] Guess { get; set; } = [];
    }
}
