using Microsoft.ML;
using RnnMlNet.Core.Data;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>
/// Streams labelled sequences from an IDataView with a fresh cursor each epoch, so training memory does not grow with
/// the number of rows. <see cref="ValidationSplit"/> puts each row in either the training or the validation part, by the
/// row's position, or by its group when a <paramref name="samplingKey"/> column names one. <paramref name="rows"/> is the
/// data's row count when the caller has counted it (0 when not), so that the part's count, and with it the first epoch's
/// batch count that schedules need, is known before training (for a split by groups, by reading the key column alone).
/// <paramref name="dataName"/> ("the validation data given") starts the errors of a bad row read from other data than the
/// training data's. Float steps are read standardised by <paramref name="steps"/> when given.
/// </summary>
internal sealed class DataViewSequenceSource(IDataView data, SequenceInput input, TaskAdapter task, ValidationSplit split, bool validation,
    CancellationToken cancellation, DataViewSchema.Column? samplingKey = null, long rows = 0, string? dataName = null, StepStandardisation? steps = null)
    : ISequenceSource<float>
{
    private readonly Lazy<int?> _count = new(() => (data.GetRowCount() ?? (rows > 0 ? rows : null)) is long all
        && (split.RowsIn(all, validation, grouped: samplingKey is not null) ?? RowsOfGroups(data, samplingKey!.Value, split, validation, cancellation)) is long part
        ? (int)Math.Min(part, int.MaxValue) : null);

    public int? Count => _count.Value;

    /// <summary>The rows in this part of a split by groups, which only the key column tells: that column alone is read.</summary>
    private static long RowsOfGroups(IDataView data, DataViewSchema.Column key, ValidationSplit split, bool validation, CancellationToken cancellation)
    {
        using var cursor = data.GetRowCursor([key]);
        var readGroup = SamplingKey.Reader(cursor, key);
        long count = 0;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            if (split.IsValidation(readGroup()) == validation) count++;
        }
        return count;
    }

    public IEnumerable<LabeledSequence<float>> Read() => Read(0, 1);

    /// <summary>Reads the training (or validation) rows whose index among them is <paramref name="part"/> modulo
    /// <paramref name="parts"/>; the other rows' columns are never read, so upstream transforms do not run for them.</summary>
    public IEnumerable<LabeledSequence<float>> Read(int part, int parts)
    {
        var schema = data.Schema;
        var groupColumn = split.HoldsOut ? samplingKey : null;
        using var cursor = data.GetRowCursor([.. input.ColumnNames.Select(name => schema[name]), schema[task.LabelColumnName], .. groupColumn is { } g ? [g] : Array.Empty<DataViewSchema.Column>()]);
        var readGroup = groupColumn is { } key ? SamplingKey.Reader(cursor, key) : null;
        var readSteps = SequenceColumn.Reader(cursor, input);
        var addSide = input.Side is null ? null : SequenceColumn.SideReader(cursor, input.Side);
        (Sequence<float> Sequence, int Steps) readSequence(long position)
        {
            var (sequence, length) = readSteps(position);
            if (steps is not null) sequence = steps.Standardise(sequence);
            return (addSide is null ? sequence : addSide(position, sequence), length);
        }
        var readLabel = task.LabelReader(cursor);
        LabeledSequence<float> readExample(long position)
        {
            try
            {
                var (sequence, steps) = readSequence(position);
                return new LabeledSequence<float>(sequence, task.FitLabel(readLabel(position), steps, position, input.ColumnName));
            }
            catch (InvalidOperationException error) when (dataName is not null)
            {
                throw new InvalidOperationException($"In {dataName}: {error.Message}", error);
            }
        }
        long index = -1;
        for (long position = 0; cursor.MoveNext(); position++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (split.IsValidation(readGroup?.Invoke() ?? position) != validation || ++index % parts != part) continue;
            yield return readExample(position);
        }
    }
}
