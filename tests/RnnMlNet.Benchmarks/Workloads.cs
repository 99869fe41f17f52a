using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Benchmarks;

/// <summary>
/// One training workload of issue 4, described identically to our engine and to the PyTorch peer:
/// tokens of vocabulary V, fed one-hot (I = V) or through an embedding of width E, a recurrent layer of H units
/// over T steps, a Linear(H, 1) head on the last hidden state, batches of B sequences.
/// </summary>
internal sealed record Workload(string Name, CellKind Cell, bool OneHot, int Vocabulary, int Embedding, int Hidden, int Steps, int Batch, double Target)
{
    public static readonly Workload[] All =
    [
        new("W1", CellKind.Lstm, OneHot: true, Vocabulary: 1000, Embedding: 0, Hidden: 128, Steps: 50, Batch: 32, Target: 6),
        new("W1e", CellKind.Lstm, OneHot: false, Vocabulary: 1000, Embedding: 128, Hidden: 128, Steps: 50, Batch: 32, Target: 1.5),
        new("W2", CellKind.Lstm, OneHot: false, Vocabulary: 20000, Embedding: 128, Hidden: 256, Steps: 200, Batch: 64, Target: 1.3),
        new("W3", CellKind.SimpleRnn, OneHot: false, Vocabulary: 1000, Embedding: 128, Hidden: 128, Steps: 50, Batch: 32, Target: 3),
    ];

    public int InputWidth => OneHot ? Vocabulary : Embedding;

    public int Gates => Cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };

    public string Shape => $"{(Cell == CellKind.Lstm ? "LSTM" : "SimpleRNN")} {(OneHot ? $"one-hot V={Vocabulary}" : $"Embedding({Vocabulary},{Embedding})")} H={Hidden} T={Steps} B={Batch}";

    /// <summary>Multiply-adds ×2 of the dense products of one training step, as a dense-input implementation does them:
    /// forward x·W_i and h·W_h, and in backward the two weight gradients and the two input gradients.</summary>
    public double MatrixFlopsPerBatch => 6.0 * Steps * Batch * Gates * Hidden * (InputWidth + Hidden);

    public NetworkOptions Options(int threads) => new()
    {
        Cell = Cell,
        Input = OneHot ? InputKind.OneHotTokens : InputKind.EmbeddedTokens,
        VocabularySize = Vocabulary,
        EmbeddingSize = OneHot ? 0 : Embedding,
        HiddenSize = Hidden,
        Outputs = 1,
        Threads = threads,
    };

    /// <summary>Random full-length token sequences with random 0/1 labels, laid out once.</summary>
    public SequenceBatch<float>[] Batches(int count, int seed) =>
        Examples(count * Batch, seed).Chunk(Batch).Select(batch => SequenceBatch<float>.Create(batch, targetsPerStep: false)).ToArray();

    /// <summary>Random full-length token sequences with random 0/1 labels.</summary>
    public LabeledSequence<float>[] Examples(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new LabeledSequence<float>(
            Sequence<float>.FromTokens(Enumerable.Range(0, Steps).Select(_ => random.Next(Vocabulary)).ToArray()),
            [random.Next(2)])).ToArray();
    }

    /// <summary>The description the peer script reads.</summary>
    public object PeerRequest(double seconds) => new
    {
        cmd = "train", name = Name, cell = Cell == CellKind.Lstm ? "lstm" : "rnn_tanh", onehot = OneHot,
        vocabulary = Vocabulary, embedding = Embedding, hidden = Hidden, steps = Steps, batch = Batch, seconds,
    };
}
