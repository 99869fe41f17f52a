using Microsoft.ML;
using RnnMlNet.Core.Data;
using RnnMlNet.Onnx;

namespace RnnMlNet.Trainers;

/// <summary>
/// Streams labelled sequences from an IDataView with a fresh cursor each epoch, so training memory does not grow with
/// the number of rows. A seeded hash of the row position puts each row in either the training or the validation part,
/// the same way on every epoch and in every process.
/// </summary>
internal sealed class DataViewSequenceSource(IDataView data, SequenceInput input, TaskHead head, double validationFraction, int seed, bool validation,
    CancellationToken cancellation) : ISequenceSource<float>
{
    public int? Count => validationFraction == 0 && data.GetRowCount() is long rows ? (int)Math.Min(rows, int.MaxValue) : null;

    public IEnumerable<LabeledSequence<float>> Read()
    {
        var schema = data.Schema;
        using var cursor = data.GetRowCursor([schema[input.ColumnName], schema[head.LabelColumnName]]);
        var readSequence = SequenceColumn.Reader(cursor, input);
        var readLabel = head.LabelReader(cursor);
        for (long position = 0; cursor.MoveNext(); position++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (IsValidation(position) != validation) continue;
            var sequence = readSequence(position);
            var label = readLabel(position);
            if (head.PerStep && label.Length != sequence.Length)
                throw new InvalidOperationException($"Column '{head.LabelColumnName}', row {position}: {label.Length} tags for the {sequence.Length} steps of column '{input.ColumnName}'; expected one tag per step.");
            yield return new LabeledSequence<float>(sequence, label);
        }
    }

    private bool IsValidation(long position)
    {
        if (validationFraction == 0) return false;
        // SplitMix64: a fixed, well-mixed hash (HashCode is randomised per process).
        ulong z = (ulong)position + 0x9E3779B97F4A7C15UL * (ulong)(seed + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z % 1_000_000 < validationFraction * 1_000_000;
    }
}
