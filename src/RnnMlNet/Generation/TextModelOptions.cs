using RnnMlNet.Core;
using RnnMlNet.Core.Cells;

namespace RnnMlNet.Generation;

/// <summary>
/// Settings shared by the text generator and the sequence-to-sequence model, on top of the architecture and training
/// settings every estimator shares (<see cref="RecurrentOptions"/>). Every default is stated on its property.
/// </summary>
public abstract class TextModelOptions : RecurrentOptions
{
    private protected TextModelOptions() : base(RecurrentDefaults.TextModel)
    {
    }

    /// <summary>Most tokens kept in each vocabulary, most frequent first; others become &lt;unk&gt;, which generated text
    /// writes as "&lt;unk&gt;". Default 20,000.</summary>
    public int MaximumVocabularySize { get; set; } = RecurrentDefaults.MaximumVocabularySize;

    /// <summary>Cell. Default LSTM.</summary>
    public CellKind Cell { get; set; } = RecurrentDefaults.Cell;

    /// <summary>Most tokens produced per row. Default 30 for the generator, 50 for the sequence-to-sequence model.</summary>
    public int MaximumLength { get; set; }

    private protected override CellKind ChosenCell => Cell;

    internal override void Validate()
    {
        OptionChecks.Require(MaximumLength >= 1, nameof(MaximumLength), MaximumLength, "at least 1");
        OptionChecks.Require(MaximumVocabularySize >= 1, nameof(MaximumVocabularySize), MaximumVocabularySize, "at least 1");
        base.Validate();
    }
}
