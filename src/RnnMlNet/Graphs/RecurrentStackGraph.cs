using Onnx;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Graphs;

/// <summary>
/// The one ONNX writer for a stack of recurrent layers, used by the classifiers, the tagger, the encoder and the decoder:
/// each layer's weights as initializers (ONNX layout and gate order, as <c>RecurrentNetwork.Export</c> gives
/// them), and each layer as a standard <c>RNN</c>/<c>LSTM</c>/<c>GRU</c> operator (time-major, layout 0), optionally
/// started from given states. A layer's Y [T, D, N, H] becomes the next layer's X [T, N, D·H], directions side by side
/// as the engine concatenates them.
/// </summary>
internal sealed class RecurrentStackGraph
{
    private readonly string[][] _layers;

    private RecurrentStackGraph(NetworkOptions options, string[][] layers)
    {
        _layers = layers;
        Cell = options.Cell;
        HiddenSize = options.HiddenSize;
        Directions = options.Bidirectional ? 2 : 1;
    }

    public CellKind Cell { get; }

    public int HiddenSize { get; }

    public int Directions { get; }

    public int Layers => _layers.Length;

    /// <summary>Whether each layer has a cell state besides its hidden state (LSTM).</summary>
    public bool HasCell => Cell == CellKind.Lstm;

    /// <summary>States per layer: h, then c for LSTM.</summary>
    public int StatesPerLayer => HasCell ? 2 : 1;

    /// <summary>Adds the recurrent weights of <paramref name="weights"/> (from <c>RecurrentNetwork.Export</c>) under
    /// names starting with <paramref name="names"/>. <paramref name="firstInputWeights"/> replaces layer 0's W when the caller
    /// has already folded it elsewhere (one-hot input gathers rows of W_i).</summary>
    public static RecurrentStackGraph Load(OnnxGraphBuilder g, NetworkOptions options, IReadOnlyDictionary<string, NamedTensor<float>> weights, string names,
        string? firstInputWeights = null)
    {
        string Weight(string name) => g.Floats(names + name, weights[name].Shape, weights[name].Values);
        var layers = Enumerable.Range(0, options.Layers)
            .Select(l => new[] { l == 0 && firstInputWeights is not null ? firstInputWeights : Weight($"layer{l}.W"), Weight($"layer{l}.R"), Weight($"layer{l}.B") })
            .ToArray();
        return new RecurrentStackGraph(options, layers);
    }

    /// <summary>What a run of the stack produced.</summary>
    /// <param name="Output">The top layer's Y as [T, N, D·H]; empty when not asked for.</param>
    /// <param name="States">Each layer's final states in order (h [D, N, H], then c for LSTM).</param>
    /// <param name="TopHidden">The top layer's final h [D, N, H].</param>
    public sealed record Result(string Output, IReadOnlyList<string> States, string TopHidden);

    /// <summary>
    /// Runs X [T, N, I] through every layer, from <paramref name="initialStates"/> (per layer h, then c for LSTM) or from
    /// zeros. <paramref name="topOutput"/> false skips the top layer's per-step output when only final states are read.
    /// <paramref name="sequenceLengths"/> (int32 [N]) makes each row's run stop at its own length, as the operators define:
    /// final states at the last step of the row, zeros in Y past it.
    /// </summary>
    public Result Run(OnnxGraphBuilder g, string x, IReadOnlyList<string>? initialStates, string prefix, bool topOutput = true, string? sequenceLengths = null)
    {
        var states = new List<string>();
        string topHidden = "";
        for (int l = 0; l < Layers; l++)
        {
            bool top = l == Layers - 1;
            string[] inputs = initialStates is null
                ? sequenceLengths is null ? [x, .. _layers[l]] : [x, .. _layers[l], sequenceLengths]
                : [x, .. _layers[l], sequenceLengths ?? "", .. initialStates.Skip(l * StatesPerLayer).Take(StatesPerLayer)];
            string y = top && !topOutput ? "" : $"{prefix}{l}.Y";
            string[] outputs = HasCell ? [y, $"{prefix}{l}.Y_h", $"{prefix}{l}.Y_c"] : [y, $"{prefix}{l}.Y_h"];
            var produced = g.MultiOutputNode(Operator, inputs, outputs, Attributes());
            states.AddRange(produced.Skip(1));
            topHidden = produced[1];
            // Y [T, D, N, H] → [T, N, D·H]: the next layer's input, or the caller's per-step output.
            if (y.Length > 0)
                x = g.Node("Reshape", [g.Node("Transpose", [produced[0]], null, OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3)), g.Longs($"{prefix}{l}.output_shape", 0, 0, -1)]);
        }
        return new Result(topOutput ? x : "", states, topHidden);
    }

    /// <summary>Token ids [N, T] looked up in <paramref name="table"/> as time-major X [T, N, width].</summary>
    public static string Embed(OnnxGraphBuilder g, string table, string ids) =>
        g.Node("Gather", [table, g.Node("Transpose", [ids], null, OnnxGraphBuilder.Ints("perm", 1, 0))], null, OnnxGraphBuilder.Int("axis", 0));

    private string Operator => Cell switch { CellKind.SimpleRnn => "RNN", CellKind.Lstm => "LSTM", _ => "GRU" };

    private AttributeProto[] Attributes()
    {
        var attributes = new List<AttributeProto>
        {
            OnnxGraphBuilder.Int("hidden_size", HiddenSize),
            OnnxGraphBuilder.Text("direction", Directions == 2 ? "bidirectional" : "forward"),
        };
        // PyTorch's GRU (and the engine's) applies the reset gate after the recurrent product.
        if (Cell == CellKind.Gru) attributes.Add(OnnxGraphBuilder.Int("linear_before_reset", 1));
        return attributes.ToArray();
    }
}
