using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Parameters;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// Sequence to sequence (many-to-many with different lengths). The encoder reads the source; its final state, both
/// directions side by side for a bidirectional encoder, is the decoder's initial state. In training the decoder is fed
/// the true previous token (teacher forcing): input [&lt;s&gt;, y₁ … yₙ] predicts [y₁ … yₙ, &lt;/s&gt;]. Gradients flow from
/// the decoder's initial state back into the encoder. Both networks' weights share one parameter set.
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
    private T[]? _logitsGrad;

    /// <summary>Builds both networks and initialises their weights from <paramref name="seed"/>.</summary>
    public EncoderDecoder(EncoderDecoderOptions options, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TargetVocabularySize <= End)
            throw new ArgumentException($"TargetVocabularySize is {options.TargetVocabularySize}; expected more than the 3 special ids.", nameof(options));
        Options = options;
        Parameters = new ParameterSet<T>();
        Encoder = new RecurrentNetwork<T>(new NetworkOptions
        {
            Cell = options.Cell, Input = InputKind.EmbeddedTokens, VocabularySize = options.SourceVocabularySize, EmbeddingSize = options.EmbeddingSize,
            HiddenSize = options.HiddenSize, Layers = options.Layers, Bidirectional = options.BidirectionalEncoder, Dropout = options.Dropout,
            Outputs = 1, Threads = options.Threads,
        }, seed, Parameters, "encoder.");
        Decoder = new RecurrentNetwork<T>(new NetworkOptions
        {
            Cell = options.Cell, Input = InputKind.EmbeddedTokens, VocabularySize = options.TargetVocabularySize, EmbeddingSize = options.EmbeddingSize,
            HiddenSize = options.HiddenSize * Encoder.Directions, Layers = options.Layers, Dropout = options.Dropout, Head = HeadKind.EveryStep,
            Outputs = options.TargetVocabularySize, Threads = options.Threads,
        }, seed + 1, Parameters, "decoder.");
    }

    /// <summary>The shape.</summary>
    public EncoderDecoderOptions Options { get; }

    string ITrainingObjective<T>.TrainingSettings => FormattableString.Invariant($"encoder-decoder|dropout {Options.Dropout:R}");

    /// <summary>Reads the source. Its head is unused.</summary>
    public RecurrentNetwork<T> Encoder { get; }

    /// <summary>Writes the target, starting from the encoder's final state.</summary>
    public RecurrentNetwork<T> Decoder { get; }

    /// <inheritdoc />
    public ParameterSet<T> Parameters { get; }

    /// <inheritdoc />
    public (double Loss, double Weight) ComputeGradients(IReadOnlyList<LabeledSequence<T>> batch, Random dropout)
    {
        var (loss, weight, decoderBatch) = Forward(batch, training: true, dropout);
        Decoder.Backward(_logitsGrad.AsSpan(0, decoderBatch.MaxLength * decoderBatch.Count * Options.TargetVocabularySize));
        Encoder.Backward(default, Unbridge(Decoder.InitialStateGradient));
        return (loss, weight);
    }

    /// <inheritdoc />
    public (double Loss, double Weight) Evaluate(IReadOnlyList<LabeledSequence<T>> batch)
    {
        var (loss, weight, _) = Forward(batch, training: false, null);
        return (loss, weight);
    }

    /// <summary>Greedy decoding: the most likely token at each step, until &lt;/s&gt; or <paramref name="maximumLength"/> tokens.</summary>
    public int[][] DecodeGreedy(IReadOnlyList<Sequence<T>> sources, int maximumLength)
    {
        var state = Bridge(Encoder.Forward(SequenceBatch<T>.Create(sources)).FinalState);
        var outputs = sources.Select(_ => new List<int>()).ToArray();
        var done = new bool[sources.Count];
        var previous = Enumerable.Repeat(Start, sources.Count).ToArray();
        for (int step = 0; step < maximumLength && done.Contains(false); step++)
        {
            var (logits, next) = Decoder.Step(previous.Select(id => Sequence<T>.FromTokens(id)).ToList(), state);
            state = next;
            for (int i = 0; i < sources.Count; i++)
            {
                var row = logits.AsSpan(i * Options.TargetVocabularySize, Options.TargetVocabularySize);
                previous[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(row);
                if (done[i]) continue;
                if (previous[i] == End) done[i] = true;
                else outputs[i].Add(previous[i]);
            }
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    /// <summary>
    /// Beam search: keeps the <paramref name="beamWidth"/> most likely partial outputs (by summed log-probability), extends
    /// each by every token, and keeps the best again, until every kept output has ended or <paramref name="maximumLength"/>
    /// tokens. A finished output only extends by &lt;/s&gt;, at no cost. Ties go to the earlier beam and token, as ONNX TopK.
    /// </summary>
    public int[] DecodeBeam(Sequence<T> source, int beamWidth, int maximumLength)
    {
        if (beamWidth < 1) throw new ArgumentOutOfRangeException(nameof(beamWidth), beamWidth, "The beam width must be at least 1.");
        int v = Options.TargetVocabularySize;
        var encoderState = Bridge(Encoder.Forward(SequenceBatch<T>.Create([source])).FinalState);
        // Every beam starts from the encoder's state; only beam 0 is live at first, so the first step does not pick duplicates.
        var state = Tile(encoderState, beamWidth);
        var scores = Enumerable.Range(0, beamWidth).Select(b => b == 0 ? 0.0 : double.NegativeInfinity).ToArray();
        var finished = new bool[beamWidth];
        var histories = Enumerable.Range(0, beamWidth).Select(_ => new List<int>()).ToArray();
        var previous = Enumerable.Repeat(Start, beamWidth).ToArray();
        for (int step = 0; step < maximumLength && finished.Contains(false); step++)
        {
            var (logits, next) = Decoder.Step(previous.Select(id => Sequence<T>.FromTokens(id)).ToList(), state);
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
            finished = best.Select(c => finished[c.Flat / v] || c.Flat % v == End).ToArray();
            scores = best.Select(c => c.Score).ToArray();
            previous = best.Select(c => c.Flat % v).ToArray();
            state = Select(next, parents);
        }
        int winner = Array.IndexOf(scores, scores.Max());
        return histories[winner].TakeWhile(id => id != End).ToArray();
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

    private (double Loss, double Weight, SequenceBatch<T> DecoderBatch) Forward(IReadOnlyList<LabeledSequence<T>> batch, bool training, Random? dropout)
    {
        var encoded = Encoder.Forward(SequenceBatch<T>.Create(batch.Select(e => e.Input).ToList()), training, dropout);
        var teacherForced = batch.Select((e, i) =>
        {
            if (e.Target.Length == 0) throw new ArgumentException($"Example {i} has an empty target: a target needs at least one token.");
            int[] target = e.Target.Select(v => int.CreateChecked(v)).ToArray();
            return new LabeledSequence<T>(Sequence<T>.FromTokens([Start, .. target]), [.. e.Target, T.CreateChecked(End)]);
        }).ToList();
        var decoderBatch = SequenceBatch<T>.Create(teacherForced, targetsPerStep: true);
        var output = Decoder.Forward(decoderBatch, training, dropout, Bridge(encoded.FinalState));
        var grad = Layers.Buffers.Ensure(ref _logitsGrad, (long)output.Rows * output.Outputs);
        double loss = _loss.Evaluate(output.SortedLogits, decoderBatch.Targets, output.RowMask, output.Rows, output.Outputs, grad, out double weight);
        return (loss, weight, decoderBatch);
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
