namespace RnnMlNet.Generation;

/// <summary>Settings of <see cref="SequenceToSequenceEstimator"/>. Every default is stated on its property.</summary>
public sealed class SequenceToSequenceOptions : TextModelOptions
{
    /// <summary>Creates the options: at most 50 output tokens; from 1,000 pairs, 10 % held out for early stopping (see <see cref="RecurrentOptions.ValidationFraction"/>).</summary>
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

    /// <summary>How beam search picks its answer among the beams it kept: the highest summed log-probability divided by the
    /// output's length (its tokens and its end) to this power, a finite number, 0 or more. 1 ranks by the mean
    /// log-probability per token (Wu et al. 2016; Hugging Face's <c>length_penalty</c>); 0 ranks by the summed
    /// log-probability, which every token lowers, so that a weak model's beam leans to short outputs (the search before this
    /// option; models saved before it keep it). At most ln(2⁶⁴) / ln(MaximumLength) (11.3 for 50 tokens), so that the saved
    /// graph, which ranks in 32-bit floats, ranks as the engine does. Greedy decoding ignores it. Default 1 (README: a weak
    /// model's beam did worse than greedy decoding at 0 and better at 1; stronger ones moved by a tenth of a point).</summary>
    public double LengthPenalty { get; set; } = RecurrentDefaults.LengthPenalty;

    /// <summary>How the decoder reads the input: at every output token it attends over the encoder's outputs for every input
    /// token (Luong global attention with <see cref="RnnMlNet.Attention.General"/> or <see cref="RnnMlNet.Attention.Dot"/>
    /// scores), or with <see cref="RnnMlNet.Attention.None"/> it sees only the encoder's final state. Default General.</summary>
    public Attention Attention { get; set; } = RecurrentDefaults.SequenceToSequenceAttention;

    /// <summary>Column of the attention weights, written when set: a vector of L × T floats, row-major, one row per output
    /// token giving its weight on each of the T input tokens (each row sums to 1), so one can see which input tokens
    /// produced which output token. Needs attention. Default null: no such column.</summary>
    public string? AttentionWeightsColumnName { get; set; }

    /// <summary>Variational dropout on the input and output token embeddings in training, in [0, 1): one mask per sequence.
    /// Default 0.</summary>
    public double InputDropout { get; set; }

    /// <summary>Variational dropout on the last-layer outputs in training, in [0, 1), one mask per sequence: the decoder's
    /// and, with attention, the encoder's (what attention reads). Default 0.</summary>
    public double OutputDropout { get; set; }

    internal override void Validate()
    {
        base.Validate();
        RequireColumnName(OutputColumnName, nameof(OutputColumnName));
        RequireColumnName(InputColumnName, nameof(InputColumnName));
        RequireColumnName(TargetColumnName, nameof(TargetColumnName));
        Core.OptionChecks.Require(InputDropout >= 0 && InputDropout < 1, nameof(InputDropout), InputDropout, "a rate in [0, 1)");
        Core.OptionChecks.Require(OutputDropout >= 0 && OutputDropout < 1, nameof(OutputDropout), OutputDropout, "a rate in [0, 1)");
        Core.OptionChecks.Require(BeamWidth >= 1, nameof(BeamWidth), BeamWidth, "at least 1 (1 is greedy decoding)");
        CheckLengthPenalty(LengthPenalty, MaximumLength, nameof(LengthPenalty));
        Core.OptionChecks.Require(EarlyStoppingMetric != RnnMlNet.EarlyStoppingMetric.ErrorRate, nameof(EarlyStoppingMetric), EarlyStoppingMetric,
            "Loss or null: the encoder–decoder's validation counts no errors");
        Core.OptionChecks.Require(Enum.IsDefined(Attention), nameof(Attention), Attention, "None, Dot or General");
        Core.OptionChecks.Require(AttentionWeightsColumnName is null || Attention != Attention.None, nameof(AttentionWeightsColumnName), AttentionWeightsColumnName,
            "null when Attention is None (there are no weights to write)");
        Core.OptionChecks.Require(AttentionWeightsColumnName is null || (AttentionWeightsColumnName.Length > 0
            && AttentionWeightsColumnName != OutputColumnName && AttentionWeightsColumnName != InputColumnName && AttentionWeightsColumnName != TargetColumnName),
            nameof(AttentionWeightsColumnName), AttentionWeightsColumnName, "a non-empty name other than OutputColumnName, InputColumnName and TargetColumnName");
    }

    /// <summary>Refuses a penalty that is negative, or so large that the longest output's length^penalty passes 2⁶⁴: the saved
    /// graph ranks in 32-bit floats, where a larger power overflows or leaves ranks too small to tell apart.</summary>
    internal static void CheckLengthPenalty(double lengthPenalty, int maximumLength, string name)
    {
        double largest = 64 * Math.Log(2) / Math.Log(Math.Max(2, maximumLength));
        Core.OptionChecks.Require(lengthPenalty >= 0 && lengthPenalty <= largest, name, lengthPenalty,
            FormattableString.Invariant($"a number from 0 to {largest:0.##} (0 ranks by summed log-probability; past {largest:0.##}, the length of an output of MaximumLength {maximumLength} tokens ") +
            "to that power passes what the saved graph's 32-bit floats rank)");
    }
}
