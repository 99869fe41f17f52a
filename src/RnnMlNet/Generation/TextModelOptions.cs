using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Optimizers;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Generation;

/// <summary>Settings shared by the text generator and the sequence-to-sequence model. Every default is stated on its property.</summary>
public abstract class TextModelOptions
{
    /// <summary>Most tokens kept in each vocabulary, most frequent first; others become &lt;unk&gt;. Default 20,000.</summary>
    public int MaximumVocabularySize { get; set; } = 20_000;

    /// <summary>Cell. Default LSTM.</summary>
    public CellKind Cell { get; set; } = CellKind.Lstm;

    /// <summary>Hidden units (per encoder direction for seq2seq). Default 128.</summary>
    public int HiddenSize { get; set; } = 128;

    /// <summary>Stacked layers. Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Token embedding width. Default 32.</summary>
    public int EmbeddingSize { get; set; } = 32;

    /// <summary>Dropout between layers. Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Passes over the data. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per step. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Adam's learning rate. Default 3e-3.</summary>
    public double LearningRate { get; set; } = 3e-3;

    /// <summary>How the learning rate changes over training. Default constant.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Stop when the held-out loss has not improved for this many epochs, keeping the best weights; needs a
    /// <see cref="ValidationFraction"/> above 0. Default null (off).</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Gradient clipping by global norm. Default 5.</summary>
    public double? ClipNorm { get; set; } = 5;

    /// <summary>Fraction of rows held out for validation loss, in [0, 1).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Most tokens produced per row.</summary>
    public int MaximumLength { get; set; }

    /// <summary>Seed of initialisation, shuffling, the validation split and sampling. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Threads for training. Default: every core.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Receives a report after every epoch, on the training thread.</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Stops training between batches.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The trainer's settings these options imply.</summary>
    internal TrainingOptions TrainingOptions() => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, ClipNorm = ClipNorm, Seed = Seed,
        Schedule = Schedule, EarlyStoppingPatience = EarlyStoppingPatience,
        OnEpoch = Progress is { } progress ? progress.Report : null, CancellationToken = CancellationToken,
    };

    /// <summary>Throws naming the first setting out of range.</summary>
    internal virtual void Validate()
    {
        Require(MaximumLength >= 1, nameof(MaximumLength), MaximumLength, "at least 1");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Require(MaximumVocabularySize >= 1, nameof(MaximumVocabularySize), MaximumVocabularySize, "at least 1");
        Require(EarlyStoppingPatience is null || ValidationFraction > 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "null unless ValidationFraction > 0");
        Require(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "a fraction in [0, 1)");
    }

    private protected static void Require(bool ok, string name, object? value, string expected)
    {
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
    }
}
