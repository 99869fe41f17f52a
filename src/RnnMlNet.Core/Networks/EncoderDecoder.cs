using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Initialisation;
using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// Sequence to sequence (many-to-many with different lengths). The encoder reads the source; its final state, both
/// directions side by side for a bidirectional encoder, is the decoder's initial state. In training the decoder is fed
/// the true previous token (teacher forcing): input [&lt;s&gt;, y₁ … yₙ] predicts [y₁ … yₙ, &lt;/s&gt;]. Gradients flow from
/// the decoder's initial state back into the encoder. Both networks' weights share one parameter set.
/// <para>With attention (the default), each decoder output also attends over every encoder output of its source
/// (<see cref="AttentionLayer{T}"/>, Luong global attention) and an output layer reads the attentional state; the
/// gradient reaches the encoder through every step it was attended at, as well as through the bridge.</para>
/// <para>An example is a <see cref="LabeledSequence{T}"/> whose input is the source tokens and whose target is the
/// target token ids (without start and end), which may be of any length of at least one.</para>
/// </summary>
public sealed class EncoderDecoder<T> : ITrainingObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Target id of an unknown token.</summary>
    public const int Unknown = 0;

    /// <summary>Target id that starts decoding.</summary>
    public const int Start = 1;

    /// <summary>Target id that ends a target sequence.</summary>
    public const int End = 2;

    private readonly SoftmaxCrossEntropy<T> _loss = new();
    private readonly AttentionLayer<T>? _attention;
    private readonly DenseLayer<T>? _output;
    private T[]? _logitsGrad;

    /// <summary>Builds both networks and initialises their weights from <paramref name="seed"/>.</summary>
    public EncoderDecoder(EncoderDecoderOptions options, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TargetVocabularySize <= End)
            throw new ArgumentException($"TargetVocabularySize is {options.TargetVocabularySize}; expected more than the 3 special ids.", nameof(options));
        OptionChecks.Require(Enum.IsDefined(options.Attention), nameof(options.Attention), options.Attention, "None, Dot or General");
        Options = options;
        Parameters = new ParameterSet<T>();
        bool attends = options.Attention != Attention.None;
        Encoder = new RecurrentNetwork<T>(new NetworkOptions
        {
            Cell = options.Cell, Input = InputKind.EmbeddedTokens, VocabularySize = options.SourceVocabularySize, EmbeddingSize = options.EmbeddingSize,
            HiddenSize = options.HiddenSize, Layers = options.Layers, Bidirectional = options.BidirectionalEncoder, Dropout = options.Dropout,
            // Without attention nothing reads the encoder's outputs, only its final state.
            InputDropout = options.InputDropout, OutputDropout = attends ? options.OutputDropout : 0, Head = attends ? HeadKind.None : HeadKind.LastHidden, Outputs = 1, ForgetGateBias = options.ForgetGateBias, Threads = options.Threads,
        }, seed, Parameters, "encoder.");
        int width = options.HiddenSize * Encoder.Directions;
        Decoder = new RecurrentNetwork<T>(new NetworkOptions
        {
            Cell = options.Cell, Input = InputKind.EmbeddedTokens, VocabularySize = options.TargetVocabularySize, EmbeddingSize = options.EmbeddingSize,
            HiddenSize = width, Layers = options.Layers, Dropout = options.Dropout, InputDropout = options.InputDropout, OutputDropout = options.OutputDropout,
            Head = attends ? HeadKind.None : HeadKind.EveryStep,
            Outputs = options.TargetVocabularySize, ForgetGateBias = options.ForgetGateBias, Threads = options.Threads,
        }, seed + 1, Parameters, "decoder.");
        if (!attends) return;
        _attention = new AttentionLayer<T>(Parameters, "attention", options.Attention, width, width);
        _output = new DenseLayer<T>(Parameters, "output", width, options.TargetVocabularySize);
        var random = new Random(seed + 2);
        if (_attention.ScoreWeights is { } score) WeightInitializer.XavierUniform(Parameters.Value(score), width, width, random);
        WeightInitializer.XavierUniform(Parameters.Value(_attention.Combine.Weights), 2 * width, width, random);
        WeightInitializer.XavierUniform(Parameters.Value(_output.Weights), width, options.TargetVocabularySize, random);
    }

    /// <summary>The shape.</summary>
    public EncoderDecoderOptions Options { get; }

    string ITrainingObjective<T>.TrainingSettings => FormattableString.Invariant($"encoder-decoder|dropout {Options.Dropout:R}, input {Options.InputDropout:R}, output {Options.OutputDropout:R}|attention {Options.Attention}") +
        Encoder.Options.ForgetGateBiasSetting;

    /// <summary>Reads the source. Without attention its head is unused; with attention it has none.</summary>
    public RecurrentNetwork<T> Encoder { get; }

    /// <summary>Writes the target, starting from the encoder's final state. With attention it has no head: the attention
    /// and output layers turn its outputs into logits.</summary>
    public RecurrentNetwork<T> Decoder { get; }

    /// <inheritdoc />
    public ParameterSet<T> Parameters { get; }

    /// <summary>The attention over the encoder's outputs; null without attention.</summary>
    internal AttentionLayer<T>? AttentionLayer => _attention;

    /// <summary>The output layer on the attentional states; null without attention (the decoder's head writes the logits).</summary>
    internal DenseLayer<T>? OutputLayer => _output;

    /// <inheritdoc />
    public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<T>> batch, Random dropout)
    {
        var (loss, weight, sources, decoderBatch) = Forward(batch, training: true, dropout);
        int rows = decoderBatch.MaxLength * decoderBatch.Count, threads = Options.Threads;
        var logitsGrad = _logitsGrad.AsSpan(0, rows * Options.TargetVocabularySize);
        if (_attention is null)
        {
            Decoder.Backward(logitsGrad);
            Encoder.Backward(default, Unbridge(Decoder.InitialStateGradient));
            return (loss, weight);
        }
        var (queryGrad, memoryGrad) = _attention.Backward(_output!.Backward(logitsGrad, threads), threads);
        Decoder.Backward(queryGrad.AsSpan(0, rows * _attention.QueryWidth));
        Encoder.Backward(memoryGrad.AsSpan(0, sources.MaxLength * sources.Count * _attention.MemoryWidth), Unbridge(Decoder.InitialStateGradient));
        return (loss, weight);
    }

    /// <inheritdoc />
    public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var (loss, weight, _, _) = Forward(batch, training: false, null);
        return (loss, weight);
    }

    /// <summary>Greedy decoding: the most likely token at each step, until &lt;/s&gt; or <paramref name="maximumLength"/> tokens.</summary>
    public int[][] DecodeGreedy(IReadOnlyList<Sequence<T>> sources, int maximumLength) => Greedy(sources, maximumLength).Tokens;

    /// <summary>Greedy decoding that also returns, for each output token, the attention weights over the source's
    /// tokens (one row of source-length values per output token). Needs attention.</summary>
    public (int[][] Tokens, T[][][] Attention) DecodeGreedyWithAttention(IReadOnlyList<Sequence<T>> sources, int maximumLength)
    {
        RequireAttention();
        return Greedy(sources, maximumLength);
    }

    private (int[][] Tokens, T[][][] Attention) Greedy(IReadOnlyList<Sequence<T>> sources, int maximumLength)
    {
        var (state, memoryRowOf) = Encode(sources);
        var outputs = sources.Select(_ => new List<int>()).ToArray();
        var weights = sources.Select(_ => new List<T[]>()).ToArray();
        var done = new bool[sources.Count];
        var previous = Enumerable.Repeat(Start, sources.Count).ToArray();
        for (int step = 0; step < maximumLength && done.Contains(false); step++)
        {
            var (decoded, next) = Decoder.Step(previous.Select(id => Sequence<T>.FromTokens(id)).ToList(), state);
            var logits = Logits(decoded, memoryRowOf);
            state = next;
            for (int i = 0; i < sources.Count; i++)
            {
                var row = logits.AsSpan(i * Options.TargetVocabularySize, Options.TargetVocabularySize);
                previous[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(row);
                if (done[i]) continue;
                if (previous[i] == End) done[i] = true;
                else
                {
                    outputs[i].Add(previous[i]);
                    if (_attention is not null) weights[i].Add(AttentionRow(i, sources[i].Length));
                }
            }
        }
        return (outputs.Select(o => o.ToArray()).ToArray(), weights.Select(w => w.ToArray()).ToArray());
    }

    /// <summary>
    /// Beam search: keeps the <paramref name="beamWidth"/> most likely partial outputs (by summed log-probability), extends
    /// each by every token, and keeps the best again, until every kept output has ended or <paramref name="maximumLength"/>
    /// tokens. A finished output only extends by &lt;/s&gt;, at no cost. Ties go to the earlier beam and token, as ONNX TopK.
    /// The answer is the kept output with the best summed log-probability divided by its length to the power
    /// <paramref name="lengthPenalty"/> (<see cref="RankOfOutput"/>; 1 by default, as the ML.NET estimator's option).
    /// </summary>
    public int[] DecodeBeam(Sequence<T> source, int beamWidth, int maximumLength, double lengthPenalty = 1) =>
        Beam(source, beamWidth, maximumLength, lengthPenalty).Tokens;

    /// <summary>Beam search that also returns the best output's attention weights: one row of source-length values per
    /// output token. Needs attention.</summary>
    public (int[] Tokens, T[][] Attention) DecodeBeamWithAttention(Sequence<T> source, int beamWidth, int maximumLength, double lengthPenalty = 1)
    {
        RequireAttention();
        return Beam(source, beamWidth, maximumLength, lengthPenalty);
    }

    /// <summary>
    /// How beam search ranks the outputs it kept: the summed log-probability <paramref name="score"/> divided by
    /// length^<paramref name="lengthPenalty"/>, the length counting the output's tokens and its &lt;/s&gt; when it has
    /// one, and at least 1 (Wu et al. 2016's length normalisation, as Hugging Face's <c>length_penalty</c>). 0 ranks by
    /// the summed log-probability, which every token only lowers, so a weak model's beam leans to short outputs; 1 ranks by
    /// the mean log-probability per token.
    /// </summary>
    public static double RankOfOutput(double score, int tokens, bool ended, double lengthPenalty) =>
        score / Math.Pow(Math.Max(1, tokens + (ended ? 1 : 0)), lengthPenalty);

    private (int[] Tokens, T[][] Attention) Beam(Sequence<T> source, int beamWidth, int maximumLength, double lengthPenalty)
    {
        if (beamWidth < 1) throw new ArgumentOutOfRangeException(nameof(beamWidth), beamWidth, "The beam width must be at least 1.");
        if (!(lengthPenalty >= 0 && double.IsFinite(lengthPenalty)))
            throw new ArgumentOutOfRangeException(nameof(lengthPenalty), lengthPenalty, "The length penalty must be a finite number, 0 or more.");
        int v = Options.TargetVocabularySize;
        var (encoderState, _) = Encode([source]);
        // Every beam starts from the encoder's state and reads the one source; only beam 0 is live at first, so the first
        // step does not pick duplicates.
        var state = Tile(encoderState, beamWidth);
        var memoryRowOf = new int[beamWidth];
        var scores = Enumerable.Range(0, beamWidth).Select(b => b == 0 ? 0.0 : double.NegativeInfinity).ToArray();
        var finished = new bool[beamWidth];
        var histories = Enumerable.Range(0, beamWidth).Select(_ => new List<int>()).ToArray();
        var weights = Enumerable.Range(0, beamWidth).Select(_ => new List<T[]>()).ToArray();
        var previous = Enumerable.Repeat(Start, beamWidth).ToArray();
        for (int step = 0; step < maximumLength && finished.Contains(false); step++)
        {
            var (decoded, next) = Decoder.Step(previous.Select(id => Sequence<T>.FromTokens(id)).ToList(), state);
            var logits = Logits(decoded, memoryRowOf);
            var candidates = new List<(double Score, int Flat)>(beamWidth * v);
            for (int b = 0; b < beamWidth; b++)
            {
                var row = logits.AsSpan(b * v, v).ToArray().Select(x => double.CreateChecked(x)).ToArray();
                double max = row.Max(), logSum = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
                for (int token = 0; token < v; token++)
                    candidates.Add((finished[b] ? (token == End ? scores[b] : double.NegativeInfinity) : scores[b] + row[token] - logSum, b * v + token));
            }
            var best = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Flat).Take(beamWidth).ToArray();
            var parents = best.Select(c => c.Flat / v).ToArray();
            histories = best.Select(c => new List<int>(histories[c.Flat / v]) { c.Flat % v }).ToArray();
            if (_attention is not null) weights = parents.Select(p => new List<T[]>(weights[p]) { AttentionRow(p, source.Length) }).ToArray();
            finished = best.Select(c => finished[c.Flat / v] || c.Flat % v == End).ToArray();
            scores = best.Select(c => c.Score).ToArray();
            previous = best.Select(c => c.Flat % v).ToArray();
            state = Select(next, parents);
        }
        var ranks = scores.Select((score, b) => RankOfOutput(score, histories[b].TakeWhile(id => id != End).Count(), finished[b], lengthPenalty)).ToArray();
        int winner = Array.IndexOf(ranks, ranks.Max());
        int[] tokens = histories[winner].TakeWhile(id => id != End).ToArray();
        return (tokens, weights[winner].Take(tokens.Length).ToArray());
    }

    /// <summary>Runs the encoder over the sources and, with attention, makes its outputs the memory. Returns the decoder's
    /// initial state and, for each source in the caller's order, its memory row.</summary>
    private (RecurrentState<T> State, int[] MemoryRowOf) Encode(IReadOnlyList<Sequence<T>> sources)
    {
        var batch = SequenceBatch<T>.Create(sources);
        var encoded = Encoder.Forward(batch);
        _attention?.SetMemory(encoded.SortedLogits, batch.MaxLength, batch.Count, batch.Lengths, Options.Threads);
        return (Bridge(encoded.FinalState), SortedRowOf(batch));
    }

    /// <summary>The logits [R, V] from the decoder's outputs for R rows (steps of a batch, or one decoding step): its own
    /// logits without attention, or the output layer on the attentional states, row r attending to memory row
    /// <paramref name="memoryRowOf"/>[r].</summary>
    private T[] Logits(T[] decoded, int[] memoryRowOf)
    {
        if (_attention is null) return decoded;
        int rows = memoryRowOf.Length;
        return _output!.Forward(_attention.Forward(decoded, rows, memoryRowOf, Options.Threads), rows, Options.Threads);
    }

    /// <summary>Row <paramref name="row"/> of the last step's attention weights, over the source's <paramref name="length"/> tokens.</summary>
    private T[] AttentionRow(int row, int length) => _attention!.Weights.Slice(row * _attention.MemorySteps, length).ToArray();

    private void RequireAttention()
    {
        if (_attention is null) throw new InvalidOperationException("The model has no attention (Attention is None), so there are no attention weights to return.");
    }

    /// <summary>For each sequence in the caller's order, its row in the batch's sorted layout.</summary>
    private static int[] SortedRowOf(SequenceBatch<T> batch)
    {
        var rowOf = new int[batch.Count];
        for (int row = 0; row < batch.Count; row++) rowOf[batch.Order[row]] = row;
        return rowOf;
    }

    private static RecurrentState<T> Tile(RecurrentState<T> single, int rows) => Select(single, new int[rows]);

    /// <summary>A state whose row r is row <paramref name="rows"/>[r] of <paramref name="state"/>.</summary>
    private static RecurrentState<T> Select(RecurrentState<T> state, int[] rows)
    {
        var result = new RecurrentState<T>(state.Layers, state.Directions, rows.Length, state.HiddenSize, state.Cell.Length > 0);
        int h = state.HiddenSize;
        for (int block = 0; block < state.Layers * state.Directions; block++)
            for (int r = 0; r < rows.Length; r++)
            {
                state.Hidden.AsSpan((block * state.Rows + rows[r]) * h, h).CopyTo(result.Hidden.AsSpan((block * rows.Length + r) * h, h));
                if (state.Cell.Length > 0) state.Cell.AsSpan((block * state.Rows + rows[r]) * h, h).CopyTo(result.Cell.AsSpan((block * rows.Length + r) * h, h));
            }
        return result;
    }

    private (double Loss, double Weight, SequenceBatch<T> Sources, SequenceBatch<T> DecoderBatch) Forward(IReadOnlyList<LabeledSequence<T>> batch, bool training, Random? dropout)
    {
        var sources = SequenceBatch<T>.Create(batch.Select(e => e.Input).ToList());
        var encoded = Encoder.Forward(sources, training, dropout);
        var teacherForced = batch.Select((e, i) =>
        {
            if (e.Target.Length == 0) throw new ArgumentException($"Example {i} has an empty target: a target needs at least one token.");
            int[] target = e.Target.Select(v => int.CreateChecked(v)).ToArray();
            return new LabeledSequence<T>(Sequence<T>.FromTokens([Start, .. target]), [.. e.Target, T.CreateChecked(End)]);
        }).ToList();
        var decoderBatch = SequenceBatch<T>.Create(teacherForced, targetsPerStep: true);
        var output = Decoder.Forward(decoderBatch, training, dropout, Bridge(encoded.FinalState));
        _attention?.SetMemory(encoded.SortedLogits, sources.MaxLength, sources.Count, sources.Lengths, Options.Threads);
        T[] logits = Logits(output.SortedLogits, _attention is null ? [] : MemoryRows(sources, decoderBatch));
        var grad = Layers.Buffers.Ensure(ref _logitsGrad, (long)output.Rows * Options.TargetVocabularySize);
        double loss = _loss.Evaluate(logits, decoderBatch.Targets, output.RowMask, output.Rows, Options.TargetVocabularySize, grad, out double weight);
        return (loss, weight, sources, decoderBatch);
    }

    /// <summary>For each decoder row (step t of sorted row r at t·B + r), the sorted encoder row of its source; −1 past the
    /// row's end.</summary>
    private static int[] MemoryRows(SequenceBatch<T> sources, SequenceBatch<T> decoderBatch)
    {
        int[] sourceRowOf = SortedRowOf(sources);
        int b = decoderBatch.Count;
        var memoryRowOf = new int[decoderBatch.MaxLength * b];
        for (int t = 0; t < decoderBatch.MaxLength; t++)
            for (int r = 0; r < b; r++)
                memoryRowOf[t * b + r] = t < decoderBatch.Lengths[r] ? sourceRowOf[decoderBatch.Order[r]] : -1;
        return memoryRowOf;
    }

    /// <summary>Encoder state [L, D, B, H] → decoder state [L, 1, B, D·H]: each row's directions side by side.</summary>
    private RecurrentState<T> Bridge(RecurrentState<T> encoder)
    {
        var decoder = new RecurrentState<T>(encoder.Layers, 1, encoder.Rows, encoder.Directions * encoder.HiddenSize, encoder.Cell.Length > 0);
        Copy(encoder, decoder, toDecoder: true);
        return decoder;
    }

    /// <summary>The inverse of <see cref="Bridge"/>, for the gradient.</summary>
    private RecurrentState<T> Unbridge(RecurrentState<T> decoder)
    {
        var encoder = new RecurrentState<T>(decoder.Layers, Encoder.Directions, decoder.Rows, Options.HiddenSize, decoder.Cell.Length > 0);
        Copy(encoder, decoder, toDecoder: false);
        return encoder;
    }

    private static void Copy(RecurrentState<T> encoder, RecurrentState<T> decoder, bool toDecoder)
    {
        int h = encoder.HiddenSize, dirs = encoder.Directions, rows = encoder.Rows;
        for (int l = 0; l < encoder.Layers; l++)
            for (int d = 0; d < dirs; d++)
                for (int b = 0; b < rows; b++)
                {
                    int e = ((l * dirs + d) * rows + b) * h, x = (l * rows + b) * dirs * h + d * h;
                    if (toDecoder)
                    {
                        encoder.Hidden.AsSpan(e, h).CopyTo(decoder.Hidden.AsSpan(x, h));
                        if (encoder.Cell.Length > 0) encoder.Cell.AsSpan(e, h).CopyTo(decoder.Cell.AsSpan(x, h));
                    }
                    else
                    {
                        decoder.Hidden.AsSpan(x, h).CopyTo(encoder.Hidden.AsSpan(e, h));
                        if (encoder.Cell.Length > 0) decoder.Cell.AsSpan(x, h).CopyTo(encoder.Cell.AsSpan(e, h));
                    }
                }
    }
}
