using System.Numerics;

namespace RnnMlNet.Core.Data;

/// <summary>
/// Labelled sequences that training reads once per epoch, in order, without holding them all in memory:
/// a list, a file, or an ML.NET IDataView read through a cursor. The trainer shuffles through a bounded buffer.
/// </summary>
public interface ISequenceSource<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of examples when known in advance (it sets the batches per epoch for schedules); null when not.</summary>
    int? Count { get; }

    /// <summary>Reads every example, in the same order on every call.</summary>
    IEnumerable<LabeledSequence<T>> Read();

    /// <summary>Reads the examples whose index in <see cref="Read()"/>'s order is <paramref name="part"/> modulo
    /// <paramref name="parts"/>: one shard of a data-parallel job. Override it to skip the other examples without
    /// reading them.</summary>
    IEnumerable<LabeledSequence<T>> Read(int part, int parts) => Read().Where((_, index) => index % parts == part);
}

/// <summary>An in-memory source.</summary>
public sealed class ListSequenceSource<T>(IReadOnlyList<LabeledSequence<T>> examples) : ISequenceSource<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public int? Count => examples.Count;

    /// <inheritdoc />
    public IEnumerable<LabeledSequence<T>> Read() => examples;
}
