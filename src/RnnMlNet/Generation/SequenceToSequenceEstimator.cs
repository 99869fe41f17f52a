using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;
using RnnMlNet.Graphs;

namespace RnnMlNet.Generation;

/// <summary>
/// Trains an encoder–decoder on pairs of texts (many-to-many with different lengths, e.g. spelling → pronunciation) and
/// returns a transformer that writes the output text for an input text.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator characteristics
/// | | |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | Yes |
/// | Training input | An input text column and a target text column |
/// | Scoring input | The input text column |
/// | Output column data type | Text (and, when asked for, a variable-size vector of Single: the attention weights) |
/// | Exportable to ONNX | Yes: encoder and decoding loop are inside the model's ONNX graph; `RecurrentModelFile.ExportOnnx` writes them for padded batches of sources |
/// ]]></format>
/// <para>Training uses teacher forcing. By default the decoder attends over the encoder's outputs at every step (Luong
/// global attention, <see cref="SequenceToSequenceOptions.Attention"/>); the attention weights can be written to a
/// column (<see cref="SequenceToSequenceOptions.AttentionWeightsColumnName"/>). Scoring decodes inside the saved ONNX
/// graph as an ONNX Loop, attention included: greedy decoding (BeamWidth 1) or beam search (BeamWidth K &gt; 1) over
/// summed log-probabilities, answering with the kept output that ranks best for
/// <see cref="SequenceToSequenceOptions.LengthPenalty"/>. Inputs and targets are split into characters or
/// space-separated words.</para>
/// </remarks>
public sealed class SequenceToSequenceEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly SequenceToSequenceOptions _options;
    private readonly MLContext _context;

    internal SequenceToSequenceEstimator(SequenceToSequenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.CheckedCopy<SequenceToSequenceOptions>();
        _context = new MLContext(_options.Seed);
    }

    /// <summary>Source tokens of the last <see cref="Fit"/>, in id order (id = index + 1; 0 is unknown).</summary>
    public IReadOnlyList<string>? SourceTokens { get; private set; }

    /// <summary>Target tokens of the last <see cref="Fit"/>, in id order (id = index + 3, after unknown, start and end).</summary>
    public IReadOnlyList<string>? TargetTokens { get; private set; }

    /// <summary>Training history of the last <see cref="Fit"/>.</summary>
    public TrainingHistory? History { get; private set; }

    /// <summary>The encoder–decoder of the last <see cref="Fit"/>, for checks against the graph.</summary>
    internal EncoderDecoder<float>? LastModel { get; private set; }

    /// <inheritdoc />
    public TransformerChain<ITransformer> Fit(IDataView input) =>
        Core.Distributed.DataParallelFailure.Run(_options.DataParallel, () => FitOnThisRank(input));

    private TransformerChain<ITransformer> FitOnThisRank(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (sources, targets) = ReadPairs(input);
        var sourceTokens = TextScoringChain.ByFrequency(sources, _options.MaximumVocabularySize);
        var targetTokens = TextScoringChain.ByFrequency(targets, _options.MaximumVocabularySize);
        var sourceIds = sourceTokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i + 1);
        CheckBeam(_options.BeamWidth, targetTokens.Count + 3);
        var targetIds = targetTokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i + 3);
        var examples = sources.Select((source, i) => new LabeledSequence<float>(
            Sequence<float>.FromTokens(source.Select(t => sourceIds.GetValueOrDefault(t)).ToArray()),
            targets[i].Select(t => (float)targetIds.GetValueOrDefault(t)).ToArray())).ToList();

        var holdOut = _options.HoldOutFor(examples.Count);
        var (train, validation) = _options.SplitExamples(holdOut, examples, "pairs");
        if (train.Count == 0) throw new InvalidOperationException($"Column '{_options.InputColumnName}': no pairs left to train on.");

        var shape = _options.ToEncoderDecoderOptions(_options.Cell, _options.BidirectionalEncoder, _options.Attention,
            sourceVocabularySize: sourceTokens.Count + 1, targetVocabularySize: targetTokens.Count + 3);
        shape.InputDropout = _options.InputDropout;
        shape.OutputDropout = _options.OutputDropout;
        var model = new EncoderDecoder<float>(shape, _options.Seed);
        History = new RecurrentTrainer<float>(model, _options.ToTrainingOptions(holdOut)).Fit(train, validation.Count > 0 ? validation : null);
        (SourceTokens, TargetTokens, LastModel) = (sourceTokens, targetTokens, model);
        return BuildModel(model, sourceTokens, targetTokens, new BeamSearch(_options.BeamWidth, _options.LengthPenalty));
    }

    /// <summary>
    /// The model of the last <see cref="Fit"/> again, decoding with another beam width (1 is greedy) and, when given,
    /// another <see cref="SequenceToSequenceOptions.LengthPenalty"/>, without training: decodings can be compared on one
    /// trained network.
    /// </summary>
    public TransformerChain<ITransformer> Rebuild(int beamWidth, double? lengthPenalty = null)
    {
        Core.OptionChecks.Require(beamWidth >= 1, nameof(beamWidth), beamWidth, "at least 1 (1 is greedy decoding)");
        if (lengthPenalty is { } penalty) SequenceToSequenceOptions.CheckLengthPenalty(penalty, _options.MaximumLength, nameof(lengthPenalty));
        if (LastModel is null) throw new InvalidOperationException("Call Fit first: there is no trained model to rebuild.");
        CheckBeam(beamWidth, TargetTokens!.Count + 3);
        return BuildModel(LastModel, SourceTokens!.ToList(), TargetTokens!.ToList(), new BeamSearch(beamWidth, lengthPenalty ?? _options.LengthPenalty));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckText(inputSchema, _options.InputColumnName, "a text column of inputs");
        // The target, as ML.NET's trainers check their label here.
        SchemaChecks.CheckText(inputSchema, _options.TargetColumnName, "a text column of targets");
        var withOutput = SchemaChecks.AddTextColumn(inputSchema, _options.OutputColumnName);
        return _options.AttentionWeightsColumnName is { } weights
            ? SchemaChecks.AddColumns<AttentionWeightsColumn>(withOutput, d => d[nameof(AttentionWeightsColumn.Weights)].ColumnName = weights)
            : withOutput;
    }

    private (List<string[]> Sources, List<string[]> Targets) ReadPairs(IDataView data)
    {
        var input = SchemaChecks.FindText(data.Schema, _options.InputColumnName, "a text column of inputs");
        var target = SchemaChecks.FindText(data.Schema, _options.TargetColumnName, "a text column of targets");
        var sources = new List<string[]>();
        var targets = new List<string[]>();
        using var cursor = data.GetRowCursor([input, target]);
        var getInput = cursor.GetGetter<ReadOnlyMemory<char>>(input);
        var getTarget = cursor.GetGetter<ReadOnlyMemory<char>>(target);
        ReadOnlyMemory<char> source = default, output = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            getInput(ref source);
            getTarget(ref output);
            var sourceTokens = TextScoringChain.Tokenize(source.ToString(), _options.InputLevel);
            var targetTokens = TextScoringChain.Tokenize(output.ToString(), _options.TargetLevel);
            if (sourceTokens.Length == 0) throw new InvalidOperationException($"Column '{_options.InputColumnName}', row {row}: the input is empty.");
            if (targetTokens.Length == 0) throw new InvalidOperationException($"Column '{_options.TargetColumnName}', row {row}: the target is empty; every pair needs at least one target token.");
            sources.Add(sourceTokens);
            targets.Add(targetTokens);
        }
        if (sources.Count == 0) throw new InvalidOperationException($"Columns '{_options.InputColumnName}' and '{_options.TargetColumnName}': the training data has no rows.");
        return (sources, targets);
    }

    /// <summary>A beam's K·V candidates are counted in Int32, by the graph's TopK and by the engine's beam alike: checked before
    /// training, so that a beam too wide for the target vocabulary fails naming the option rather than at the first row scored.</summary>
    private static void CheckBeam(int beamWidth, int targetVocabulary) =>
        Core.OptionChecks.Require((long)beamWidth * targetVocabulary <= int.MaxValue, nameof(SequenceToSequenceOptions.BeamWidth), beamWidth,
            FormattableString.Invariant($"at most {int.MaxValue / targetVocabulary:N0} for a target vocabulary of {targetVocabulary:N0} ids (the beam's candidates are counted in Int32)"));

    private TransformerChain<ITransformer> BuildModel(EncoderDecoder<float> model, List<string> sourceTokens, List<string> targetTokens, BeamSearch beam)
    {
        var chain = new TextScoringChain(_context, [_options.InputColumnName], _options.OutputColumnName + ".");
        string sourceKeys = chain.TokenKeys(_options.InputColumnName, _options.InputLevel, sourceTokens, "Input");
        // Ids 0–2: <unk> (written out), <s> and </s> (never written).
        string[] targetTexts = [TextScoringChain.UnknownText, "", "", .. targetTokens];
        var graph = new OnnxGraphBuilder("RnnMlNet.SequenceToSequence");
        graph.Metadata(Onnx.RecurrentModelFile.ModelKindKey, "SequenceToSequence");
        SequenceToSequenceExport.Describe(graph, model.Options, _options.MaximumLength, beam, sourceTokens, targetTexts, _options.InputLevel, _options.TargetLevel);
        string? weightsOutput = _options.AttentionWeightsColumnName is null ? null : "RnnMlNet.AttentionWeights";
        string tokens = SequenceToSequenceGraph.Add(graph, model, sourceKeys, targetTexts, _options.MaximumLength, beam, weightsOutput);
        string check = SequenceToSequenceGraph.NoCheck(graph);
        chain.Onnx(graph.ToBytes(), weightsOutput is null ? [tokens, check] : [tokens, check, weightsOutput], [sourceKeys]);
        return chain.JoinInto(_options.OutputColumnName, _options.TargetLevel,
            weightsOutput is null ? null : (_options.AttentionWeightsColumnName!, weightsOutput));
    }

    private sealed class AttentionWeightsColumn
    {
        public float[] Weights { get; set; } = [];
    }
}
