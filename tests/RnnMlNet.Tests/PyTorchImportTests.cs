using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
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
        using var loaded = (IDisposable)_temp.Context().Model.Load(path, out _);
        var scores = ((ITransformer)loaded).Transform(data).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < cases.Length; i++)
            Assert.True(Math.Abs(cases[i].Logits[0] - scores[i]) <= 1e-5, $"Case {i}: PyTorch {cases[i].Logits[0]}, pipeline {scores[i]}.");

        // Fine-tuning starts from PyTorch's weights: its first epoch's loss is already that of a trained model.
        var fineTune = ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens", epochs: 2));
        using var tuned = fineTune.Fit(data);
        Assert.True(fineTune.LastSummary!.History[0].TrainingLoss < 0.2, $"First-epoch loss {fineTune.LastSummary.History[0].TrainingLoss}.");
        Assert.NotEqual(imported.Weights.SelectMany(w => w.Values), fineTune.LastNetwork!.Export().SelectMany(w => w.Values));
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
    public void AMismatchedVocabularyIsRejected()
    {
        var (imported, _) = Load("pytorch_lstm_binary");
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new WideRow { Tokens = [1, 2] } });
        var error = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(imported.ToTrainerOptions("Label", "Tokens")).Fit(data));
        Assert.Contains("embedding", error.Message);
    }

    public sealed class WideRow
    {
        [KeyType(20)]
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
    }
}
