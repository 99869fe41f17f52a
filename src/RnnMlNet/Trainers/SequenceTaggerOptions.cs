using RnnMlNet.Core.Cells;

namespace RnnMlNet.Trainers;

/// <summary>Settings of the sequence tagger: the recurrent trainer's, plus the cell, and bidirectional by default.</summary>
public sealed class SequenceTaggerOptions : RecurrentTrainerOptions
{
    /// <summary>Creates the options; a tag usually depends on what follows as much as on what came before.</summary>
    public SequenceTaggerOptions()
    {
        Bidirectional = RecurrentDefaults.TaggerBidirectional;
        HiddenSize = RecurrentDefaults.HiddenSize;
    }

    /// <summary>The cell. Default <see cref="CellKind.Lstm"/>.</summary>
    public CellKind Cell { get; set; } = RecurrentDefaults.Cell;

    private protected override CellKind ChosenCell => Cell;

    internal override void Validate()
    {
        Core.OptionChecks.Require(Pooling is null or RnnMlNet.Pooling.Last, nameof(Pooling), Pooling, "null or Last: the tagger predicts at every step and pools nothing");
        Core.OptionChecks.Require(PooledStateColumnName is null, nameof(PooledStateColumnName), PooledStateColumnName, "null: the tagger predicts at every step and pools nothing");
        Core.OptionChecks.Require(TrainingWindow is null or 0, nameof(TrainingWindow), TrainingWindow, "null or 0: the tagger's tags follow the steps, so it reads whole sequences");
        Core.OptionChecks.Require(SideFeatureColumnName is null, nameof(SideFeatureColumnName), SideFeatureColumnName, "null: side features describe a whole sequence, and the tagger predicts at every step");
        base.Validate();
    }
}
