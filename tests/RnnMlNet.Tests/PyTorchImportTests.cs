using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Core.Cells;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// Recurrent classifiers trained in PyTorch, exported with torch.onnx.export and committed with the script that made
/// them (Fixtures/make_pytorch_fixtures.py), imported here: the engine and the ML.NET pipeline give PyTorch's outputs.
/// </summary>
public class PyTorchImportTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed record Case(int[] Tokens, float[] Logits);

    private static (ImportedRecurrentModel Model, Case[] Cases) Load(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, name + ".json")));
        var cases = json.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
            c.GetProperty("logits").EnumerateArray().Select(l => l.GetSingle()).ToArray())).ToArray();
        return (OnnxImport.Read(Path.Combine(folder, name + ".onnx")), cases);
    }

    public sealed class TokenRow
    {
        /// <summary>Token id t of the PyTorch model is key t (t = 0, the padding id, is key 0, the unknown token).</summary>
        [KeyType(11)]
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
        [KeyType(3)]
        public uint Class { get; set; }
    }

    [Theory]
    [InlineData("pytorch_lstm_binary", CellKind.Lstm, false, 1)]
    [InlineData("pytorch_gru_bidirectional_multiclass", CellKind.Gru, true, 3)]
    public void TheEngineReproducesPyTorch(string fixture, CellKind cell, bool bidirectional, int outputs)
    {
        var (imported, cases) = Load(fixture);
        Assert.Equal((cell, bidirectional, outputs, 12), (imported.Cell, imported.Bidirectional, imported.Outputs, imported.VocabularySize));
        var network = new RecurrentNetwork<float>(new NetworkOptions
        {
            Cell = imported.Cell, Input = InputKind.EmbeddedTokens, VocabularySize = imported.VocabularySize, EmbeddingSize = imported.EmbeddingSize,
            HiddenSize = imported.HiddenSize, Layers = imported.Layers, Bidirectional = imported.Bidirectional, Outputs = imported.Outputs,
        });
        network.Import(imported.Weights);
        var logits = network.Predict(cases.Select(c => Sequence<float>.FromTokens(c.Tokens)).ToList());
        for (int i = 0; i < cases.Length; i++)
            for (int j = 0; j < outputs; j++)
                Assert.True(Math.Abs(cases[i].Logits[j] - logits[i][j]) <= 1e-5, $"Case {i}, logit {j}: PyTorch {cases[i].Logits[j]}, ours {logits[i][j]}.");
    }

    [Fact]
    public void AnImportedBinaryLstmScoresInsideAPipelineAndFineTunes()
    {
        var (imported, cases) = Load("pytorch_lstm_binary");
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(cases.Select(c => new TokenRow { Tokens = c.Tokens.Select(t => (uint)t).ToArray(), Label = c.Logits[0] > 0 }));
        // PyTorch's LSTM has b_ih and b_hh: the network keeps both, and the saved graph adds both.
        Assert.True(imported.ToTrainerOptions("Label", "Tokens").SeparateBiases);
        var packaging = ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens"));
        using var model = packaging.Fit(data);
        Assert.All(packaging.LastNetwork!.Cells, c => Assert.NotNull(c.HiddenBias));
        string path = _temp.File("imported.zip");
        ml.Model.Save(model, data.Schema, path);
        using var loaded = (IDisposable)_temp.Context().LoadModel(path, out _);
        var scores = ((ITransformer)loaded).Transform(data).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < cases.Length; i++)
            Assert.True(Math.Abs(cases[i].Logits[0] - scores[i]) <= 1e-5, $"Case {i}: PyTorch {cases[i].Logits[0]}, pipeline {scores[i]}.");

        // Fine-tuning starts from PyTorch's weights: its first epoch's loss is already that of a trained model.
        var fineTune = ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens", epochs: 2));
        using var tuned = fineTune.Fit(data);
        Assert.True(fineTune.LastSummary!.History[0].TrainingLoss < 0.2, $"First-epoch loss {fineTune.LastSummary.History[0].TrainingLoss}.");
        Assert.NotEqual(imported.Weights.SelectMany(w => w.Values), fineTune.LastNetwork!.Export().SelectMany(w => w.Values));
    }

    /// <summary>The estimator keeps its own copy of the starting weights: arrays changed after it is built (a sweep that
    /// reuses them, or a caller that fine-tunes them in place) change nothing in what it fits.</summary>
    [Fact]
    public void TheEstimatorKeepsItsOwnCopyOfTheStartingWeights()
    {
        var (imported, cases) = Load("pytorch_lstm_binary");
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(cases.Select(c => new TokenRow { Tokens = c.Tokens.Select(t => (uint)t).ToArray() }));
        var options = imported.ToTrainerOptions("Label", "Tokens");
        var estimator = ml.BinaryClassification.Trainers.Lstm(options);
        foreach (var tensor in options.InitialWeights!)
            Array.Fill(tensor.Values, 0.25f);
        using var model = estimator.Fit(data);
        var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < cases.Length; i++)
            Assert.True(Math.Abs(cases[i].Logits[0] - scores[i]) <= 1e-5, $"Case {i}: PyTorch {cases[i].Logits[0]}, pipeline {scores[i]}.");
    }

    [Fact]
    public void AnImportedBidirectionalGruScoresAsAMulticlassPipeline()
    {
        var (imported, cases) = Load("pytorch_gru_bidirectional_multiclass");
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(cases.Select(c => new TokenRow { Tokens = c.Tokens.Select(t => (uint)t).ToArray(), Class = 0 }));
        using var model = ml.MulticlassClassification.Trainers.Gru(imported.ToTrainerOptions("Class", "Tokens")).Fit(data);
        var scores = model.Transform(data).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        for (int i = 0; i < cases.Length; i++)
        {
            float[] expected = RecurrentTrainerTests.Softmax(cases[i].Logits);
            for (int j = 0; j < 3; j++)
                Assert.True(Math.Abs(expected[j] - scores[i][j]) <= 1e-5, $"Case {i}, class {j}: PyTorch {expected[j]}, pipeline {scores[i][j]}.");
        }
    }

    [Fact]
    public void AMismatchedVocabularyOrCellIsRejected()
    {
        var (imported, _) = Load("pytorch_lstm_binary");
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new WideRow { Tokens = [1, 2] } });
        var error = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens")).Fit(data));
        Assert.Contains("embedding", error.Message);
        var tokens = ml.Data.LoadFromEnumerable(new[] { new TokenRow { Tokens = [1, 2] } });
        var cell = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Gru(imported.ToTrainerOptions("Label", "Tokens")).Fit(tokens));
        Assert.Contains("The weights are LSTM weights (4 gates per unit) and the network is GRU (3)", cell.Message);
        // Another hidden size: the option is named beside the weight that differs.
        var options = imported.ToTrainerOptions("Label", "Tokens");
        options.HiddenSize += 1;
        var size = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(tokens));
        Assert.Contains($"InitialWeights do not fit the network these options and the data make (HiddenSize {options.HiddenSize},", size.Message);
        Assert.Contains("expected [", size.Message);
    }

    /// <summary>A fixture's graph changed by <paramref name="edit"/>, as a new file.</summary>
    private string Edited(string fixture, Action<global::Onnx.GraphProto> edit)
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture + ".onnx")));
        edit(model.Graph);
        string path = _temp.File($"{fixture}-edited-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static global::Onnx.NodeProto Node(global::Onnx.GraphProto graph, string name) => graph.Node.Single(n => n.Name == name);

    /// <summary>Graphs that compute something the engine does not (between the embedding, the layers and the head, or in a
    /// layer's settings) would import and predict something else: each is refused, naming what it does. The unedited
    /// fixtures import (above), and so does an initial state given as zeros.</summary>
    [Fact]
    public void GraphsThatComputeSomethingElseAreRefused()
    {
        string Refusal(string fixture, Action<global::Onnx.GraphProto> edit) =>
            Assert.Throws<InvalidDataException>(() => OnnxImport.Read(Edited(fixture, edit))).Message;

        // An MLP head: ReLU between the final state and the dense layer.
        Assert.Contains("through Relu node 'relu'", Refusal("pytorch_lstm_binary", g =>
        {
            var head = Node(g, "/head/Gemm");
            g.Node.Insert(g.Node.IndexOf(head), new global::Onnx.NodeProto { OpType = "Relu", Name = "relu", Input = { head.Input[0] }, Output = { "relu_out" } });
            head.Input[0] = "relu_out";
        }));
        // A pooling head (the mean of every step's outputs), and a layer norm before the head.
        Assert.Contains("through ReduceMean node 'pool'", Refusal("pytorch_lstm_binary", g =>
        {
            var head = Node(g, "/head/Gemm");
            g.Node.Insert(g.Node.IndexOf(head), new global::Onnx.NodeProto { OpType = "ReduceMean", Name = "pool", Input = { Node(g, "/rnn/LSTM").Output[0] }, Output = { "pooled" } });
            head.Input[0] = "pooled";
        }));
        Assert.Contains("through LayerNormalization node 'norm'", Refusal("pytorch_lstm_binary", g =>
        {
            var head = Node(g, "/head/Gemm");
            g.Node.Insert(g.Node.IndexOf(head), new global::Onnx.NodeProto { OpType = "LayerNormalization", Name = "norm", Input = { head.Input[0], "norm.scale" }, Output = { "normed" } });
            head.Input[0] = "normed";
        }));
        // Layers of different widths: a second layer of 5 units over a first of 4.
        Assert.Contains("layer 2 has 1 direction(s) of 5 units, layer 1 1 of 4", Refusal("pytorch_lstm_binary", g =>
        {
            StackASecondLayer(g, initialState: 0f);
            var recurrent = g.Initializer.Single(t => t.Name == "layer2.R");
            recurrent.Dims.Clear();
            recurrent.Dims.Add([1, 20, 5]);
            recurrent.FloatData.Clear();
            recurrent.FloatData.Add(new float[100]);
        }));
        // The two directions concatenated backward first.
        Assert.Contains("layer 1's final backward state, then layer 1's final forward state", Refusal("pytorch_gru_bidirectional_multiclass", g =>
        {
            var concat = Node(g, "/Concat");
            (concat.Input[0], concat.Input[1]) = (concat.Input[1], concat.Input[0]);
        }));
        // out[:, -1] of a bidirectional layer: its backward half is the state after the first step.
        Assert.Contains("step forward states", Refusal("pytorch_gru_bidirectional_multiclass", g =>
        {
            g.Initializer.Add(LastIndex());
            foreach (string gather in new[] { "/Gather", "/Gather_1" })
                (Node(g, gather).Input[0], Node(g, gather).Input[1]) = ("/rnn/GRU_output_0", "last");
        }));
        // One direction: the last step of the step outputs is its final state and imports; another step, or every step's
        // outputs (a head on each step), is refused (both imported as the last step).
        void ReadStep(global::Onnx.GraphProto g, long? step)
        {
            var head = Node(g, "/head/Gemm");
            if (step is null)
            {
                head.Input[0] = Node(g, "/rnn/LSTM").Output[0];
                return;
            }
            g.Initializer.Add(LastIndex(step.Value));
            g.Node.Insert(g.Node.IndexOf(head), new global::Onnx.NodeProto { OpType = "Gather", Name = "step", Input = { Node(g, "/rnn/LSTM").Output[0], "last" }, Output = { "step_out" } });
            head.Input[0] = "step_out";
        }
        Assert.Equal(CellKind.Lstm, OnnxImport.Read(Edited("pytorch_lstm_binary", g => ReadStep(g, -1))).Cell);
        Assert.Contains("Gather node 'step' takes other steps of the step outputs than the last alone", Refusal("pytorch_lstm_binary", g => ReadStep(g, 0)));
        Assert.Contains("(every step's)", Refusal("pytorch_lstm_binary", g => ReadStep(g, null)));
        // A crafted cycle (an Identity fed its own output) is refused, where following it back looped for ever: read by the
        // head, as the recurrent node's steps, or as its initial state (slot 5).
        void Looped(global::Onnx.GraphProto g, string reader, int slot)
        {
            var node = Node(g, reader);
            g.Node.Insert(g.Node.IndexOf(node), new global::Onnx.NodeProto { OpType = "Identity", Name = "loop", Input = { "looped" }, Output = { "looped" } });
            while (node.Input.Count <= slot) node.Input.Add("");
            node.Input[slot] = "looped";
        }
        Assert.Contains("computed from itself", Refusal("pytorch_lstm_binary", g => Looped(g, "/head/Gemm", 0)));
        Assert.Contains("computed from itself", Refusal("pytorch_lstm_binary", g => Looped(g, "/rnn/LSTM", 0)));
        Assert.Contains("computed from itself", Refusal("pytorch_lstm_binary", g => Looped(g, "/rnn/LSTM", 5)));
        // A MatMul head whose bias is computed rather than constant (it was dropped, silently). The binary head's weights
        // [1, H] hold the values of [H, 1] in the same order.
        Assert.Contains("the head's bias is not constant", Refusal("pytorch_lstm_binary", g =>
        {
            var gemm = Node(g, "/head/Gemm");
            var weights = g.Initializer.Single(t => t.Name == gemm.Input[1]).Clone();
            (weights.Name, weights.Dims[0], weights.Dims[1]) = ("head_matrix", weights.Dims[1], weights.Dims[0]);
            g.Initializer.Add(weights);
            int index = g.Node.IndexOf(gemm);
            g.Node.RemoveAt(index);
            g.Node.Insert(index, new global::Onnx.NodeProto { OpType = "MatMul", Name = "matmul", Input = { gemm.Input[0], "head_matrix" }, Output = { "product" } });
            g.Node.Insert(index + 1, new global::Onnx.NodeProto { OpType = "Identity", Name = "bias_copy", Input = { gemm.Input[2] }, Output = { "bias_copy" } });
            g.Node.Insert(index + 2, new global::Onnx.NodeProto { OpType = "Add", Name = "add", Input = { "product", "bias_copy" }, Output = { gemm.Output[0] } });
        }));
        // A position embedding added to the token embedding.
        Assert.Contains("reads Add node 'position'", Refusal("pytorch_lstm_binary", g =>
        {
            var transpose = Node(g, "/rnn/Transpose");
            g.Node.Insert(g.Node.IndexOf(transpose), new global::Onnx.NodeProto { OpType = "Add", Name = "position", Input = { transpose.Input[0], transpose.Input[0] }, Output = { "positioned" } });
            transpose.Input[0] = "positioned";
        }));
        // A layer run backwards (Keras's go_backwards).
        Assert.Contains("runs reverse", Refusal("pytorch_lstm_binary", g =>
            Node(g, "/rnn/LSTM").Attribute.Add(new global::Onnx.AttributeProto { Name = "direction", Type = global::Onnx.AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("reverse") })));
        // A learned initial state; zeros import.
        global::Onnx.TensorProto State(float value) => new()
        {
            Name = "h0", DataType = (int)global::Onnx.TensorProto.Types.DataType.Float, Dims = { 1, 1, 4 }, FloatData = { value, value, value, value },
        };
        void InitialState(global::Onnx.GraphProto g, float value)
        {
            g.Initializer.Add(State(value));
            Node(g, "/rnn/LSTM").Input[5] = "h0";
        }
        Assert.Contains("initial_h", Refusal("pytorch_lstm_binary", g => InitialState(g, 0.5f)));
        Assert.Equal(CellKind.Lstm, OnnxImport.Read(Edited("pytorch_lstm_binary", g => InitialState(g, 0f))).Cell);
        // Weights of another type, or named twice, are named with the file.
        Assert.Contains("weight 'embedding.weight' is of type Float16", Refusal("pytorch_lstm_binary", g =>
            g.Initializer.Single(t => t.Name == "embedding.weight").DataType = (int)global::Onnx.TensorProto.Types.DataType.Float16));
        Assert.Contains("two weights are named 'head.bias'", Refusal("pytorch_lstm_binary", g => g.Initializer.Add(g.Initializer.Single(t => t.Name == "head.bias").Clone())));
        Assert.Contains("pytorch_lstm_binary-edited", Refusal("pytorch_lstm_binary", g => g.Initializer.Add(g.Initializer.Single(t => t.Name == "head.bias").Clone())));
        // A float attribute is reported with its value.
        Assert.Contains("clip = 3", Refusal("pytorch_lstm_binary", g =>
            Node(g, "/rnn/LSTM").Attribute.Add(new global::Onnx.AttributeProto { Name = "clip", Type = global::Onnx.AttributeProto.Types.AttributeType.Float, F = 3 })));
    }

    /// <summary>
    /// PyTorch exports a stack of layers (num_layers 2) with one zero initial state for all of them, from which it slices
    /// each layer's rows. The LSTM fixture's graph is made into that form: a second layer of seeded weights on the first
    /// one's step outputs, h_n concatenated over the layers, and h_n[-1] to the head. It imports as two layers, and the
    /// pipeline scores it as ONNX Runtime runs the graph; the same graph sliced from a state of 0.5 is refused.
    /// </summary>
    [Fact]
    public void AStackedLstmWhoseZeroStateIsSlicedPerLayerImports()
    {
        var (_, cases) = Load("pytorch_lstm_binary");
        string path = Edited("pytorch_lstm_binary", g => StackASecondLayer(g, initialState: 0f));
        var imported = OnnxImport.Read(path);
        Assert.Equal((2, 4, false), (imported.Layers, imported.HiddenSize, imported.Bidirectional));

        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(cases.Select(c => new TokenRow { Tokens = c.Tokens.Select(t => (uint)t).ToArray() }));
        using var model = ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens")).Fit(data);
        var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
        using var session = new InferenceSession(path);
        for (int i = 0; i < cases.Length; i++)
        {
            var tokens = new DenseTensor<long>(cases[i].Tokens.Select(t => (long)t).ToArray(), [1, cases[i].Tokens.Length]);
            using var result = session.Run([NamedOnnxValue.CreateFromTensor("tokens", tokens)]);
            float logit = result.Single().AsTensor<float>()[0, 0];
            Assert.True(Math.Abs(logit - scores[i]) <= 1e-5, $"Case {i}: ONNX Runtime {logit}, pipeline {scores[i]}.");
        }
        // The second layer changes the scores, so a pipeline that skipped it could not have passed.
        Assert.Contains(cases.Select((c, i) => Math.Abs(c.Logits[0] - scores[i])), difference => difference > 1e-2);

        var refused = Assert.Throws<InvalidDataException>(() => OnnxImport.Read(Edited("pytorch_lstm_binary", g => StackASecondLayer(g, initialState: 0.5f))));
        Assert.Contains("initial_h", refused.Message);
    }

    /// <summary>Turns the one-layer LSTM fixture into PyTorch's form of a two-layer one (see above).</summary>
    private static void StackASecondLayer(global::Onnx.GraphProto g, float initialState)
    {
        const int Hidden = 4, Gates = 4;
        var first = g.Node.Single(n => n.OpType == "LSTM");
        var state = g.Node.Single(n => n.OpType == "ConstantOfShape");
        // One state for both layers: [2, N, H] instead of [1, N, H], filled with initialState.
        g.Node.Single(n => n.Output[0] == state.Input[0]).Input[0] = "layer_rows";
        state.Attribute.Single(a => a.Name == "value").T = Floats("fill", [1], [initialState]);
        var random = new Random(5);
        float[] Seeded(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        g.Initializer.Add(new[]
        {
            Longs("layer_rows", 2), Longs("first_row", 0), Longs("second_row", 1), Longs("third_row", 2), Longs("axis_0", 0), Longs("axis_1", 1),
            Floats("layer2.W", [1, Gates * Hidden, Hidden], Seeded(Gates * Hidden * Hidden)),
            Floats("layer2.R", [1, Gates * Hidden, Hidden], Seeded(Gates * Hidden * Hidden)),
            Floats("layer2.B", [1, 2 * Gates * Hidden], Seeded(2 * Gates * Hidden)),
        });
        InsertBefore(g, first,
            new global::Onnx.NodeProto { OpType = "Slice", Name = "state_layer1", Input = { state.Output[0], "first_row", "second_row", "axis_0" }, Output = { "state_layer1" } },
            new global::Onnx.NodeProto { OpType = "Slice", Name = "state_layer2", Input = { state.Output[0], "second_row", "third_row", "axis_0" }, Output = { "state_layer2" } });
        (first.Input[5], first.Input[6]) = ("state_layer1", "state_layer1");
        var second = new global::Onnx.NodeProto
        {
            OpType = "LSTM", Name = "layer2", Input = { "layer1_steps", "layer2.W", "layer2.R", "layer2.B", "", "state_layer2", "state_layer2" },
            Output = { "layer2_steps", "layer2_final", "layer2_cell" },
            Attribute = { new global::Onnx.AttributeProto { Name = "hidden_size", Type = global::Onnx.AttributeProto.Types.AttributeType.Int, I = Hidden } },
        };
        var headGather = g.Node.Single(n => n.OpType == "Gather" && n.Input[0] == first.Output[1]);
        headGather.Input[0] = "final_states";
        InsertBefore(g, headGather,
            new global::Onnx.NodeProto { OpType = "Squeeze", Name = "layer1_steps", Input = { first.Output[0], "axis_1" }, Output = { "layer1_steps" } },
            second,
            new global::Onnx.NodeProto
            {
                OpType = "Concat", Name = "final_states", Input = { first.Output[1], "layer2_final" }, Output = { "final_states" },
                Attribute = { new global::Onnx.AttributeProto { Name = "axis", Type = global::Onnx.AttributeProto.Types.AttributeType.Int, I = 0 } },
            });
    }

    private static void InsertBefore(global::Onnx.GraphProto g, global::Onnx.NodeProto next, params global::Onnx.NodeProto[] nodes)
    {
        foreach (var node in nodes) g.Node.Insert(g.Node.IndexOf(next), node);
    }

    private static global::Onnx.TensorProto Longs(string name, long value) =>
        new() { Name = name, DataType = (int)global::Onnx.TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { value } };

    private static global::Onnx.TensorProto Floats(string name, long[] dims, float[] values) =>
        new() { Name = name, DataType = (int)global::Onnx.TensorProto.Types.DataType.Float, Dims = { dims }, FloatData = { values } };

    /// <summary>An int64 scalar named "last": a Gather index.</summary>
    private static global::Onnx.TensorProto LastIndex(long value = -1) =>
        new() { Name = "last", DataType = (int)global::Onnx.TensorProto.Types.DataType.Int64, Int64Data = { value } };

    public sealed class WideRow
    {
        [KeyType(20)]
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
    }
}
