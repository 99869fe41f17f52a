using System.Runtime.InteropServices;
using Onnx;

namespace RnnMlNet.Onnx;

/// <summary>
/// Where the values of an imported graph come from, followed backwards through the operators that only reshape, select
/// or join them. The importer packages an embedding, the recurrent layers and a dense head on the last layer's final
/// states; a graph that computes anything else between them (an MLP head, pooling over the steps, a layer norm, a
/// position embedding, the directions swapped) would import and then predict something else, so it is refused.
/// </summary>
internal sealed class OnnxDataFlow
{
    // Operators that keep the values and their order: shape changes, and Dropout and Identity at inference.
    private static readonly HashSet<string> Reshaping = ["Identity", "Dropout", "Squeeze", "Unsqueeze", "Reshape", "Flatten", "Transpose"];

    private readonly Dictionary<string, NodeProto> _producers = new();
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Func<string, InvalidDataException> _unsupported;

    public OnnxDataFlow(GraphProto graph, Dictionary<string, TensorProto> initializers, Func<string, InvalidDataException> unsupported)
    {
        foreach (var node in graph.Node)
            foreach (string output in node.Output.Where(o => o.Length > 0))
                _producers[output] = node;
        _initializers = initializers;
        _unsupported = unsupported;
    }

    /// <summary>A piece of a recurrent node's output: <see cref="Output"/> 0 is Y (every step), 1 is Y_h (the final
    /// states); <see cref="Direction"/> 0 is forward, 1 backward.</summary>
    public readonly record struct StatePiece(NodeProto Node, int Output, int Direction, bool LastStep = false);

    /// <summary>The node that computes <paramref name="tensor"/> once reshaping operators are skipped, and which of its
    /// outputs it is; null for a graph input or a weight.</summary>
    public (NodeProto Node, int Output)? Source(string tensor)
    {
        var seen = new HashSet<string>();
        while (_producers.TryGetValue(tensor, out var node))
        {
            if (!seen.Add(tensor)) throw Cycle(tensor);
            if (!Reshaping.Contains(node.OpType)) return (node, node.Output.IndexOf(tensor));
            tensor = node.Input[0];
        }
        return null;
    }

    /// <summary>A crafted graph can feed a node its own output; followed backwards, it would loop (or overflow the stack).</summary>
    private InvalidDataException Cycle(string tensor) => _unsupported($"'{tensor}' is computed from itself (the graph has a cycle)");

    /// <summary>The recurrent states <paramref name="tensor"/> holds, in the order its last axis holds them; throws naming
    /// the first operator on the way that computes anything else.</summary>
    public List<StatePiece> States(string tensor, Func<NodeProto, int> directionsOf) => States(tensor, directionsOf, []);

    private List<StatePiece> States(string tensor, Func<NodeProto, int> directionsOf, HashSet<string> path)
    {
        if (!_producers.TryGetValue(tensor, out var node)) throw _unsupported($"the head reads '{tensor}', not a recurrent layer's state");
        if (!path.Add(tensor)) throw Cycle(tensor);
        try
        {
            return StatesOf(node, tensor, directionsOf, path);
        }
        finally
        {
            path.Remove(tensor);
        }
    }

    private List<StatePiece> StatesOf(NodeProto node, string tensor, Func<NodeProto, int> directionsOf, HashSet<string> path)
    {
        int output = node.Output.IndexOf(tensor);
        switch (node.OpType)
        {
            case "LSTM" or "GRU" or "RNN":
                if (output == 2) throw _unsupported($"the head reads the cell state (Y_c) of {node.OpType} node '{node.Name}'");
                return Enumerable.Range(0, directionsOf(node)).Select(d => new StatePiece(node, output, d)).ToList();
            case var op when Reshaping.Contains(op):
                return States(node.Input[0], directionsOf, path);
            case "Concat":
                // Along the directions (stacked final states) or the features, the order is the inputs' order.
                return node.Input.SelectMany(input => States(input, directionsOf, path)).ToList();
            case "Gather" or "Slice":
                var pieces = States(node.Input[0], directionsOf, path);
                // On Y, a choice of steps: the last one alone (out[:, -1]) is a final state, which the importer accepts for
                // one direction only.
                if (pieces.All(p => p.Output == 0))
                    return TakesTheLastStep(node) ? pieces.Select(p => p with { LastStep = true }).ToList()
                        : throw _unsupported($"{node.OpType} node '{node.Name}' takes other steps of the step outputs than the last alone");
                return node.OpType == "Gather" ? [pieces[Wrap(GatherIndex(node), pieces.Count)]] : SliceRows(node, pieces);
            default:
                throw _unsupported($"the head reads its input through {node.OpType} node '{node.Name}'");
        }
    }

