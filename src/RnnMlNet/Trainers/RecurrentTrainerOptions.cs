using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Trainers;

/// <summary>Settings of the LSTM, GRU and SimpleRNN trainers. Every default is stated on its property.</summary>
public class RecurrentTrainerOptions
{
    /// <summary>Label column. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Sequence column: keys, a one-hot sequence, or float steps. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>For a float feature column: values per time step. Default 1.</summary>
    public int FeaturesPerStep { get; set; } = 1;

    /// <summary>Longer sequences keep their first MaximumLength steps, in training and in the saved model. Default 0 (keep every step).</summary>
    public int MaximumLength { get; set; }

    /// <summary>For a key feature column: embedding width; 0 feeds one-hot tokens straight into the cell. Default 64.</summary>
    public int EmbeddingSize { get; set; } = 64;

    /// <summary>Hidden units per direction. Default 64.</summary>
    public int HiddenSize { get; set; } = 64;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Read each sequence in both directions. Default false.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Dropout between recurrent layers. Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Optimizer. Default Adam.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Learning rate. Default 1e-3.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Passes over the data. Default 10. 0 trains nothing: it packages <see cref="InitialWeights"/> for scoring.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per step. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Gradient clipping by global norm. Default 5; null turns it off.</summary>
    public double? ClipNorm { get; set; } = 5;

    /// <summary>Gradient clipping by value. Default null (off).</summary>
    public double? ClipValue { get; set; }

    /// <summary>Fraction of rows held out to measure validation loss each epoch, in [0, 1), chosen by a seeded hash of the row position. Default 0.</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights; needs a
    /// <see cref="ValidationFraction"/> above 0. Default null (off).</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Examples held for shuffling while rows stream in: a full shuffle when the data fits. Default 10,000.</summary>
    public int ShuffleBufferSize { get; set; } = 10_000;

    /// <summary>Seed of initialisation, shuffling, dropout and the validation split. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Threads for training. Default: every core. Results do not depend on it.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Receives a report after every epoch, on the training thread. <see cref="Progress{T}"/> posts each report on
    /// to the thread pool, so console output can arrive late; <see cref="ImmediateProgress{T}"/> prints at once.</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Stops training between batches with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Starting weights in ONNX layout (e.g. from <see cref="Onnx.OnnxImport.Read"/>), to fine-tune instead of starting fresh.
    /// Their shapes must match the network these options describe.</summary>
    public IReadOnlyList<NamedTensor<float>>? InitialWeights { get; set; }

    internal void Validate()
    {
        static void Require(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
        }
        Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), LabelColumnName, "a column name");
        Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), FeatureColumnName, "a column name");
        Require(FeaturesPerStep >= 1, nameof(FeaturesPerStep), FeaturesPerStep, "at least 1");
        Require(MaximumLength >= 0, nameof(MaximumLength), MaximumLength, "0 (no limit) or more");
        Require(EmbeddingSize >= 0, nameof(EmbeddingSize), EmbeddingSize, "0 (one-hot) or more");
        Require(Epochs >= 1 || (Epochs == 0 && InitialWeights is not null), nameof(Epochs), Epochs, "at least 1, or 0 with InitialWeights");
        Require(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "a fraction in [0, 1)");
        Require(EarlyStoppingPatience is null || ValidationFraction > 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "null unless ValidationFraction > 0");
    }
}
