using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Generation;

/// <summary>Whether a generator reads and writes characters or words.</summary>
public enum TokenLevel
{
    /// <summary>One token per character (ML.NET's TokenizeIntoCharactersAsKeys, without marker characters).</summary>
    Character,

    /// <summary>One token per space-separated word (ML.NET's TokenizeIntoWords).</summary>
    Word,
}

/// <summary>Settings of <see cref="SequenceGeneratorEstimator"/>. Every default is stated on its property.</summary>
public sealed class SequenceGeneratorOptions
{
    /// <summary>Column of generated text. Default "Generated".</summary>
    public string OutputColumnName { get; set; } = "Generated";

    /// <summary>Training text column. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>Column the fitted transformer reads the prompt from (may be empty text). Default "Prompt".</summary>
    public string PromptColumnName { get; set; } = "Prompt";

    /// <summary>Optional text column of a category to condition on (one-to-many), in training and in scoring. Default null.</summary>
    public string? ConditionColumnName { get; set; }

    /// <summary>Characters or words. Default characters.</summary>
    public TokenLevel Level { get; set; } = TokenLevel.Character;

    /// <summary>Most text tokens kept, most frequent first; others become &lt;unk&gt;. Default 20,000.</summary>
    public int MaximumVocabularySize { get; set; } = 20_000;

    /// <summary>Cell. Default LSTM.</summary>
    public CellKind Cell { get; set; } = CellKind.Lstm;

    /// <summary>Hidden units. Default 128.</summary>
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

    /// <summary>Gradient clipping by global norm. Default 5.</summary>
    public double? ClipNorm { get; set; } = 5;

    /// <summary>Fraction of texts held out for validation loss and perplexity, in [0, 1). Default 0.1.</summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>Most tokens generated per row. Default 30.</summary>
    public int MaximumLength { get; set; } = 30;

    /// <summary>0 picks the most likely token each step (greedy); above 0 samples at this temperature. Default 1.</summary>
    public float Temperature { get; set; } = 1;

    /// <summary>When sampling, choose among the K most likely tokens only; 0 means all. Default 0.</summary>
    public int TopK { get; set; }

    /// <summary>Seed of initialisation, shuffling, the validation split and sampling. Default 0.</summary>
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
        Require(MaximumLength >= 1, nameof(MaximumLength), MaximumLength, "at least 1");
        Require(Temperature >= 0 && float.IsFinite(Temperature), nameof(Temperature), Temperature, "0 (greedy) or a positive temperature");
        Require(TopK >= 0, nameof(TopK), TopK, "0 (all tokens) or more");
        Require(MaximumVocabularySize >= 1, nameof(MaximumVocabularySize), MaximumVocabularySize, "at least 1");
        Require(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "a fraction in [0, 1)");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
    }
}
