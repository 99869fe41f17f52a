using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Evaluation;
using RnnMlNet.Generation;

namespace RnnMlNet.Tests;

/// <summary>Many-to-many with different lengths: an encoder–decoder inside the saved model.</summary>
public class SequenceToSequenceTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class InputOnly
    {
        public string Input { get; set; } = "";
        public string Prompt { get; set; } = "";
    }

    public sealed class Pair
    {
        public string Input { get; set; } = "";
        public string Target { get; set; } = "";
    }

    /// <summary>Digit strings and their reversal spelled as words: "123" → "three two one".</summary>
    private static Pair[] Reversals(int count, int seed)
    {
        string[] words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var digits = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(10)).ToArray();
            return new Pair { Input = string.Concat(digits), Target = string.Join(' ', digits.Reverse().Select(d => words[d])) };
        }).ToArray();
    }

    private static SequenceToSequenceOptions Options(int epochs = 12) => new()
    {
        InputColumnName = "Input", TargetColumnName = "Target", OutputColumnName = "Output", HiddenSize = 48, EmbeddingSize = 16,
        BidirectionalEncoder = true, Epochs = epochs, LearningRate = 0.01, MaximumLength = 10, Seed = 2,
    };

    [Fact]
    public void SequenceToSequenceWorkout()
    {
        var ml = _temp.Context();
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.SequenceToSequence(Options(epochs: 1)), ml.Data.LoadFromEnumerable(Reversals(50, 8)),
            EstimatorWorkout.ShapeOf<Pair>(), ["Output"]);
    }

    /// <summary>A sequence-to-sequence model exports its encoder–decoder graph; it stores no trainer summary and says so.</summary>
    [Fact]
    public void TheEncoderDecoderGraphExportsAndTheSummaryIsRefusedByName()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Reversals(50, 8));
        using var model = ml.Transforms.Text.SequenceToSequence(Options(epochs: 1)).Fit(data);
        string zip = _temp.File("pairs.zip"), onnx = _temp.File("pairs.onnx");
        ml.Model.Save(model, data.Schema, zip);
        Onnx.RecurrentModelFile.ExportOnnx(zip, onnx);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx))
        {
            Assert.Equal("SequenceToSequence", session.ModelMetadata.CustomMetadataMap["RnnMlNet.Model"]);
            // The description holds no thread count: the machine that rebuilds the network uses its own cores.
            Assert.DoesNotContain("Threads", session.ModelMetadata.CustomMetadataMap[Generation.SequenceToSequenceExport.DescriptionKey]);
        }
        // One digest, the exported graph's own (the saved graph's was copied too, and the file read as altered).
        Assert.Single(Onnx.ModelIntegrity.CheckGraph(onnx, File.ReadAllBytes(onnx)).MetadataProps, p => p.Key == Onnx.ModelIntegrity.DigestKey);
        var error = Assert.Throws<InvalidDataException>(() => Onnx.RecurrentModelFile.ReadSummary(zip));
        Assert.Contains("holds a SequenceToSequence model", error.Message);
    }

    [Fact]
    public void LearnsToReverseDigitStringsAndSurvivesSaveAndLoad()
    {
        var ml = _temp.Context();
        using var model = ml.Transforms.Text.SequenceToSequence(Options()).Fit(ml.Data.LoadFromEnumerable(Reversals(1500, 1)));
        var test = ml.Data.LoadFromEnumerable(Reversals(200, 2));
        var metrics = SequenceToSequenceMetrics.Evaluate(model.Transform(test), "Target", "Output");
        Assert.True(metrics.ExactMatch > 0.9, $"Exact match {metrics.ExactMatch:P1}, token error rate {metrics.TokenErrorRate:P1}.");
        Assert.True(metrics.TokenErrorRate < 0.05, $"Token error rate {metrics.TokenErrorRate:P1}.");

        string path = _temp.File("seq2seq.zip");
        ml.Model.Save(model, test.Schema, path);
        using var loaded = (IDisposable)_temp.Context().LoadModel(path, out _);
        Assert.Equal(model.Transform(test).GetColumn<string>("Output"), ((ITransformer)loaded).Transform(test).GetColumn<string>("Output"));
    }

    /// <summary>The saved graph, reloaded in a fresh context, decodes what the engine decodes: the same tokens and, with
    /// attention, the same attention weights (to 1e-5), greedy and with a beam, whose answer with a length penalty differs
    /// from its answer without for some sources.</summary>
    [Theory]
    [InlineData(Attention.None, 1, 2, 0)]
    [InlineData(Attention.None, 3, 1, 0)]
    [InlineData(Attention.None, 6, 1, 1)]
    [InlineData(Attention.Dot, 1, 1, 0)]
    [InlineData(Attention.Dot, 3, 2, 0)]
    [InlineData(Attention.Dot, 6, 2, 0.5)]
    [InlineData(Attention.General, 1, 1, 0)]
    [InlineData(Attention.General, 1, 2, 0)]
    [InlineData(Attention.General, 3, 1, 0)]
    [InlineData(Attention.General, 6, 1, 1)]
    public void TheReloadedGraphDecodesWhatTheEngineDecodes(Attention attention, int beamWidth, int layers, double lengthPenalty)
    {
        var ml = _temp.Context();
        var options = Options(epochs: 2);
        options.Attention = attention;
        options.BeamWidth = beamWidth;
        options.Layers = layers;
        options.LengthPenalty = lengthPenalty;
        if (attention != Attention.None) options.AttentionWeightsColumnName = "Weights";
        var estimator = ml.Transforms.Text.SequenceToSequence(options);
        var training = ml.Data.LoadFromEnumerable(Reversals(300, 6));
        using (var fitted = estimator.Fit(training))
            ml.Model.Save(fitted, training.Schema, _temp.File("decode.zip"));
        using var loaded = (IDisposable)_temp.Context().LoadModel(_temp.File("decode.zip"), out _);
        var pairs = Reversals(25, 7);
        var scored = ((ITransformer)loaded).Transform(ml.Data.LoadFromEnumerable(pairs));
        var outputs = scored.GetColumn<string>("Output").ToArray();
        var weights = attention == Attention.None ? null : scored.GetColumn<float[]>("Weights").ToArray();

        var model = estimator.LastModel!;
        var tokens = estimator.SourceTokens!.ToList();
        var sources = pairs.Select(p => Sequence<float>.FromTokens(p.Input.Select(c => tokens.IndexOf(c.ToString()) + 1).ToArray())).ToList();
        var greedy = attention == Attention.None ? (model.DecodeGreedy(sources, 10), null) : model.DecodeGreedyWithAttention(sources, 10);
        // Outputs that ended before the maximum length, so the end token and the trimming of the weights are in play.
        Assert.Contains(greedy.Item1, ids => ids.Length > 0 && ids.Length < 10);
        // The penalty picks another answer for some sources, so the graph's ranking is tested, not only its search.
        if (lengthPenalty > 0) Assert.Contains(sources, source => !model.DecodeBeam(source, beamWidth, 10, 0).SequenceEqual(model.DecodeBeam(source, beamWidth, 10, lengthPenalty)));
        for (int i = 0; i < pairs.Length; i++)
        {
            var (ids, engineWeights) = beamWidth == 1 ? (greedy.Item1[i], greedy.Item2?[i])
                : attention == Attention.None ? (model.DecodeBeam(sources[i], beamWidth, 10, lengthPenalty), null) : model.DecodeBeamWithAttention(sources[i], beamWidth, 10, lengthPenalty);
            Assert.Equal(string.Join(' ', ids.Select(id => estimator.TargetTokens![id - 3])), outputs[i]);
            if (beamWidth == 1) Assert.Equal(ids, model.DecodeBeam(sources[i], 1, 10));
            if (weights is null) continue;
            // One row of source-length weights per output token, each row a distribution.
            Assert.Equal(ids.Length * sources[i].Length, weights[i].Length);
            Assert.Equal(engineWeights!.SelectMany(row => row), weights[i], (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.All(weights[i].Chunk(sources[i].Length), row => Assert.Equal(1, row.Sum(), 1e-5));
        }
    }

    [Fact]
    public void RebuildDecodesTheTrainedNetworkWithAnotherBeamAndTheDropoutReachesIt()
    {
        var ml = _temp.Context();
        var options = Options(epochs: 2);
        options.InputDropout = 0.2;
        options.OutputDropout = 0.3;
        var estimator = ml.Transforms.Text.SequenceToSequence(options);
        Assert.Throws<InvalidOperationException>(() => estimator.Rebuild(3));
        using var greedy = estimator.Fit(ml.Data.LoadFromEnumerable(Reversals(300, 6)));
        Assert.Equal((0.2, 0.3), (estimator.LastModel!.Options.InputDropout, estimator.LastModel.Options.OutputDropout));
        using var beam = estimator.Rebuild(3);
        var pairs = Reversals(20, 9);
        var outputs = beam.Transform(ml.Data.LoadFromEnumerable(pairs)).GetColumn<string>("Output").ToArray();
        var tokens = estimator.SourceTokens!.ToList();
        for (int i = 0; i < pairs.Length; i++)
        {
            var source = Sequence<float>.FromTokens(pairs[i].Input.Select(c => tokens.IndexOf(c.ToString()) + 1).ToArray());
            Assert.Equal(string.Join(' ', estimator.LastModel.DecodeBeam(source, 3, 10, options.LengthPenalty).Select(id => estimator.TargetTokens![id - 3])), outputs[i]);
        }
        Assert.Contains("beamWidth", Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Rebuild(0)).Message);
        Assert.Contains("lengthPenalty", Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Rebuild(3, -0.5)).Message);
        // A beam whose K·V candidates pass Int32 is refused naming the option (it failed in ONNX Runtime at the first row scored),
        // and before training when Fit is asked for it.
        Assert.Contains("BeamWidth", Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Rebuild(int.MaxValue / 4)).Message);
        var wide = Options(epochs: 2);
        var batches = new List<BatchReport>();
        (wide.BeamWidth, wide.BatchProgress) = (int.MaxValue / 4, new ImmediateProgress<BatchReport>(batches.Add));
        Assert.Contains("BeamWidth", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(wide).Fit(ml.Data.LoadFromEnumerable(Reversals(30, 6)))).Message);
        Assert.Empty(batches);
    }

    [Fact]
    public void AttentionWeightsColumnWorkout()
    {
        var ml = _temp.Context();
        var options = Options(epochs: 1);
        options.AttentionWeightsColumnName = "Weights";
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.SequenceToSequence(options), ml.Data.LoadFromEnumerable(Reversals(50, 8)),
            EstimatorWorkout.ShapeOf<Pair>(), ["Output", "Weights"]);
    }

    /// <summary>An empty input, which training refuses, decodes to nothing (and no weights) instead of failing the batch;
    /// the other rows are unchanged.</summary>
    [Theory]
    [InlineData(Attention.None, 1)]
    [InlineData(Attention.General, 1)]
    [InlineData(Attention.Dot, 3)]
    public void AnEmptyInputDecodesToNothing(Attention attention, int beamWidth)
    {
        var ml = _temp.Context();
        var options = Options(epochs: 2);
        options.Attention = attention;
        options.BeamWidth = beamWidth;
        if (attention != Attention.None) options.AttentionWeightsColumnName = "Weights";
        using var model = ml.Transforms.Text.SequenceToSequence(options).Fit(ml.Data.LoadFromEnumerable(Reversals(300, 8)));
        var rows = new[] { new Pair { Input = "" }, new Pair { Input = "12" } };
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var outputs = scored.GetColumn<string>("Output").ToArray();
        Assert.Equal("", outputs[0]);
        Assert.NotEqual("", outputs[1]);
        Assert.Equal(model.Transform(ml.Data.LoadFromEnumerable(rows[1..])).GetColumn<string>("Output").Single(), outputs[1]);
        if (attention == Attention.None) return;
        var weights = scored.GetColumn<float[]>("Weights").ToArray();
        Assert.Empty(weights[0]);
        Assert.Equal(outputs[1].Split(' ').Length * 2, weights[1].Length);
    }

    /// <summary>A token past MaximumVocabularySize is trained as &lt;unk&gt; and written as "&lt;unk&gt;", not dropped: the
    /// output keeps one word per step, as the rows of attention weights do.</summary>
    [Fact]
    public void AnUnknownTargetTokenIsWrittenAsUnk()
    {
        var ml = _temp.Context();
        var options = Options();
        (options.MaximumVocabularySize, options.Attention, options.AttentionWeightsColumnName) = (8, Attention.General, "Weights");
        var estimator = ml.Transforms.Text.SequenceToSequence(options);
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(Reversals(600, 8)));
        string[] words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        int rare = Enumerable.Range(0, 10).First(d => !estimator.TargetTokens!.Contains(words[d]) && !estimator.SourceTokens!.Contains(d.ToString()));
        int known = Enumerable.Range(0, 10).First(d => estimator.TargetTokens!.Contains(words[d]) && estimator.SourceTokens!.Contains(d.ToString()));
        var rows = new[] { new Pair { Input = $"{known}{rare}" } };
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        string output = scored.GetColumn<string>("Output").Single();
        Assert.Equal($"<unk> {words[known]}", output);
        Assert.Equal(output.Split(' ').Length * 2, scored.GetColumn<float[]>("Weights").Single().Length);
    }

    /// <summary>
    /// The exported graph decodes a padded batch (padding filled with other source ids, and an empty row) as the ML.NET
    /// pipeline decodes each source alone: the same tokens, their count, and with attention the same weights (1e-5) and
    /// none on padding; the source vocabulary in the metadata tokenizes the inputs.
    /// </summary>
    [Theory]
    [InlineData(Attention.None, 1, 2, 0)]
    [InlineData(Attention.General, 1, 1, 0)]
    [InlineData(Attention.Dot, 3, 2, 0)]
    [InlineData(Attention.General, 3, 1, 0)]
    [InlineData(Attention.None, 3, 1, 0)]
    [InlineData(Attention.General, 6, 1, 1)]
    public void TheExportDecodesAPaddedBatchAsEachSourceAlone(Attention attention, int beamWidth, int layers, double lengthPenalty)
    {
        var ml = _temp.Context();
        var options = Options(epochs: 2);
        (options.Attention, options.BeamWidth, options.Layers, options.LengthPenalty) = (attention, beamWidth, layers, lengthPenalty);
        if (attention != Attention.None) options.AttentionWeightsColumnName = "Weights";
        var training = ml.Data.LoadFromEnumerable(Reversals(300, 6));
        var estimator = ml.Transforms.Text.SequenceToSequence(options);
        using var model = estimator.Fit(training);
        string zip = _temp.File("batch.zip"), onnx = _temp.File("batch.onnx");
        ml.Model.Save(model, training.Schema, zip);
        Onnx.RecurrentModelFile.ExportOnnx(zip, onnx);

        var pairs = Reversals(12, 9).Append(new Pair { Input = "" }).ToArray();
        var scored = model.Transform(ml.Data.LoadFromEnumerable(pairs));
        var expected = scored.GetColumn<string>("Output").ToArray();
        var expectedWeights = attention == Attention.None ? null : scored.GetColumn<float[]>("Weights").ToArray();
        Assert.Contains(expected, output => output.Length > 0);
        if (lengthPenalty > 0)
        {
            // Some answers differ without the penalty, so the export must carry it.
            using var unpenalised = estimator.Rebuild(beamWidth, 0);
            Assert.NotEqual(expected, unpenalised.Transform(ml.Data.LoadFromEnumerable(pairs)).GetColumn<string>("Output").ToArray());
        }

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        var vocabulary = System.Text.Json.JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.Vocabulary"])!;
        int steps = pairs.Max(p => p.Input.Length) + 2;
        var ids = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>([pairs.Length, steps]);
        var lengths = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<int>([pairs.Length]);
        for (int n = 0; n < pairs.Length; n++)
        {
            for (int t = 0; t < steps; t++) ids[n, t] = t < pairs[n].Input.Length ? Array.IndexOf(vocabulary, pairs[n].Input[t].ToString()) + 1 : 1 + (n + t) % 9;
            lengths[n] = pairs[n].Input.Length;
        }
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("TokenIds", ids), Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)]);
        var tokens = results.Single(r => r.Name == "Tokens").AsTensor<string>();
        var counts = results.Single(r => r.Name == "OutputLengths").AsTensor<long>();
        var weights = attention == Attention.None ? null : results.Single(r => r.Name == "AttentionWeights").AsTensor<float>();
        Assert.Equal(attention != Attention.None, results.Any(r => r.Name == "AttentionWeights"));
        int width = tokens.Dimensions[1];
        for (int n = 0; n < pairs.Length; n++)
        {
            var row = Enumerable.Range(0, width).Select(l => tokens[n, l]).ToArray();
            Assert.Equal(expected[n], string.Join(' ', row.Take((int)counts[n])));
            Assert.All(row.Skip((int)counts[n]), token => Assert.Equal("", token));
            if (weights is null) continue;
            int sourceLength = pairs[n].Input.Length;
            Assert.Equal(expectedWeights![n].Length, (int)counts[n] * sourceLength);
            for (int l = 0; l < width; l++)
                for (int t = 0; t < steps; t++)
                    Assert.Equal(l < counts[n] && t < sourceLength ? expectedWeights[n][l * sourceLength + t] : 0f, weights[n, l, t], 1e-5);
        }
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var ml = _temp.Context();
        var pairs = Reversals(5, 5);
        pairs[2].Target = " ";
        var empty = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Text.SequenceToSequence(Options(1)).Fit(ml.Data.LoadFromEnumerable(pairs)));
        Assert.Contains("Column 'Target', row 2", empty.Message);
        Assert.Contains("empty", empty.Message);
        // Schema propagation checks the target as ML.NET's trainers check their label, as does the generator its text.
        var inputOnly = EstimatorWorkout.ShapeOf<InputOnly>();
        Assert.Contains("'Target'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(Options(1)).GetOutputSchema(inputOnly)).Message);
        Assert.Contains("'Text'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceGenerator(new SequenceGeneratorOptions()).GetOutputSchema(inputOnly)).Message);
        var beam = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { BeamWidth = 0 }));
        Assert.Contains("EarlyStoppingPatience", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { EarlyStoppingPatience = 2, ValidationFraction = 0 })).Message);
        Assert.Contains("BeamWidth", beam.Message);
        foreach (double penalty in new[] { -1, double.NaN, double.PositiveInfinity, 11.4 })
            Assert.Contains("LengthPenalty", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { LengthPenalty = penalty })).Message);
        // The largest penalty the saved graph's 32-bit floats rank as the engine does depends on the longest output.
        Assert.Contains("a number from 0 to 11.34", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { LengthPenalty = 11.4 })).Message);
        _ = ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { LengthPenalty = 11.3 });
        _ = ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { LengthPenalty = 20, MaximumLength = 9 });
        Assert.Contains("AttentionWeightsColumnName", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { Attention = Attention.None, AttentionWeightsColumnName = "Weights" })).Message);
        Assert.Contains("other than OutputColumnName, InputColumnName", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { AttentionWeightsColumnName = "Input" })).Message);
        Assert.Equal(2, SequenceToSequenceMetrics.EditDistance(["a", "b", "c"], ["a", "c", "d"]));
    }
}
