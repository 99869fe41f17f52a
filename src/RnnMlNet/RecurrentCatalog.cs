using Microsoft.ML.Data;
using RnnMlNet;
using RnnMlNet.Generation;
using RnnMlNet.Glue;
using RnnMlNet.Sequences;
using RnnMlNet.Trainers;
using RnnMlNet.Vocabulary;

namespace Microsoft.ML;

/// <summary>
/// RnnMlNet's entry points on <see cref="MLContext"/>'s catalogs, in ML.NET's own namespace so no extra <c>using</c> is needed:
/// <c>ml.Transforms.Text.BuildVocabulary</c>, <c>OneHotSequence</c>, <c>SequenceGenerator</c> and <c>SequenceToSequence</c>;
/// <c>Lstm</c>, <c>Gru</c> and <c>SimpleRnn</c> on the binary, multiclass and regression trainer catalogs; and
/// <c>SequenceTagger</c> on the multiclass one.
/// </summary>
public static class RecurrentCatalog
{
    /// <summary>Maps tokens to keys over a vocabulary of the most frequent tokens. See <see cref="VocabularyEstimator"/>.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Key vector column produced.</param>
    /// <param name="inputColumnName">Token vector column read; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="maximumSize">Most tokens kept. Default 20,000.</param>
    /// <param name="minimumCount">Fewest occurrences to be kept. Default 1.</param>
    public static VocabularyEstimator BuildVocabulary(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string? inputColumnName = null,
        int maximumSize = RecurrentDefaults.MaximumVocabularySize, int minimumCount = 1) =>
        BuildVocabulary(catalog, new VocabularyEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, MaximumSize = maximumSize, MinimumCount = minimumCount });

    /// <summary>Maps tokens to keys; see <see cref="VocabularyEstimator.Options"/>.</summary>
    public static VocabularyEstimator BuildVocabulary(this TransformsCatalog.TextTransforms catalog, VocabularyEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VocabularyEstimator(options);
    }

    /// <summary>
    /// Splits text into its characters, one string per Unicode character (a surrogate pair, such as an emoji, is one), for
    /// <see cref="BuildVocabulary(TransformsCatalog.TextTransforms, string, string?, int, int)"/>. ML.NET's
    /// <c>TokenizeIntoCharactersAsKeys</c> reads back spaces and control characters as pictures ("&lt;␠&gt;") and every
    /// surrogate half as one token, so a vocabulary built over it holds those, and an exported model's vocabulary does
    /// not match the characters another runtime splits; over this split it holds the characters themselves.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Column produced: a variable-size vector of text, one character each.</param>
    /// <param name="inputColumnName">Text column read; null means <paramref name="outputColumnName"/>.</param>
    public static IEstimator<ITransformer> SplitIntoCharacters(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        RnnMlNet.Core.OptionChecks.Require(!string.IsNullOrWhiteSpace(outputColumnName), nameof(outputColumnName), outputColumnName, "a column name");
        var ml = new MLContext();
        string input = inputColumnName ?? outputColumnName;
        // The glue reads and writes fixed column names.
        return new CharacterSplitEstimator(input, new EstimatorChain<ITransformer>()
            .Append(ml.Transforms.CopyColumns(TextToSplit.Column, input))
            .Append(ml.Transforms.CustomMapping<TextToSplit, SplitCharacters>(SplitCharactersFactory.Map, SplitCharactersFactory.ContractName))
            .Append(ml.Transforms.CopyColumns(outputColumnName, SplitCharacters.Column))
            .Append(ml.Transforms.DropColumns(TextToSplit.Column, SplitCharacters.Column)));
    }

    /// <summary>Key vectors to padded one-hot sequences [T, V]. See <see cref="OneHotSequenceEstimator"/>.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">One-hot column produced.</param>
    /// <param name="inputColumnName">Key vector column read; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="maximumLength">T, steps per row (at least 2).</param>
    /// <param name="padding">Side where zero rows are added. Default <see cref="SequenceSide.Post"/>.</param>
    /// <param name="truncation">Side where long sequences are cut. Default <see cref="SequenceSide.Post"/>.</param>
    public static OneHotSequenceEstimator OneHotSequence(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string? inputColumnName,
        int maximumLength, SequenceSide padding = SequenceSide.Post, SequenceSide truncation = SequenceSide.Post) =>
        OneHotSequence(catalog, new OneHotSequenceEstimator.Options
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, MaximumLength = maximumLength, Padding = padding, Truncation = truncation,
        });

    /// <summary>Key vectors to padded one-hot sequences; see <see cref="OneHotSequenceEstimator.Options"/>.</summary>
    public static OneHotSequenceEstimator OneHotSequence(this TransformsCatalog.TextTransforms catalog, OneHotSequenceEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OneHotSequenceEstimator(options);
    }

    /// <summary>A recurrent text generator (language model, optionally conditioned on a category). See <see cref="SequenceGeneratorEstimator"/>.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Column of generated text.</param>
    /// <param name="textColumnName">Training text column.</param>
    /// <param name="promptColumnName">Column the fitted transformer reads prompts from.</param>
    /// <param name="conditionColumnName">Optional category column to condition on.</param>
    public static SequenceGeneratorEstimator SequenceGenerator(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string textColumnName = RecurrentDefaults.TextColumnName,
        string promptColumnName = RecurrentDefaults.PromptColumnName, string? conditionColumnName = null) =>
        SequenceGenerator(catalog, new SequenceGeneratorOptions
        {
            OutputColumnName = outputColumnName, TextColumnName = textColumnName, PromptColumnName = promptColumnName, ConditionColumnName = conditionColumnName,
        });

    /// <summary>A recurrent text generator with every setting.</summary>
    public static SequenceGeneratorEstimator SequenceGenerator(this TransformsCatalog.TextTransforms catalog, SequenceGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SequenceGeneratorEstimator(options);
    }

    /// <summary>An encoder–decoder from an input text column to a target text column. See <see cref="SequenceToSequenceEstimator"/>.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Column of the produced text.</param>
    /// <param name="inputColumnName">Source text column.</param>
    /// <param name="targetColumnName">Target text column (training only).</param>
    public static SequenceToSequenceEstimator SequenceToSequence(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string inputColumnName, string targetColumnName) =>
        SequenceToSequence(catalog, new SequenceToSequenceOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, TargetColumnName = targetColumnName });

    /// <summary>An encoder–decoder with every setting.</summary>
    public static SequenceToSequenceEstimator SequenceToSequence(this TransformsCatalog.TextTransforms catalog, SequenceToSequenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SequenceToSequenceEstimator(options);
    }

    /// <summary>An LSTM binary classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Boolean.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Lstm(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>An LSTM binary classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.BinaryClassification, CellKind.Lstm, options);

    /// <summary>A GRU binary classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Boolean.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Gru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Gru(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A GRU binary classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Gru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.BinaryClassification, CellKind.Gru, options);

    /// <summary>A SimpleRNN binary classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Boolean.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        SimpleRnn(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A SimpleRNN binary classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.BinaryClassification, CellKind.SimpleRnn, options);

    /// <summary>An LSTM multiclass classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a key (MapValueToKey).</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Lstm(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>An LSTM multiclass classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.MulticlassClassification, CellKind.Lstm, options);

    /// <summary>A GRU multiclass classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a key (MapValueToKey).</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Gru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Gru(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A GRU multiclass classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Gru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.MulticlassClassification, CellKind.Gru, options);

    /// <summary>A SimpleRNN multiclass classifier. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a key (MapValueToKey).</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        SimpleRnn(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A SimpleRNN multiclass classifier with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.MulticlassClassification, CellKind.SimpleRnn, options);

    /// <summary>An LSTM regressor. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Single.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Lstm(this RegressionCatalog.RegressionTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Lstm(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>An LSTM regressor with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Lstm(this RegressionCatalog.RegressionTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.Regression, CellKind.Lstm, options);

    /// <summary>A GRU regressor. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Single.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator Gru(this RegressionCatalog.RegressionTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        Gru(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A GRU regressor with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator Gru(this RegressionCatalog.RegressionTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.Regression, CellKind.Gru, options);

    /// <summary>A SimpleRNN regressor. See <see cref="RecurrentTrainerEstimator"/>.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a Single.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey), a one-hot sequence (OneHotSequence) or float steps.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this RegressionCatalog.RegressionTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        SimpleRnn(catalog, Options(labelColumnName, featureColumnName));

    /// <summary>A SimpleRNN regressor with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="RecurrentTrainerOptions"/>.</param>
    public static RecurrentTrainerEstimator SimpleRnn(this RegressionCatalog.RegressionTrainers catalog, RecurrentTrainerOptions options) =>
        Create(catalog, RecurrentTask.Regression, CellKind.SimpleRnn, options);

    /// <summary>
    /// A sequence tagger (many-to-many, same length): one key label per step of the feature column, predicted as a
    /// PredictedLabel key vector aligned with the input. Bidirectional LSTM by default. See <see cref="RecurrentTrainerEstimator"/>.
    /// </summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a vector of keys (MapValueToKey over the tags), one per step.</param>
    /// <param name="featureColumnName">Feature column: a vector of keys (BuildVocabulary, MapValueToKey) or float steps.</param>
    public static RecurrentTrainerEstimator SequenceTagger(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName) =>
        SequenceTagger(catalog, new SequenceTaggerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>A sequence tagger with every setting.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="options">Every setting, each with its default stated; see <see cref="SequenceTaggerOptions"/>.</param>
    public static RecurrentTrainerEstimator SequenceTagger(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, SequenceTaggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(catalog, RecurrentTask.SequenceTagging, options.Cell, options);
    }

    private static RecurrentTrainerOptions Options(string labelColumnName, string featureColumnName) =>
        new() { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName };

    private static RecurrentTrainerEstimator Create(object catalog, RecurrentTask task, CellKind cell, RecurrentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RecurrentTrainerEstimator(task, cell, options);
    }
}
