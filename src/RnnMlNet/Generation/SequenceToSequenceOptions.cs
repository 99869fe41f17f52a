namespace RnnMlNet.Generation;

/// <summary>Settings of <see cref="SequenceToSequenceEstimator"/>. Every default is stated on its property.</summary>
public sealed class SequenceToSequenceOptions : TextModelOptions
{
    /// <summary>Creates the options: at most 50 output tokens, nothing held out.</summary>
    public SequenceToSequenceOptions() => MaximumLength = RecurrentDefaults.SequenceToSequenceMaximumLength;

    /// <summary>Column of the produced text. Default "Output".</summary>
    public string OutputColumnName { get; set; } = RecurrentDefaults.OutputColumnName;

    /// <summary>Source text column, read in training and in scoring. Default "Input".</summary>
    public string InputColumnName { get; set; } = RecurrentDefaults.InputColumnName;

    /// <summary>Target text column, read in training only. Default "Target".</summary>
    public string TargetColumnName { get; set; } = RecurrentDefaults.TargetColumnName;

    /// <summary>Source tokens: characters or words. Default characters.</summary>
    public TokenLevel InputLevel { get; set; } = TokenLevel.Character;

    /// <summary>Target tokens: characters or words. Default words.</summary>
    public TokenLevel TargetLevel { get; set; } = TokenLevel.Word;

    /// <summary>Read the source in both directions. Default false.</summary>
    public bool BidirectionalEncoder { get; set; }

    /// <summary>Hypotheses kept while decoding: 1 is greedy decoding, more is beam search. Default 1.</summary>
    public int BeamWidth { get; set; } = RecurrentDefaults.BeamWidth;

    internal override void Validate()
    {
        base.Validate();
        Core.OptionChecks.Require(BeamWidth >= 1, nameof(BeamWidth), BeamWidth, "at least 1 (1 is greedy decoding)");
    }
}