    /// <summary>The row a Gather takes from stacked final states [D·L, N, H]: a constant index on the first axis.</summary>
    private long GatherIndex(NodeProto gather)
    {
        if (gather.Attribute.FirstOrDefault(a => a.Name == "axis") is { I: not 0 })
            throw _unsupported($"Gather node '{gather.Name}' picks final states along another axis than the directions'");
        return Constant(gather.Input[1]) is [long index] ? index : throw _unsupported($"Gather node '{gather.Name}' picks final states by an index that is not one constant");
    }

    /// <summary>The rows a Slice takes from stacked final states, on the first axis with constant bounds and step 1.</summary>
    private List<StatePiece> SliceRows(NodeProto slice, List<StatePiece> pieces)
    {
        if (ConstantInput(slice, 1) is not [long start] || ConstantInput(slice, 2) is not [long end] || ConstantInput(slice, 3) is not (null or [0])
            || ConstantInput(slice, 4) is not (null or [1]))
            throw _unsupported($"Slice node '{slice.Name}' takes final states other than by constant bounds on the first axis");
        int Bound(long value) => (int)Math.Clamp(value < 0 ? value + pieces.Count : value, 0, pieces.Count);
        return pieces[Bound(start)..Math.Max(Bound(start), Bound(end))];
    }

    /// <summary>Whether a Gather or Slice of the step outputs keeps the last step alone: index −1, or a slice from −1 to the end.</summary>
    private bool TakesTheLastStep(NodeProto node) => node.OpType == "Gather"
        ? ConstantInput(node, 1) is [-1]
        : ConstantInput(node, 1) is [-1] && ConstantInput(node, 2) is null or [>= int.MaxValue] && ConstantInput(node, 4) is null or [1];

    /// <summary>The int64 values of a node's optional input <paramref name="slot"/>; null when absent or computed.</summary>
    private long[]? ConstantInput(NodeProto node, int slot) => node.Input.Count > slot && node.Input[slot].Length > 0 ? Constant(node.Input[slot]) : null;

    private static int Wrap(long index, int count) => (int)(((index % count) + count) % count);

    /// <summary>The int64 values of a weight or a Constant node's output; null when the tensor is computed.</summary>
    public long[]? Constant(string tensor)
    {
        var value = _initializers.GetValueOrDefault(tensor)
            ?? (_producers.TryGetValue(tensor, out var node) && node.OpType == "Constant" ? node.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null);
        if (value is null || value.DataType != (int)TensorProto.Types.DataType.Int64) return null;
        return value.Int64Data.Count > 0 ? value.Int64Data.ToArray() : MemoryMarshal.Cast<byte, long>(value.RawData.Span).ToArray();
    }

    // Operators whose output holds only values of their first input: a part of all zeros is zeros.
    private static readonly HashSet<string> Selecting = [.. Reshaping, "Slice", "Gather", "Expand", "Tile"];

    /// <summary>Whether <paramref name="tensor"/> is all zeros: a weight of zeros, or ConstantOfShape of 0 (its default), as
    /// PyTorch exports a recurrent layer's unspecified initial state, or a part of one: with more than one layer, PyTorch
    /// fills one tensor for all of them and slices each layer's rows from it.</summary>
    public bool IsZeros(string tensor)
    {
        var seen = new HashSet<string>();
        while (_producers.TryGetValue(tensor, out var selecting) && Selecting.Contains(selecting.OpType))
        {
            if (!seen.Add(tensor)) throw Cycle(tensor);
            tensor = selecting.Input[0];
        }
        var value = _initializers.GetValueOrDefault(tensor)
            ?? (_producers.TryGetValue(tensor, out var node) && node.OpType == "ConstantOfShape" ? node.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null);
        if (value is null) return _producers.TryGetValue(tensor, out var filler) && filler.OpType == "ConstantOfShape";
        return value.DataType == (int)TensorProto.Types.DataType.Float
            && (value.FloatData.Count > 0 ? value.FloatData.All(v => v == 0) : MemoryMarshal.Cast<byte, float>(value.RawData.Span).ToArray().All(v => v == 0));
    }
}
