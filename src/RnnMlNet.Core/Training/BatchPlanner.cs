using System.Numerics;
using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Training;

/// <summary>
/// Cuts a stream of examples into batches, holding at most a shuffle buffer and one bucketing window in memory.
/// Shuffling draws from a bounded buffer (a full shuffle when the data fits in it). With bucketing, a window of many
/// batches is sorted by length and cut into batches, whose order is shuffled again: batches hold sequences of similar
/// length (little padding) while every epoch still sees a different mix. With a training window, a longer sequence is read
/// as a window of that many consecutive steps at a random start, drawn anew each epoch.
/// </summary>
internal static class BatchPlanner
{
    private const int BatchesPerBucketWindow = 50;

    public static IEnumerable<LabeledSequence<T>[]> Batches<T>(IEnumerable<LabeledSequence<T>> examples, int batchSize, int shuffleBuffer,
        bool shuffle, bool bucketByLength, Random random, int window = 0, Random? windows = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ordered = shuffle ? Shuffled(examples, shuffleBuffer, random) : examples;
        if (window > 0) ordered = Windows(ordered, window, windows ?? throw new ArgumentNullException(nameof(windows)));
        // In long: a batch size of int.MaxValue (the whole data as one batch) must not wrap.
        int bucketWindow = bucketByLength ? (int)Math.Min((long)batchSize * BatchesPerBucketWindow, int.MaxValue) : batchSize;
        foreach (var chunk in ordered.Chunk(bucketWindow))
        {
            var batches = (bucketByLength ? chunk.OrderBy(e => e.Input.Length).ToArray() : chunk).Chunk(batchSize).ToArray();
            if (shuffle && bucketByLength) random.Shuffle(batches);
            foreach (var batch in batches) yield return batch;
        }
    }

    /// <summary>Each sequence longer than <paramref name="window"/> steps cut to that many consecutive steps, from a start drawn
    /// uniformly: an epoch costs at most the window's steps per sequence, and over the epochs the network reads every part of
    /// a long document. The target describes the whole sequence, as a classifier's label does.</summary>
    private static IEnumerable<LabeledSequence<T>> Windows<T>(IEnumerable<LabeledSequence<T>> examples, int window, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var example in examples)
            yield return example.Input.Length <= window ? example
                : example with { Input = example.Input.Window(random.Next(example.Input.Length - window + 1), window) };
    }

    /// <summary>Each incoming example replaces a random one of the buffer, which is emitted; the rest go out shuffled at the end.</summary>
    private static IEnumerable<TItem> Shuffled<TItem>(IEnumerable<TItem> source, int capacity, Random random)
    {
        var buffer = new List<TItem>(Math.Min(capacity, 1 << 16));
        foreach (var item in source)
        {
            if (buffer.Count < capacity)
            {
                buffer.Add(item);
                continue;
            }
            int slot = random.Next(capacity);
            yield return buffer[slot];
            buffer[slot] = item;
        }
        var rest = buffer.ToArray();
        random.Shuffle(rest);
        foreach (var item in rest) yield return item;
    }
}
