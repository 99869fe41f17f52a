// Trains a small LSTM with a checkpoint file and writes its final weights: the child process that CheckpointProcessTests
// kills mid-epoch and starts again. Arguments: the checkpoint path, the weights path, milliseconds to sleep after each batch.
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

string checkpoint = args[0], weightsPath = args[1];
int pause = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);

// Is the first bit of a random bit string set? The label lies at the start of the sequence.
var random = new Random(5);
var examples = Enumerable.Range(0, 192).Select(_ =>
{
    var bits = Enumerable.Range(0, 10).Select(_ => random.Next(2)).ToArray();
    return new LabeledSequence<float>(Sequence<float>.FromFeatures(bits.Select(b => (float)b).ToArray(), 1), [bits[0]]);
}).ToArray();

var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 8, Layers = 2, Dropout = 0.2, Threads = 1 }, seed: 3);
var options = new TrainingOptions { Epochs = 6, BatchSize = 16, Seed = 2, CheckpointPath = checkpoint, OnBatch = _ => Thread.Sleep(pause) };
new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), options).Fit(examples);

byte[] bytes = new byte[network.Parameters.Values.Length * sizeof(float)];
Buffer.BlockCopy(network.Parameters.Values, 0, bytes, 0, bytes.Length);
File.WriteAllBytes(weightsPath + ".tmp", bytes);
File.Move(weightsPath + ".tmp", weightsPath, overwrite: true);
