// Trains a small model with a checkpoint file (at each epoch's end and every 5 batches) and writes its final weights: the
// child process that CheckpointProcessTests kills mid-epoch and starts again. Arguments: "classifier" or "seq2seq", the
// checkpoint path, the weights path, milliseconds to sleep after each batch. Prints "batch <epoch> <batch>" for each
// batch it trains, so the test sees where a run resumed.
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

string kind = args[0], checkpoint = args[1], weightsPath = args[2];
int pause = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var options = new TrainingOptions { Epochs = 6, BatchSize = 16, Seed = 2, CheckpointPath = checkpoint, CheckpointEveryBatches = 5, OnBatch = b =>
{
    Console.WriteLine(FormattableString.Invariant($"batch {b.Epoch} {b.Batch}"));
    Thread.Sleep(pause);
} };
var random = new Random(5);
ParameterSet<float> parameters;
if (kind == "classifier")
{
    // Is the first bit of a random bit string set? The label lies at the start of the sequence.
    var examples = Enumerable.Range(0, 192).Select(_ =>
    {
        var bits = Enumerable.Range(0, 10).Select(_ => random.Next(2)).ToArray();
        return new LabeledSequence<float>(Sequence<float>.FromFeatures(bits.Select(b => (float)b).ToArray(), 1), [bits[0]]);
    }).ToArray();
    var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Layers = 2, Dropout = 0.2, Threads = 1 }, seed: 3);
    new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(examples);
    parameters = network.Parameters;
}
else
{
    // Digit strings reversed: source ids 1–10, target ids 3–12 (0 unknown, then the start and end markers).
    var examples = Enumerable.Range(0, 192).Select(_ =>
    {
        var digits = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(10)).ToArray();
        return new LabeledSequence<float>(Sequence<float>.FromTokens(digits.Select(d => d + 1).ToArray()), digits.Reverse().Select(d => (float)(d + 3)).ToArray());
    }).ToArray();
    var model = new EncoderDecoder<float>(new EncoderDecoderOptions
    {
        SourceVocabularySize = 11, TargetVocabularySize = 13, EmbeddingSize = 6, HiddenSize = 12, Dropout = 0.1, Layers = 2, Threads = 1,
    }, seed: 3);
    new RecurrentTrainer<float>(model, options).Fit(examples);
    parameters = model.Parameters;
}

byte[] bytes = new byte[parameters.Values.Length * sizeof(float)];
Buffer.BlockCopy(parameters.Values, 0, bytes, 0, bytes.Length);
File.WriteAllBytes(weightsPath + ".tmp", bytes);
File.Move(weightsPath + ".tmp", weightsPath, overwrite: true);
