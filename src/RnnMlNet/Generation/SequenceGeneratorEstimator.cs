using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Glue;
using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>
/// Trains a recurrent language model on a text column and returns a transformer that generates text: from a prompt
/// (possibly empty) and, optionally, a category to condition on — the teaching material's one-to-many shape.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator characteristics
/// | | |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | Yes |
/// | Training input | A text column, and optionally a text category column or a known-size float vector to condition on; in a pipeline, the prompt column too (EstimatorChain scores the training rows after fitting), which may be empty |
/// | Scoring input | A text prompt column (may be empty), and the condition column if trained with one |
/// | Output column data type | Text |
/// | Exportable to ONNX | Yes: the generation loop is an ONNX Loop inside the model; `RecurrentModelFile.ExportOnnx` writes it for padded batches of prompts |
/// ]]></format>
/// <para>Training: every text becomes [start] + tokens → tokens + [&lt;/s&gt;], where start is the category's token or
/// &lt;s&gt;; the network learns the next token at every step. Scoring runs the whole decoding loop inside the saved
/// ONNX graph: greedy (Temperature 0) or sampling with temperature and top-k under a seed stored in the graph, up to
/// MaximumLength tokens or &lt;/s&gt;. The output is the generated continuation (without the prompt). A category unseen
/// in training, or a numeric condition that is not finite, raises an error naming the column when the row is scored.</para>
/// </remarks>
public sealed class SequenceGeneratorEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly SequenceGeneratorOptions _options;
    private readonly MLContext _context;

    internal SequenceGeneratorEstimator(SequenceGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.CheckedCopy<SequenceGeneratorOptions>();
        _context = new MLContext(_options.Seed);
    }

    /// <summary>The vocabulary of the last <see cref="Fit"/>.</summary>
    public GeneratorVocabulary? Vocabulary { get; private set; }

    /// <summary>exp(mean cross-entropy per token) on the held-out texts of the last <see cref="Fit"/> (training texts when none are held out).</summary>
    public double? Perplexity { get; private set; }

    /// <summary>Training history of the last <see cref="Fit"/>.</summary>
    public TrainingHistory? History { get; private set; }

    /// <summary>The language model of the last <see cref="Fit"/>, for checks against the graph.</summary>
    internal RecurrentNetwork<float>? LastNetwork { get; private set; }

    /// <inheritdoc />
    public TransformerChain<ITransformer> Fit(IDataView input) =>
        Core.Distributed.DataParallelFailure.Run(_options.DataParallel, () => FitOnThisRank(input));

    private TransformerChain<ITransformer> FitOnThisRank(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (texts, categories) = ReadTexts(input);
        var vocabulary = BuildVocabulary(texts, categories);
        var features = _options.ConditionFeaturesColumnName is null ? null : ReadFeatures(input);
        var examples = texts.Select((tokens, i) => Example(vocabulary, tokens, categories?[i], features?[i])).ToList();
        var holdOut = _options.HoldOutFor(examples.Count);
        var (train, validation) = _options.SplitExamples(holdOut, examples, "texts");
        if (train.Count == 0) throw new InvalidOperationException($"Column '{_options.TextColumnName}': no texts left to train on.");

        var networkOptions = _options.ToNetworkOptions(_options.Cell);
        networkOptions.Input = InputKind.EmbeddedTokens;
        networkOptions.VocabularySize = vocabulary.Size;
        networkOptions.Head = HeadKind.EveryStep;
        networkOptions.Outputs = vocabulary.Size;
        // A numeric condition starts every layer from tanh(c·W + b); otherwise the start token carries the category, if any.
        var conditioned = features is null ? null : new ConditionedDecoder<float>(networkOptions, features[0].Length, _options.Seed);
        var network = conditioned?.Decoder ?? new RecurrentNetwork<float>(networkOptions, _options.Seed);
        var trainer = conditioned is null
            ? new RecurrentTrainer<float>(network, new SoftmaxCrossEntropy<float>(), _options.ToTrainingOptions(holdOut))
            : new RecurrentTrainer<float>(conditioned, _options.ToTrainingOptions(holdOut));
        History = trainer.Fit(train, validation.Count > 0 ? validation : null);
        Perplexity = Math.Exp(trainer.Evaluate(validation.Count > 0 ? validation : train));
        Vocabulary = vocabulary;
        LastNetwork = network;
        LastConditioned = conditioned;
        return BuildModel(network, vocabulary, conditioned);
    }

    /// <summary>The numerically conditioned model of the last <see cref="Fit"/>, if any.</summary>
    internal ConditionedDecoder<float>? LastConditioned { get; private set; }

    private List<float[]> ReadFeatures(IDataView data)
    {
        string name = _options.ConditionFeaturesColumnName!;
        var column = SchemaChecks.Find(data.Schema, name, "a known-size float vector to condition on");
        if (column.Type is not VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType item } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{name}' is {column.Type}; expected a known-size float vector to condition on.");
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> values = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            getter(ref values);
            var dense = new float[values.Length];
            values.CopyTo(dense);
            int bad = Array.FindIndex(dense, v => !float.IsFinite(v));
            if (bad >= 0) throw new InvalidOperationException($"Column '{name}', row {row}: value {bad} is {dense[bad]}; the condition must be finite.");
            rows.Add(dense);
        }
        return rows;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        // The training text, as ML.NET's trainers check their label here; then what scoring reads. Fit alone needs no prompt,
        // but a pipeline's EstimatorChain transforms its training data with the fitted generator, so there it must be there.
        SchemaChecks.CheckText(inputSchema, _options.TextColumnName, "a text column with the training text");
        SchemaChecks.CheckText(inputSchema, _options.PromptColumnName, "a text column with the prompt (scoring reads it, and in a pipeline " +
            "EstimatorChain scores the training rows too: give them an empty one, or fit the generator on its own)");
        if (_options.ConditionColumnName is { } condition) SchemaChecks.CheckText(inputSchema, condition, "a text column with the conditioning category");
        if (_options.ConditionFeaturesColumnName is { } features)
        {
            var column = SchemaChecks.Find(inputSchema, features, "a known-size float vector to condition on");
            if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{features}' is {SchemaChecks.Describe(column)}; expected a known-size float vector to condition on.");
        }
        return SchemaChecks.AddTextColumn(inputSchema, _options.OutputColumnName);
    }

    private (List<string[]> Texts, List<string>? Categories) ReadTexts(IDataView data)
    {
        var text = SchemaChecks.FindText(data.Schema, _options.TextColumnName, "a text column with the training text");
        var condition = _options.ConditionColumnName is { } name ? SchemaChecks.FindText(data.Schema, name, "a text column with the conditioning category") : (DataViewSchema.Column?)null;
        var texts = new List<string[]>();
        var categories = condition is null ? null : new List<string>();
        using var cursor = data.GetRowCursor(condition is null ? [text] : [text, condition.Value]);
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getCategory = condition is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(condition.Value);
        ReadOnlyMemory<char> value = default, category = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            getText(ref value);
            texts.Add(TextScoringChain.Tokenize(value.ToString(), _options.Level));
            if (getCategory is null) continue;
            getCategory(ref category);
            if (category.IsEmpty) throw new InvalidOperationException($"Column '{_options.ConditionColumnName}', row {row}: the category is missing.");
            categories!.Add(category.ToString());
        }
        if (texts.Count == 0) throw new InvalidOperationException($"Column '{_options.TextColumnName}': the training data has no rows.");
        return (texts, categories);
    }

    private GeneratorVocabulary BuildVocabulary(List<string[]> texts, List<string>? categories)
    {
        var tokens = TextScoringChain.ByFrequency(texts, _options.MaximumVocabularySize);
        // The unknown token is a training target only for the tokens the vocabulary's size left out.
        bool unknownIsTarget = texts.SelectMany(text => text).Distinct().Count() > tokens.Count;
        return new(categories?.Distinct().ToList() ?? [], tokens, unknownIsTarget);
    }

    private static LabeledSequence<float> Example(GeneratorVocabulary vocabulary, string[] tokens, string? category, float[]? features)
    {
        int start = category is null ? GeneratorVocabulary.Start : vocabulary.CategoryId(category);
        int[] ids = tokens.Select(vocabulary.IdOf).ToArray();
        // Input [start, t1 … tn] predicts [t1 … tn, </s>]: every step's target is the next token. A numeric condition
        // travels in front of the targets, where ConditionedDecoder expects it.
        return new LabeledSequence<float>(Sequence<float>.FromTokens([start, .. ids]), [.. features ?? [], .. ids.Select(id => (float)id), GeneratorVocabulary.End]);
    }

    private TransformerChain<ITransformer> BuildModel(RecurrentNetwork<float> network, GeneratorVocabulary vocabulary, ConditionedDecoder<float>? conditioned)
    {
        string? condition = _options.ConditionColumnName;
        string? featuresColumn = _options.ConditionFeaturesColumnName;
        var chain = new TextScoringChain(_context, condition is null ? [_options.PromptColumnName] : [_options.PromptColumnName, condition], _options.OutputColumnName + ".",
            conditioned is null ? null : (featuresColumn!, conditioned.ConditionWidth));
        string promptKeys = chain.TokenKeys(_options.PromptColumnName, _options.Level, vocabulary.Tokens, "Prompt");
        string? categoryKey = condition is null ? null : chain.Keys(condition, vocabulary.Categories, "CategoryKey");

        var graph = new OnnxGraphBuilder("RnnMlNet.Generator");
        graph.Metadata(Onnx.RecurrentModelFile.ModelKindKey, "SequenceGenerator");
        // K at or above the vocabulary's size keeps every token, as 0 does (ONNX TopK refuses a K past the axis).
        var decoding = new Decoding(_options.Temperature, _options.TopK >= vocabulary.Size ? 0 : _options.TopK, _options.Seed, vocabulary.NeverTargeted());
        SequenceGeneratorExport.Describe(graph, network.Options, vocabulary, _options.MaximumLength, decoding, _options.Level, conditioned?.ConditionWidth ?? 0);
        var (tokens, check) = GenerationGraph.Add(graph, network, vocabulary, promptKeys, categoryKey, condition, _options.MaximumLength, decoding,
            conditioned is null ? null : (featuresColumn!, conditioned));
        string[] inputs = [promptKeys, .. categoryKey is null ? Array.Empty<string>() : [categoryKey], .. conditioned is null ? Array.Empty<string>() : [featuresColumn!]];
        chain.Onnx(graph.ToBytes(), [tokens, check], inputs);
        return chain.JoinInto(_options.OutputColumnName, _options.Level);
    }
}
