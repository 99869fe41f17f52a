using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Generation;

/// <summary>Settings of <see cref="SequenceToSequenceEstimator"/>. Every default is stated on its property.</summary>
public sealed class SequenceToSequenceOptions
{
    /// <summary>Column of the produced text. Default "Output".</summary>
    public string OutputColumnName { get; set; } = "Output";

    /// <summary>Source text column, read in training and in scoring. Default "Input".</summary>
    public string InputColumnName { get; set; } = "Input";

    /// <summary>Target text column, read in training only. Default "Target".</summary>
    public string TargetColumnName { get; set; } = "Target";

    /// <summary>Source tokens: characters or words. Default characters.</summary>
    public TokenLevel InputLevel { get; set; } = TokenLevel.Character;

    /// <summary>Target tokens: characters or words. Default words.</summary>
    public TokenLevel TargetLevel { get; set; } = TokenLevel.Word;

    /// <summary>Most tokens kept in each vocabulary. Default 20,000.</summary>
    public int MaximumVocabularySize { get; set; } = 20_000;

    /// <summary>Cell of encoder and decoder. Default LSTM.</summary>
    public CellKind Cell { get; set; } = CellKind.Lstm;

    /// <summary>Embedding width. Default 32.</summary>
    public int EmbeddingSize { get; set; } = 32;

    /// <summary>Encoder units per direction (the decoder has as many per encoder direction). Default 128.</summary>
    public int HiddenSize { get; set; } = 128;

    /// <summary>Layers of encoder and decoder. Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Read the source in both directions. Default false.</summary>
    public bool BidirectionalEncoder { get; set; }

    /// <summary>Dropout between layers. Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Passes over the data. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Pairs per step. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Adam's learning rate. Default 3e-3.</summary>
    public double LearningRate { get; set; } = 3e-3;

    /// <summary>Gradient clipping by global norm. Default 5.</summary>
    public double? ClipNorm { get; set; } = 5;

    /// <summary>Fraction of pairs held out for validation loss, in [0, 1). Default 0.</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Most tokens produced per row. Default 50.</summary>
    public int MaximumLength { get; set; } = 50;

    /// <summary>Hypotheses kept while decoding: 1 is greedy decoding, more is beam search. Default 1.</summary>
    public int BeamWidth { get; set; } = 1;

    /// <summary>Seed of initialisation, shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Threads for training. Default: every core.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Receives a report after every epoch.</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Stops training between batches.</summary>
    public CancellationToken CancellationToken { get; set; }

    internal void Validate()
    {
        static void Require(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
        }
        Require(BeamWidth >= 1, nameof(BeamWidth), BeamWidth, "at least 1 (1 is greedy decoding)");
        Require(MaximumLength >= 1, nameof(MaximumLength), MaximumLength, "at least 1");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Require(MaximumVocabularySize >= 1, nameof(MaximumVocabularySize), MaximumVocabularySize, "at least 1");
        Require(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "a fraction in [0, 1)");
    }
}
