using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Generation;

namespace RnnMlNet.Evaluation;

/// <summary>How close produced texts are to their references: exact matches, and token error rate.</summary>
public sealed class SequenceToSequenceMetrics
{
    private SequenceToSequenceMetrics(double exactMatch, double tokenErrorRate, long rows)
    {
        ExactMatch = exactMatch;
        TokenErrorRate = tokenErrorRate;
        Rows = rows;
    }

    /// <summary>Fraction of rows whose output equals the reference, token for token (for G2P: 1 − word error rate).</summary>
    public double ExactMatch { get; }

    /// <summary>Σ edit distance / Σ reference length, in tokens (for G2P: the phoneme error rate).</summary>
    public double TokenErrorRate { get; }

    /// <summary>Rows evaluated.</summary>
    public long Rows { get; }

    /// <summary>Compares two text columns row by row, split into tokens at <paramref name="level"/>.</summary>
    public static SequenceToSequenceMetrics Evaluate(IDataView data, string referenceColumnName, string outputColumnName, TokenLevel level = TokenLevel.Word)
    {
        ArgumentNullException.ThrowIfNull(data);
        long rows = 0, exact = 0, errors = 0, length = 0;
        foreach (var (reference, output) in data.GetColumn<string>(referenceColumnName).Zip(data.GetColumn<string>(outputColumnName)))
        {
            var expected = TextScoringChain.Tokenize(reference, level);
            var actual = TextScoringChain.Tokenize(output, level);
            int distance = EditDistance(expected, actual);
            rows++;
            if (distance == 0) exact++;
            errors += distance;
            length += expected.Length;
        }
        return new SequenceToSequenceMetrics(rows == 0 ? 0 : (double)exact / rows, length == 0 ? 0 : (double)errors / length, rows);
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions, one row of the table at a time.</summary>
    internal static int EditDistance(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = Enumerable.Range(0, b.Count + 1).ToArray();
        var current = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Count; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
