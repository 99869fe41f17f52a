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
public sealed class SequenceGeneratorOptions : TextModelOptions
{
    /// <summary>Creates the options: about 10% of texts held out for perplexity (a seeded hash per text), at most 30 generated tokens.</summary>
    public SequenceGeneratorOptions()
    {
        ValidationFraction = RecurrentDefaults.GeneratorValidationFraction;
        MaximumLength = RecurrentDefaults.GeneratorMaximumLength;
    }

    /// <summary>Column of generated text. Default "Generated".</summary>
    public string OutputColumnName { get; set; } = RecurrentDefaults.GeneratedColumnName;

    /// <summary>Training text column. Default "Text".</summary>
    public string TextColumnName { get; set; } = RecurrentDefaults.TextColumnName;

    /// <summary>Column the fitted transformer reads the prompt from (may be empty text). Default "Prompt".</summary>
    public string PromptColumnName { get; set; } = RecurrentDefaults.PromptColumnName;

    /// <summary>Optional text column of a category to condition on (one-to-many), in training and in scoring. Default null.</summary>
    public string? ConditionColumnName { get; set; }

    /// <summary>Optional known-size float vector column to condition on instead (one-to-many from numbers): every layer
    /// starts from tanh(c·W + b). Default null.</summary>
    public string? ConditionFeaturesColumnName { get; set; }

    /// <summary>Characters or words. Default characters.</summary>
    public TokenLevel Level { get; set; } = TokenLevel.Character;

    /// <summary>0 picks the most likely token each step (greedy); above 0 samples at this temperature. Default 1.</summary>
    public float Temperature { get; set; } = RecurrentDefaults.GeneratorTemperature;

    /// <summary>When sampling, choose among the K most likely tokens only; 0 means all, as does a K at or above the
    /// vocabulary's size. Default 0.</summary>
    public int TopK { get; set; }

    internal override void Validate()
    {
        base.Validate();
        RequireColumnName(OutputColumnName, nameof(OutputColumnName));
        RequireColumnName(TextColumnName, nameof(TextColumnName));
        RequireColumnName(PromptColumnName, nameof(PromptColumnName));
        RequireColumnName(ConditionColumnName, nameof(ConditionColumnName), optional: true);
        RequireColumnName(ConditionFeaturesColumnName, nameof(ConditionFeaturesColumnName), optional: true);
        Core.OptionChecks.Require(ConditionColumnName is null || ConditionFeaturesColumnName is null, nameof(ConditionFeaturesColumnName), ConditionFeaturesColumnName,
            "null when ConditionColumnName is set: condition on a category or on numbers, not both");
        Core.OptionChecks.Require(Temperature >= 0 && float.IsFinite(Temperature), nameof(Temperature), Temperature, "0 (greedy) or a positive temperature");
        Core.OptionChecks.Require(TopK >= 0, nameof(TopK), TopK, "0 (all tokens) or more");
        Core.OptionChecks.Require(EarlyStoppingMetric != RnnMlNet.EarlyStoppingMetric.ErrorRate, nameof(EarlyStoppingMetric), EarlyStoppingMetric,
            "Loss or null: a language model is judged by its loss (perplexity), not by next-token errors");
    }
}
