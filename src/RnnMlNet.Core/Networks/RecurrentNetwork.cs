using System.Numerics;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Initialisation;
using RnnMlNet.Core.Layers;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// A recurrent network: optional embedding, stacked (optionally bidirectional) recurrent layers with dropout
/// between them, and a dense head on the last hidden state (or on the steps pooled) or on every step; a many-to-one
/// head can add a linear wide part on sparse side features of each sequence (wide and deep).
/// <para>Not thread-safe: a forward pass keeps what its backward pass needs. Use one network per thread,
/// or copy weights between networks with <see cref="NetworkWeights.Export{T}"/> and <see cref="NetworkWeights.Import{T}"/>.</para>
/// </summary>
public sealed class RecurrentNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly EmbeddingLayer<T>? _embedding;
    private readonly RecurrentLayer<T>[] _layers;
    private readonly DropoutLayer<T>[] _dropouts;
    private readonly DropoutLayer<T> _inputDropout, _outputDropout;
    private readonly PoolingLayer<T>? _pooling;
    private readonly DenseLayer<T>? _head;
    private readonly WideLayer<T>? _wide;
    private SequenceBatch<T>? _batch;
    private NetworkOutput<T>? _output;
    private T[]? _headInput, _finalHiddenGrad, _finalCellGrad;
    private T[] _lastHeadInput = Array.Empty<T>();
    private int[]? _droppedTokens;
    private RecurrentState<T>? _initialStateGrad;
    private bool _embeddingFolded, _inputDropped, _outputDropped, _betweenDropped;
    private T[] _firstInputGrad = Array.Empty<T>();

    /// <summary>Builds the network and initialises its weights from <paramref name="seed"/>.</summary>
    public RecurrentNetwork(NetworkOptions options, int seed = 0) : this(options, seed, new ParameterSet<T>(), "")
    {
    }

    /// <summary>Builds a network whose weights live in <paramref name="parameters"/> under names starting with <paramref name="prefix"/>,
    /// so that several networks trained together (an encoder and a decoder) share one flat buffer.</summary>
    internal RecurrentNetwork(NetworkOptions options, int seed, ParameterSet<T> parameters, string prefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options.Clone();
        Parameters = parameters;
        if (Options.Input == InputKind.EmbeddedTokens)
            _embedding = new EmbeddingLayer<T>(Parameters, prefix + "embedding", Options.VocabularySize, Options.EmbeddingSize);
        _layers = new RecurrentLayer<T>[Options.Layers];
        int width = Options.InputWidth;
        for (int l = 0; l < Options.Layers; l++)
        {
            _layers[l] = new RecurrentLayer<T>(Parameters, $"{prefix}layer{l}", Options.Cell, width, Options.HiddenSize, Options.Bidirectional, Options.SeparateBiases);
            width = _layers[l].OutputSize;
        }
        _dropouts = Enumerable.Range(0, Options.Layers - 1).Select(_ => new DropoutLayer<T>(Options.Dropout)).ToArray();
        _inputDropout = new DropoutLayer<T>(Options.InputDropout);
        _outputDropout = new DropoutLayer<T>(Options.OutputDropout);
        if (Options.Pooling != Pooling.Last) _pooling = new PoolingLayer<T>(Parameters, prefix + "pooling", Options.Pooling, width);
        if (Options.Head != HeadKind.None) _head = new DenseLayer<T>(Parameters, prefix + "head", width, Options.Outputs);
        if (Options.SideFeatures > 0) _wide = new WideLayer<T>(Parameters, prefix + "wide", Options.SideFeatures, Options.Outputs);
        Initialize(new Random(seed));
    }

    /// <summary>The network's shape (a copy of what it was built with).</summary>
    public NetworkOptions Options { get; }

    /// <summary>Every weight and its gradient.</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>1, or 2 for bidirectional layers.</summary>
    public int Directions => Options.Bidirectional ? 2 : 1;

    /// <summary>The recurrent cells, layer by layer, forward direction first.</summary>
    public IEnumerable<RecurrentCell<T>> Cells => _layers.SelectMany(l => l.Directions.Select(d => d.Cell));

    internal RecurrentLayer<T> Layer(int index) => _layers[index];

    internal DenseLayer<T> Head => _head ?? throw new InvalidOperationException("The network has no head (HeadKind.None).");

    internal bool HasHead => _head is not null;

    /// <summary>The linear part on the side features of a wide-and-deep network; null without side features.</summary>
    internal WideLayer<T>? Wide => _wide;

    internal EmbeddingLayer<T>? Embedding => _embedding;

    /// <summary>The pooling over steps of a many-to-one network; null for <see cref="Pooling.Last"/>.</summary>
    internal PoolingLayer<T>? PoolingLayer => _pooling;

    /// <summary>Runs the network over a batch.</summary>
    /// <param name="batch">The sequences.</param>
    /// <param name="training">Applies dropout when true.</param>
    /// <param name="dropoutRandom">Source of dropout masks in training; a fixed seed gives a fixed mask.</param>
    /// <param name="initialState">Starting state per layer, in the caller's order; null for zeros.</param>
    public NetworkOutput<T> Forward(SequenceBatch<T> batch, bool training = false, Random? dropoutRandom = null, RecurrentState<T>? initialState = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckInput(batch);
        CheckState(initialState, batch.Count, nameof(initialState));
        _batch = batch;
        _initialStateGrad = null;
        int b = batch.Count, threads = Options.Threads;
        long rows = (long)batch.MaxLength * b;
        RecurrentState<T>? sortedInitial = initialState is null ? null : Permute(initialState, batch, toSorted: true);
        var finalSorted = new RecurrentState<T>(Options.Layers, Directions, b, Options.HiddenSize, Options.Cell == CellKind.Lstm);

        var random = dropoutRandom ?? Random.Shared;
        _inputDropped = training && Options.InputDropout > 0;
        _outputDropped = training && Options.OutputDropout > 0;
        _betweenDropped = training && Options.Dropout > 0 && _dropouts.Length > 0;
        // Input dropout masks the embedded rows themselves, so they are formed rather than folded into W_i.
        _embeddingFolded = FoldsEmbedding(batch) && !_inputDropped;
        int[]? tokens = training && Options.WordDropout > 0 ? DropWords(batch, random) : batch.Tokens;
        LayerInput<T> input = FirstLayerInput(batch, tokens, _embeddingFolded);
        if (_inputDropped)
            input = LayerInput<T>.FromDense(_inputDropout.Forward(input.Dense!, batch.MaxLength, b, Options.InputWidth, random), Options.InputWidth);
        bool perStep = Options.Head != HeadKind.LastHidden, everyOutput = perStep || _pooling is not null;
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            bool last = l == _layers.Length - 1;
            layer.Forward(input, batch, sortedInitial is null ? default : sortedInitial.LayerHidden(l),
                sortedInitial is null ? default : sortedInitial.LayerCell(l), threads, formOutput: !last || everyOutput);
            layer.CopyFinalState(finalSorted.LayerHidden(l), finalSorted.LayerCell(l));
            if (last && !everyOutput) break;
            T[] output = layer.Output;
            if (_betweenDropped && l < _dropouts.Length)
                output = _dropouts[l].Forward(output, batch.MaxLength, b, layer.OutputSize, random);
            if (last && _outputDropped)
                output = _outputDropout.Forward(output, batch.MaxLength, b, layer.OutputSize, random);
            input = LayerInput<T>.FromDense(output, layer.OutputSize);
        }

        int headRows = perStep ? (int)rows : b;
        T[] headInput = perStep ? input.Dense! : _pooling?.Forward(input.Dense!, batch) ?? LastHiddenFeatures(finalSorted);
        if (_outputDropped && !perStep && _pooling is null)
            headInput = _outputDropout.Forward(headInput, 1, b, _layers[^1].OutputSize, random);
        _lastHeadInput = headInput;
        // Without a head the "logits" are the last layer's outputs themselves.
        T[] logits = _head?.Forward(headInput, headRows, threads) ?? headInput;
        _wide?.AddTo(logits, batch.Side!);
        byte[] mask = perStep ? StepMask(batch) : Array.Empty<byte>();
        _output = new NetworkOutput<T>(batch, logits, headRows, Options.OutputWidth, perStep, mask, Permute(finalSorted, batch, toSorted: false));
        return _output;
    }

    /// <summary>
    /// Back-propagates ∂L/∂logits (in <see cref="NetworkOutput{T}.SortedLogits"/> layout) through the last forward pass,
    /// adding to <see cref="ParameterSet{T}.Gradients"/> (call <see cref="ParameterSet{T}.ZeroGradients"/> first).
    /// </summary>
    /// <param name="logitsGrad">∂L/∂logits; may be empty when only <paramref name="finalStateGrad"/> carries gradient.</param>
    /// <param name="finalStateGrad">∂L/∂(final state) in the caller's order, e.g. from a decoder that starts from it; null for none.</param>
    public void Backward(ReadOnlySpan<T> logitsGrad, RecurrentState<T>? finalStateGrad = null)
    {
        var batch = _batch ?? throw new InvalidOperationException("Call Forward before Backward.");
        CheckState(finalStateGrad, batch.Count, nameof(finalStateGrad));
        int threads = Options.Threads, b = batch.Count, h = Options.HiddenSize, stateSize = Directions * b * h;
        long rows = (long)batch.MaxLength * b;
        bool perStep = Options.Head != HeadKind.LastHidden;

        ReadOnlySpan<T> headInputGrad = logitsGrad.IsEmpty ? default : _head is null ? logitsGrad : _head.Backward(logitsGrad, threads);
        bool finalStatesRead = !perStep && _pooling is null;
        if (!headInputGrad.IsEmpty && _outputDropped && finalStatesRead) headInputGrad = _outputDropout.Backward(headInputGrad, 1);
        if (!logitsGrad.IsEmpty) _wide?.Backward(logitsGrad, batch.Side!);
        RecurrentState<T>? sortedFinalGrad = finalStateGrad is null ? null : Permute(finalStateGrad, batch, toSorted: true);
        ReadOnlySpan<T> outputGrad = headInputGrad.IsEmpty ? default
            : perStep ? headInputGrad
            : _pooling is not null ? _pooling.Backward(headInputGrad)
            : default;
        if (!outputGrad.IsEmpty && _outputDropped) outputGrad = _outputDropout.Backward(outputGrad, batch.MaxLength);
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            var layer = _layers[l];
            var finalHidden = Buffers.Ensure(ref _finalHiddenGrad, stateSize).AsSpan(0, stateSize);
            var finalCell = Buffers.Ensure(ref _finalCellGrad, stateSize).AsSpan(0, stateSize);
            finalHidden.Clear();
            finalCell.Clear();
            if (l == _layers.Length - 1 && !perStep && _pooling is null && !headInputGrad.IsEmpty)
                SplitLastHiddenGrad(headInputGrad, finalHidden);
            if (sortedFinalGrad is not null)
            {
                System.Numerics.Tensors.TensorPrimitives.Add<T>(finalHidden, sortedFinalGrad.LayerHidden(l), finalHidden);
                if (Options.Cell == CellKind.Lstm) System.Numerics.Tensors.TensorPrimitives.Add<T>(finalCell, sortedFinalGrad.LayerCell(l), finalCell);
            }
            // Token input has no input gradient: a folded embedding's gradient is formed by the layer.
            bool needInputGrad = l > 0 || (Options.Input != InputKind.OneHotTokens && !_embeddingFolded);
            layer.Backward(outputGrad, finalHidden, Options.Cell == CellKind.Lstm ? finalCell : default, needInputGrad, threads);
            if (!needInputGrad) break;
            int inputLength = checked((int)(rows * (l > 0 ? _layers[l - 1].OutputSize : Options.InputWidth)));
            // Only through the masks this forward pass drew: a pass in inference mode drew none.
            outputGrad = l > 0 && _betweenDropped
                ? _dropouts[l - 1].Backward(layer.InputGradient, batch.MaxLength)
                : layer.InputGradient.AsSpan(0, inputLength);
        }
        if (_inputDropped) outputGrad = _inputDropout.Backward(outputGrad, batch.MaxLength);
        if (Options.Input == InputKind.Features) _firstInputGrad = _inputDropped ? _inputDropout.InputGradient : _layers[0].InputGradient;
        if (!_embeddingFolded) _embedding?.Backward(outputGrad);
        _initialStateGrad = CollectInitialStateGrad(batch);
    }

    /// <summary>
    /// The gradient that reached each time step in the last backward pass: ‖∂L/∂h_t‖, the norm of the hidden state's whole
    /// gradient at step t (from the layer above or the head, and from the step after it in the direction's own order),
    /// averaged over the batch's sequences that
    /// have step t; indexed [layer][direction][t], forward direction first, t in natural order. This is where vanishing
    /// and exploding gradients show: for a SimpleRNN the early steps' norms fall by orders of magnitude as sequences grow.
    /// </summary>
    public double[][][] GradientReachingEachStep()
    {
        if (_initialStateGrad is null) throw new InvalidOperationException("Call Forward and Backward first.");
        return _layers.Select(layer => layer.Directions.Select(d => d.HiddenGradientNorms()).ToArray()).ToArray();
    }

    /// <summary>∂L/∂(initial state) of the last backward pass, in the caller's order.</summary>
    public RecurrentState<T> InitialStateGradient => _initialStateGrad ?? throw new InvalidOperationException("Call Backward first.");

    /// <summary>
    /// ∂L/∂(numeric input) of sequence <paramref name="sequence"/> after the last backward pass, Length × F values.
    /// Only for <see cref="InputKind.Features"/>.
    /// </summary>
    public T[] InputGradientOf(int sequence)
    {
        if (Options.Input != InputKind.Features) throw new InvalidOperationException("Only numeric input has an input gradient.");
        var batch = _batch ?? throw new InvalidOperationException("Call Forward and Backward first.");
        int row = Array.IndexOf(batch.Order, sequence), f = Options.FeaturesPerStep;
        if (row < 0) throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"The batch has {batch.Count} sequences.");
        var result = new T[batch.Lengths[row] * f];
        for (int t = 0; t < batch.Lengths[row]; t++)
            _firstInputGrad.AsSpan((t * batch.Count + row) * f, f).CopyTo(result.AsSpan(t * f, f));
        return result;
    }

    /// <summary>
    /// Advances every sequence by its steps (usually one) from <paramref name="state"/> and returns the head's logits
    /// for the last step, [B, C] in the caller's order (without a head, the last layer's outputs, [B, D·H]), with the new
    /// state. For generation and decoding.
    /// </summary>
    public (T[] Logits, RecurrentState<T> State) Step(IReadOnlyList<Sequence<T>> inputs, RecurrentState<T>? state)
    {
        if (Options.Bidirectional)
            throw new InvalidOperationException("A bidirectional network cannot advance step by step: its backward direction needs the whole sequence.");
        var batch = SequenceBatch<T>.Create(inputs);
        var output = Forward(batch, training: false, initialState: state);
        int width = Options.OutputWidth;
        var logits = new T[batch.Count * width];
        for (int i = 0; i < batch.Count; i++)
        {
            T[] all = output.LogitsOf(i);
            all.AsSpan(all.Length - width).CopyTo(logits.AsSpan(i * width, width));
        }
        return (logits, output.FinalState);
    }

    /// <summary>
    /// The vector the head of a many-to-one network reads for each sequence, in the caller's order: the final hidden states,
    /// or the outputs pooled over the steps (D·H values; side features not included). A sequence embedding for downstream
    /// models or similarity.
    /// </summary>
    public T[][] PooledStates(IReadOnlyList<Sequence<T>> sequences)
    {
        if (Options.Head != HeadKind.LastHidden) throw new InvalidOperationException($"A network with Head = {Options.Head} pools nothing: only a many-to-one network (LastHidden) does.");
        var batch = SequenceBatch<T>.Create(sequences);
        Forward(batch);
        int width = Head.InputSize;
        var states = new T[batch.Count][];
        for (int row = 0; row < batch.Count; row++)
            states[batch.Order[row]] = _lastHeadInput.AsSpan(row * width, width).ToArray();
        return states;
    }

    /// <summary>Logits in the caller's order for unlabelled sequences: one row of C per sequence, or Length × C for a per-step head.</summary>
    public T[][] Predict(IReadOnlyList<Sequence<T>> sequences)
    {
        var output = Forward(SequenceBatch<T>.Create(sequences));
        return Enumerable.Range(0, sequences.Count).Select(output.LogitsOf).ToArray();
    }

    /// <summary>
    /// A scorer over a frozen copy of the current weights: faster than <see cref="Predict"/> (nothing is kept for
    /// back-propagation, the recurrent weights are packed once, and token input can read its whole input projection
    /// from a precomputed table). Later training of this network does not change the scorer; create a new one.
    /// </summary>
    /// <param name="maximumTableBytes">Largest input table [V, G·H] to precompute per direction of the first layer, for token
    /// input. Default 256 MiB; 0 never builds one.</param>
    public SequenceScorer<T> CreateScorer(long maximumTableBytes = 256L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maximumTableBytes);
        var copy = new RecurrentNetwork<T>(Options, seed: 0);
        // By name, not by position: an encoder's or decoder's weights share one buffer with the other network's.
        copy.Import(this.Export());
        return new SequenceScorer<T>(copy, maximumTableBytes);
    }

    /// <summary>What the first layer reads: token ids (<paramref name="tokens"/>, by default the batch's), embedded ids
    /// folded into its input weights, or dense rows.</summary>
    internal LayerInput<T> FirstLayerInput(SequenceBatch<T> batch, int[]? tokens = null, bool? fold = null) => Options.Input switch
    {
        InputKind.OneHotTokens => LayerInput<T>.FromTokens(tokens ?? batch.Tokens!, Options.VocabularySize),
        InputKind.EmbeddedTokens when fold ?? FoldsEmbedding(batch) => LayerInput<T>.FromEmbeddedTokens(tokens ?? batch.Tokens!, _embedding!.Table, Options.EmbeddingSize),
        InputKind.EmbeddedTokens => LayerInput<T>.FromDense(_embedding!.Forward(tokens ?? batch.Tokens!), Options.EmbeddingSize),
        _ => LayerInput<T>.FromDense(batch.Features!, Options.FeaturesPerStep),
    };

    /// <summary>
    /// Word dropout: a copy of the batch's token ids where each sequence's dropped word types read −1 at every step they
    /// occur, which every token path treats as no input (x_t = 0, no gradient to that word's weights).
    /// </summary>
    private int[] DropWords(SequenceBatch<T> batch, Random random)
    {
        // Exactly the batch's length: the layers read every entry of a token array.
        int[] tokens = _droppedTokens?.Length == batch.Tokens!.Length ? _droppedTokens : _droppedTokens = new int[batch.Tokens.Length];
        batch.Tokens.CopyTo(tokens, 0);
        var dropped = new Dictionary<int, bool>();
        for (int row = 0; row < batch.Count; row++)
        {
            dropped.Clear();
            for (int t = 0; t < batch.Lengths[row]; t++)
            {
                ref int token = ref tokens[t * batch.Count + row];
                if (!dropped.TryGetValue(token, out bool drop)) dropped[token] = drop = random.NextDouble() < Options.WordDropout;
                if (drop) token = -1;
            }
        }
        return tokens;
    }

    /// <summary>Fewer token ids than steps: the first layer folds the embedding into its input weights (E·W_i, then a row
    /// gather), so its input products run over the vocabulary rather than over every step.</summary>
    private bool FoldsEmbedding(SequenceBatch<T> batch) =>
        Options.Input == InputKind.EmbeddedTokens && Options.VocabularySize < (long)batch.MaxLength * batch.Count;

    private void Initialize(Random random)
    {
        if (_embedding is not null) WeightInitializer.StandardNormal(Parameters.Value(_embedding.Table), random);
        foreach (var cell in Cells) WeightInitializer.InitializeCell(cell, Options.ForgetGateBias, random);
        // A small random query: attention starts close to the mean, and no two steps score alike by construction.
        if (_pooling?.Query is { } query) WeightInitializer.XavierUniform(Parameters.Value(query), query.Length, 1, random);
        if (_head is null) return;
        WeightInitializer.XavierUniform(Parameters.Value(_head.Weights), _head.InputSize, _head.OutputSize, random);
        Parameters.Value(_head.Bias).Clear();
    }

    private T[] LastHiddenFeatures(RecurrentState<T> finalSorted)
    {
        // Head input row = [final h of each direction of the last layer], [B, D·H].
        int b = finalSorted.Rows, h = Options.HiddenSize, d = Directions;
        var features = Buffers.Ensure(ref _headInput, (long)b * d * h);
        Span<T> last = finalSorted.LayerHidden(_layers.Length - 1);
        for (int dir = 0; dir < d; dir++)
            for (int row = 0; row < b; row++)
                last.Slice((dir * b + row) * h, h).CopyTo(features.AsSpan((row * d + dir) * h, h));
        return features;
    }

    private void SplitLastHiddenGrad(ReadOnlySpan<T> headInputGrad, Span<T> finalHiddenGrad)
    {
        int b = _batch!.Count, h = Options.HiddenSize, d = Directions;
        for (int dir = 0; dir < d; dir++)
            for (int row = 0; row < b; row++)
                headInputGrad.Slice((row * d + dir) * h, h).CopyTo(finalHiddenGrad.Slice((dir * b + row) * h, h));
    }

    private RecurrentState<T> CollectInitialStateGrad(SequenceBatch<T> batch)
    {
        var sorted = new RecurrentState<T>(Options.Layers, Directions, batch.Count, Options.HiddenSize, Options.Cell == CellKind.Lstm);
        for (int l = 0; l < _layers.Length; l++)
            _layers[l].CopyInitialStateGradient(sorted.LayerHidden(l), sorted.LayerCell(l));
        return Permute(sorted, batch, toSorted: false);
    }

    private static byte[] StepMask(SequenceBatch<T> batch)
    {
        var mask = new byte[batch.MaxLength * batch.Count];
        for (int t = 0; t < batch.MaxLength; t++)
            mask.AsSpan(t * batch.Count, batch.ActiveRows[t]).Fill(1);
        return mask;
    }

    /// <summary>Reorders the rows of a state between the caller's order and the batch's sorted order.</summary>
    private static RecurrentState<T> Permute(RecurrentState<T> state, SequenceBatch<T> batch, bool toSorted)
    {
        var result = new RecurrentState<T>(state.Layers, state.Directions, state.Rows, state.HiddenSize, state.Cell.Length > 0);
        int h = state.HiddenSize, blocks = state.Layers * state.Directions;
        for (int block = 0; block < blocks; block++)
        {
            for (int row = 0; row < batch.Count; row++)
            {
                int caller = batch.Order[row];
                int from = (block * state.Rows + (toSorted ? caller : row)) * h;
                int to = (block * state.Rows + (toSorted ? row : caller)) * h;
                state.Hidden.AsSpan(from, h).CopyTo(result.Hidden.AsSpan(to, h));
                if (state.Cell.Length > 0) state.Cell.AsSpan(from, h).CopyTo(result.Cell.AsSpan(to, h));
            }
        }
        return result;
    }

    internal void CheckInput(SequenceBatch<T> batch)
    {
        bool tokens = Options.Input != InputKind.Features;
        if (tokens && batch.Tokens is null)
            throw new ArgumentException($"The network reads token ids ({Options.Input}) but the batch holds numeric steps.", nameof(batch));
        if (!tokens && batch.Features is null)
            throw new ArgumentException("The network reads numeric steps but the batch holds token ids.", nameof(batch));
        if (!tokens && batch.FeaturesPerStep != Options.FeaturesPerStep)
            throw new ArgumentException($"The batch has {batch.FeaturesPerStep} features per step; the network expects {Options.FeaturesPerStep}.", nameof(batch));
        CheckSide(batch);
        if (!tokens) return;
        int[] ids = batch.Tokens!;
        for (int i = 0; i < ids.Length; i++)
        {
            int row = i % batch.Count, step = i / batch.Count;
            if (step < batch.Lengths[row] && (uint)ids[i] >= (uint)Options.VocabularySize)
                throw new ArgumentException($"Sequence {batch.Order[row]} has token id {ids[i]} at step {step}; expected an id in [0, {Options.VocabularySize}).", nameof(batch));
        }
    }

    private void CheckSide(SequenceBatch<T> batch)
    {
        if ((batch.Side is null) != (Options.SideFeatures == 0))
            throw new ArgumentException(Options.SideFeatures == 0
                ? "The sequences carry side features but the network has no wide part (SideFeatures is 0)."
                : $"The network reads {Options.SideFeatures} side features per sequence but the sequences carry none.", nameof(batch));
        if (batch.Side is null) return;
        for (int row = 0; row < batch.Count; row++)
        {
            int bad = Array.FindIndex(batch.Side[row].Indices, i => i >= Options.SideFeatures);
            if (bad >= 0)
                throw new ArgumentException($"Sequence {batch.Order[row]} has a side feature at slot {batch.Side[row].Indices[bad]}; expected slots in [0, {Options.SideFeatures}).", nameof(batch));
        }
    }

    private void CheckState(RecurrentState<T>? state, int rows, string name)
    {
        if (state is null) return;
        if (state.Layers != Options.Layers || state.Directions != Directions || state.Rows != rows || state.HiddenSize != Options.HiddenSize
            || (state.Cell.Length > 0) != (Options.Cell == CellKind.Lstm))
            throw new ArgumentException(
                $"{name} has shape [{state.Layers} layers, {state.Directions} directions, {state.Rows} rows, {state.HiddenSize} units{(state.Cell.Length > 0 ? ", with cell state" : "")}]; " +
                $"expected [{Options.Layers}, {Directions}, {rows}, {Options.HiddenSize}{(Options.Cell == CellKind.Lstm ? ", with cell state" : "")}].", name);
    }
}
