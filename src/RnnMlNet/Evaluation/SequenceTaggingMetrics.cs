using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Evaluation;

/// <summary>Precision, recall and F1 of one tag, over every step of every row.</summary>
public sealed record TagMetrics(string Tag, double Precision, double Recall, double F1, long Support);

/// <summary>How well predicted tags match the labels, step by step.</summary>
public sealed class SequenceTaggingMetrics
{
    internal SequenceTaggingMetrics(double tokenAccuracy, long tokens, IReadOnlyList<TagMetrics> perTag)
    {
        TokenAccuracy = tokenAccuracy;
        Tokens = tokens;
        PerTag = perTag;
        MacroF1 = perTag.Count == 0 ? 0 : perTag.Average(t => t.F1);
    }

    /// <summary>Fraction of steps whose predicted tag is the label.</summary>
    public double TokenAccuracy { get; }

    /// <summary>Number of steps evaluated.</summary>
    public long Tokens { get; }

    /// <summary>One entry per tag, in key order.</summary>
    public IReadOnlyList<TagMetrics> PerTag { get; }

    /// <summary>Mean F1 over the tags.</summary>
    public double MacroF1 { get; }

    /// <summary>Compares two key-vector columns of the same key type row by row, step by step; a step whose label is missing
    /// (key 0) is left out, and so is a row without labels whose prediction has at most one tag (an empty row, which the
    /// tagger gives one tag scored NaN). Rows of other lengths are refused, naming the row.</summary>
    public static SequenceTaggingMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(data);
        var label = SchemaChecks.Find(data.Schema, labelColumnName, "a vector of key labels");
        var predicted = SchemaChecks.Find(data.Schema, predictedLabelColumnName, "a vector of predicted keys");
        if (label.Type is not VectorDataViewType { ItemType: KeyDataViewType labelKey } || predicted.Type is not VectorDataViewType { ItemType: KeyDataViewType predictedKey } || labelKey.Count != predictedKey.Count)
            throw new ArgumentOutOfRangeException(nameof(data), $"Columns '{labelColumnName}' ({label.Type}) and '{predictedLabelColumnName}' ({predicted.Type}) must be key vectors of the same key count.");
        // Keys are compared by number, so both columns must name each key alike.
        if (Trainers.LabelKeyValues.FirstDifferentKey(predicted, label) is { } differs)
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{labelColumnName}' maps key {differs.Key} to '{differs.Theirs}', and '{predictedLabelColumnName}' to '{differs.Ours}'; " +
                "map the labels with the label map the model was trained with (a MapValueToKey fitted on the evaluated data alone orders the keys differently).");
        int tags = (int)labelKey.Count;
        var truePositives = new long[tags + 1];
        var labelled = new long[tags + 1];
        var predictedCount = new long[tags + 1];
        long steps = 0, correct = 0;
        using var cursor = data.GetRowCursor([label, predicted]);
        var labelGetter = KeyColumns.VectorGetter(cursor, label);
        var predictedGetter = KeyColumns.VectorGetter(cursor, predicted);
        VBuffer<uint> labels = default, predictions = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            labelGetter(ref labels);
            predictedGetter(ref predictions);
            // An empty row has no step to evaluate; the tagger gives it one tag (scored NaN), which is left out with it.
            if (labels.Length == 0 && predictions.Length <= 1) continue;
            if (labels.Length != predictions.Length)
                throw new InvalidOperationException($"Row {row}: '{predictedLabelColumnName}' has {predictions.Length} tags and '{labelColumnName}' {labels.Length}; " +
                    "they must align, one tag per step.");
            int step = 0;
            foreach (var (truth, guess) in labels.DenseValues().Zip(predictions.DenseValues()))
            {
                if (truth > tags || guess > tags)
                    throw new InvalidOperationException($"Row {row}, step {step}: key {Math.Max(truth, guess)} of '{(truth > tags ? labelColumnName : predictedLabelColumnName)}' is past its key type's {tags} tags.");
                step++;
                // A missing tag (key 0) is left out, as ML.NET's evaluators leave out rows without a label.
                if (truth == 0) continue;
                steps++;
                labelled[truth]++;
                predictedCount[guess]++;
                if (truth == guess)
                {
                    correct++;
                    truePositives[truth]++;
                }
            }
        }
        var names = SchemaChecks.KeyNames(label, tags);
        var perTag = Enumerable.Range(1, tags).Select(k =>
        {
            double precision = predictedCount[k] == 0 ? 0 : (double)truePositives[k] / predictedCount[k];
            double recall = labelled[k] == 0 ? 0 : (double)truePositives[k] / labelled[k];
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new TagMetrics(names[k - 1], precision, recall, f1, labelled[k]);
        }).ToList();
        return new SequenceTaggingMetrics(steps == 0 ? 0 : (double)correct / steps, steps, perTag);
    }
}
