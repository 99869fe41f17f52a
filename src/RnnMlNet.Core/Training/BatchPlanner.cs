namespace RnnMlNet.Core.Training;

/// <summary>
/// Decides which examples go into which batch each epoch. With bucketing, a shuffled window of many batches is
/// sorted by length and cut into batches, whose order is shuffled again: batches hold sequences of similar
/// length (little padding) while every epoch still sees a different mix.
/// </summary>
internal static class BatchPlanner
{
    private const int BatchesPerBucketWindow = 50;

    public static List<int[]> Plan(IReadOnlyList<int> lengths, int batchSize, bool shuffle, bool bucketByLength, Random random)
    {
        int[] order = Enumerable.Range(0, lengths.Count).ToArray();
        if (shuffle) random.Shuffle(order);
        var batches = new List<int[]>();
        int window = bucketByLength ? batchSize * BatchesPerBucketWindow : batchSize;
        for (int start = 0; start < order.Length; start += window)
        {
            var chunk = order.Skip(start).Take(window);
            if (bucketByLength) chunk = chunk.OrderBy(i => lengths[i]);
            batches.AddRange(chunk.Chunk(batchSize));
        }
        if (shuffle && bucketByLength)
        {
            var shuffled = batches.ToArray();
            random.Shuffle(shuffled);
            return shuffled.ToList();
        }
        return batches;
    }
}
