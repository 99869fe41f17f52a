using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;
using RnnMlNet.Generation;

namespace RnnMlNet.Tests;

/// <summary>One-to-many and language modelling: generation inside the saved model.</summary>
public class SequenceGeneratorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class Example
    {
        public string Text { get; set; } = "";
        public string Direction { get; set; } = "";
        public string Prompt { get; set; } = "";
    }

    public sealed class Output
    {
        public string Generated { get; set; } = "";
    }

    /// <summary>The category decides the whole text: "up" spells abcdef, "down" fedcba.</summary>
    private static Example[] Corpus() => Enumerable.Range(0, 40).Select(i => i % 2 == 0
        ? new Example { Text = "abcdef", Direction = "up" }
        : new Example { Text = "fedcba", Direction = "down" }).ToArray();

    private static SequenceGeneratorOptions Options(float temperature = 0) => new()
    {
        TextColumnName = "Text", ConditionColumnName = "Direction", PromptColumnName = "Prompt", HiddenSize = 16, EmbeddingSize = 8,
        Epochs = 40, LearningRate = 0.02, BatchSize = 8, Temperature = temperature, MaximumLength = 10, Seed = 3,
    };

    [Fact]
    public void GeneratorWorkout()
    {
        var ml = _temp.Context();
        var options = Options();
        options.Epochs = 1;
        EstimatorWorkout.Run(_temp, ml.Transforms.Text.SequenceGenerator(options), ml.Data.LoadFromEnumerable(Corpus()),
            EstimatorWorkout.ShapeOf<Example>(), ["Generated"]);
    }

    [Fact]
    public void ConditionedGeneratorLearnsAndContinuesPrompts()
    {
        var ml = _temp.Context();
        var estimator = ml.Transforms.Text.SequenceGenerator(Options());
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(Corpus()));
        var prompts = ml.Data.LoadFromEnumerable(new[]
        {
            new Example { Direction = "up", Prompt = "" },
            new Example { Direction = "down", Prompt = "" },
            new Example { Direction = "up", Prompt = "abc" },
            new Example { Direction = "down", Prompt = "fe" },
        });
        Assert.Equal(["abcdef", "fedcba", "def", "dcba"], model.Transform(prompts).GetColumn<string>("Generated"));
        Assert.True(estimator.Perplexity < 1.2, $"Perplexity {estimator.Perplexity}.");
        Assert.Equal(["up", "down"], estimator.Vocabulary!.Categories);
    }

    [Fact]
    public void GreedyGraphGeneratesWhatTheEngineGeneratesStepByStep()
    {
        var ml = _temp.Context();
        var options = Options();
        options.Epochs = 3; // barely trained: the outputs are arbitrary, but graph and engine must agree on them
        var estimator = ml.Transforms.Text.SequenceGenerator(options);
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(Corpus()));
        var prompts = new[] { ("up", ""), ("down", "fe"), ("up", "bad") };
        var generated = model.Transform(ml.Data.LoadFromEnumerable(prompts.Select(p => new Example { Direction = p.Item1, Prompt = p.Item2 })))
            .GetColumn<string>("Generated").ToArray();

        var vocabulary = estimator.Vocabulary!;
        for (int i = 0; i < prompts.Length; i++)
        {
            int[] prefix = [vocabulary.CategoryId(prompts[i].Item1), .. prompts[i].Item2.Select(c => vocabulary.IdOf(c.ToString()))];
            Assert.Equal(GreedyByEngine(estimator.LastNetwork!, vocabulary, prefix, options.MaximumLength), generated[i]);
        }
    }

    /// <summary>Greedy decoding with the engine's step-by-step API.</summary>
    private static string GreedyByEngine(RecurrentNetwork<float> network, GeneratorVocabulary vocabulary, int[] prefix, int maximumLength)
    {
        var (logits, state) = network.Step([Sequence<float>.FromTokens(prefix)], null);
        var text = new System.Text.StringBuilder();
        for (int n = 0; n < maximumLength; n++)
        {
            int next = Array.IndexOf(logits, logits.Max());
            if (next == 2) break; // </s>
            if (next >= vocabulary.FirstTextId) text.Append(vocabulary.Tokens[next - vocabulary.FirstTextId]);
            (logits, state) = network.Step([Sequence<float>.FromTokens(next)], state);
        }
        return text.ToString();
    }

    /// <summary>Top-1 sampling is greedy decoding, and a K past the vocabulary samples from every token (ONNX Runtime's
    /// TopK refused it at scoring).</summary>
    [Fact]
    public void TopKSamplesAmongTheKMostLikelyTokens()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Corpus());
        var prompts = ml.Data.LoadFromEnumerable(new[] { new Example { Direction = "up" }, new Example { Direction = "down", Prompt = "fe" } });
        List<string> Generate(float temperature, int topK)
        {
            var options = Options(temperature);
            options.TopK = topK;
            using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(data);
            return model.Transform(prompts).GetColumn<string>("Generated").ToList();
        }
        var greedy = Generate(0, 0);
        Assert.Equal(["abcdef", "dcba"], greedy);
        Assert.Equal(greedy, Generate(1.5f, 1));
        var all = Generate(1.5f, 1_000);
        Assert.All(all, text => Assert.All(text, c => Assert.Contains(c, "abcdef")));
    }

    [Fact]
    public void SamplingUnderASeedGivesTheSameTextsAfterSaveAndLoad()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Corpus());
        var options = Options(temperature: 1.5f);
        options.Epochs = 2;
        options.TopK = 4;
        using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(data);
        var prompts = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new Example { Direction = i % 2 == 0 ? "up" : "down" }));
        string path = _temp.File("generator.zip");
        ml.Model.Save(model, prompts.Schema, path);

        List<string> Generate()
        {
            var fresh = _temp.Context();
            using var loaded = (IDisposable)fresh.LoadModel(path, out _);
            return ((ITransformer)loaded).Transform(prompts).GetColumn<string>("Generated").ToList();
        }
        var first = Generate();
        Assert.Equal(first, Generate());
        Assert.True(first.Distinct().Count() > 1, "Sampling at temperature 1.5 from a barely trained model gave identical texts.");
    }

    /// <summary>The graph's two samplers (the first token's and the loop's) have distinct seeds, and neighbouring seeds their
    /// own samplers, also past 2²⁴, where ONNX's float seed had made them one sampler (33,554,432 and 33,554,433 are the same
    /// float, as are the loop's 33,554,433 and 33,554,434).</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(33_554_432)]
    public void NeighbouringSeedsGetSamplersOfTheirOwn(int seed)
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Corpus());
        float[] SamplerSeeds(int samplerSeed)
        {
            var options = Options(temperature: 2);
            (options.Epochs, options.Seed) = (1, samplerSeed);
            using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(data);
            return SavedGraphs(ml, model, data.Schema).SelectMany(Nodes).Where(node => node.OpType == "Multinomial")
                .Select(node => node.Attribute.Single(a => a.Name == "seed").F).ToArray();
        }
        float[] ours = SamplerSeeds(seed), next = SamplerSeeds(seed + 1);
        Assert.Equal(2, ours.Length);
        Assert.NotEqual(ours[0], ours[1]);
        Assert.NotEqual(ours[0], next[0]);
        Assert.NotEqual(ours[1], next[1]);
    }

    /// <summary>Sampling never picks the start token or a category, which training never targets (each wrote nothing and
    /// silently changed how the rest of the text was read), nor the unknown token unless the vocabulary left tokens out. Seen through the export, whose Tokens output has "" for them: a
    /// barely trained model at a high temperature, where they had about the text tokens' chance.</summary>
    [Fact]
    public void SamplingNeverPicksTheStartTokenOrACategory()
    {
        var ml = _temp.Context();
        var options = Options(temperature: 5);
        (options.Epochs, options.MaximumLength) = (1, 30);
        var training = ml.Data.LoadFromEnumerable(Corpus());
        using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(training);
        string zip = _temp.File("sampler.zip"), onnx = _temp.File("sampler.onnx");
        ml.Model.Save(model, training.Schema, zip);
        Onnx.RecurrentModelFile.ExportOnnx(zip, onnx);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        const int rows = 50;
        var inputs = new List<Microsoft.ML.OnnxRuntime.NamedOnnxValue>
        {
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("TokenIds", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>([rows, 0])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("SequenceLengths", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<int>([rows])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("CategoryIds", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(Enumerable.Repeat(1L, rows).ToArray(), [rows])),
        };
        using var results = session.Run(inputs);
        var tokens = results.Single(r => r.Name == "Tokens").AsTensor<string>();
        var lengths = results.Single(r => r.Name == "OutputLengths").AsTensor<long>();
        var written = Enumerable.Range(0, rows).SelectMany(n => Enumerable.Range(0, (int)lengths[n]).Select(l => tokens[n, l])).ToList();
        Assert.True(written.Count > 3 * rows, $"{written.Count} tokens in {rows} rows: too few samples to tell.");
        Assert.DoesNotContain("", written);
        // The saved model's two samplers (the first token's and the loop's) read the same mask: −∞ at the unknown token (id 0:
        // every training character is in the vocabulary), the start token (id 1) and the two categories (ids 3 and 4).
        Assert.Equal([[0, 1, 3, 4], [0, 1, 3, 4]], MaskedIds(ml, model, training.Schema));
        // A vocabulary that leaves characters out trains the unknown token, which stays a candidate.
        options.MaximumVocabularySize = 4;
        using var cut = ml.Transforms.Text.SequenceGenerator(options).Fit(training);
        Assert.Equal([[1, 3, 4], [1, 3, 4]], MaskedIds(ml, cut, training.Schema));
    }

    /// <summary>For each sampler of a saved generator, the ids its mask excludes.</summary>
    private int[][] MaskedIds(MLContext ml, ITransformer model, DataViewSchema schema) =>
        SavedGraphs(ml, model, schema).SelectMany(Graphs).SelectMany(graph => graph.Initializer).Where(t => t.Name.EndsWith(".mask"))
            .Select(t => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray())
            .Select(mask => Enumerable.Range(0, mask.Length).Where(id => float.IsNegativeInfinity(mask[id])).ToArray()).ToArray();

    /// <summary>The ONNX graphs of a model saved to a file.</summary>
    private IEnumerable<global::Onnx.GraphProto> SavedGraphs(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        string zip = _temp.File($"saved{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, schema, zip);
        return Onnx.ModelIntegrity.OnnxGraphs(zip, Onnx.ModelIntegrity.ReadZip(zip, File.ReadAllBytes(zip))).Select(graph => graph.Model.Graph).ToList();
    }

    /// <summary>A graph and the graphs inside its nodes (a Loop's body), recursively.</summary>
    private static IEnumerable<global::Onnx.GraphProto> Graphs(global::Onnx.GraphProto graph) =>
        graph.Node.SelectMany(node => node.Attribute.Where(a => a.G is not null).SelectMany(a => Graphs(a.G))).Prepend(graph);

    /// <summary>Every node of a graph and of the graphs inside it.</summary>
    private static IEnumerable<global::Onnx.NodeProto> Nodes(global::Onnx.GraphProto graph) => Graphs(graph).SelectMany(g => g.Node);

    /// <summary>A pipeline's training rows need a prompt column, since EstimatorChain scores them with the fitted generator:
    /// its absence is refused before training, saying so, and an empty prompt column trains a model that continues prompts.</summary>
    [Fact]
    public void APipelineNamesThePromptItsTrainingRowsNeed()
    {
        var ml = _temp.Context();
        var options = Options();
        (options.TextColumnName, options.Epochs) = ("Text", 2);
        var pipeline = ml.Transforms.Text.NormalizeText("Text", "Words").Append(ml.Transforms.Text.SequenceGenerator(options));
        var texts = ml.Data.LoadFromEnumerable(Corpus().Select(e => new TextOnly { Words = e.Text.ToUpperInvariant(), Direction = e.Direction }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(texts));
        Assert.Contains("Column 'Prompt' not found", error.Message);
        Assert.Contains("EstimatorChain scores the training rows too", error.Message);
        var withPrompts = ml.Data.LoadFromEnumerable(Corpus().Select(e => new TextAndPrompt { Words = e.Text.ToUpperInvariant(), Direction = e.Direction }));
        using var model = pipeline.Fit(withPrompts);
        var prompts = ml.Data.LoadFromEnumerable(new[] { new TextAndPrompt { Direction = "up", Prompt = "ab" } });
        Assert.All(model.Transform(prompts).GetColumn<string>("Generated"), text => Assert.All(text, c => Assert.Contains(c, "abcdef<unk>")));
    }

    public class TextOnly
    {
        public string Words { get; set; } = "";
        public string Direction { get; set; } = "";
    }

    public sealed class TextAndPrompt : TextOnly
    {
        public string Prompt { get; set; } = "";
    }

    [Fact]
    public void AnUnknownCategoryIsNamedWhenScored()
    {
        var ml = _temp.Context();
        var options = Options();
        options.Epochs = 1;
        using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(ml.Data.LoadFromEnumerable(Corpus()));
        var prompts = ml.Data.LoadFromEnumerable(new[] { new Example { Direction = "sideways" } });
        var error = Assert.ThrowsAny<Exception>(() => model.Transform(prompts).GetColumn<string>("Generated").ToList());
        var message = error.InnerException?.Message ?? error.Message;
        Assert.Contains("Column 'Direction'", message);
        Assert.Contains("up, down", message);
    }

    public sealed class NumericExample
    {
        public string Text { get; set; } = "";
        [VectorType(1)]
        public float[] Direction { get; set; } = [0f];
        public string Prompt { get; set; } = "";
    }

    [Fact]
    public void AGeneratorConditionedOnNumbersLearnsAndMatchesTheEngine()
    {
        var ml = _temp.Context();
        var corpus = Corpus().Select(e => new NumericExample { Text = e.Text, Direction = [e.Direction == "up" ? 1f : -1f] }).ToArray();
        var options = Options();
        options.ConditionColumnName = null;
        options.ConditionFeaturesColumnName = "Direction";
        var estimator = ml.Transforms.Text.SequenceGenerator(options);
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(corpus));
        var prompts = ml.Data.LoadFromEnumerable(new[] { new NumericExample { Direction = [1f] }, new NumericExample { Direction = [-1f] }, new NumericExample { Direction = [1f], Prompt = "abc" } });
        var generated = model.Transform(prompts).GetColumn<string>("Generated").ToArray();
        Assert.Equal(["abcdef", "fedcba", "def"], generated);

        // The graph's initial states are the engine's: greedy decoding from tanh(c·W + b) gives the same text.
        var conditioned = estimator.LastConditioned!;
        var vocabulary = estimator.Vocabulary!;
        var (logits, state) = conditioned.Decoder.Step([Sequence<float>.FromTokens(1)], conditioned.InitialState([-1f], 1));
        var text = new System.Text.StringBuilder();
        for (int n = 0; n < options.MaximumLength; n++)
        {
            int next = Array.IndexOf(logits, logits.Max());
            if (next == 2) break;
            text.Append(vocabulary.Tokens[next - vocabulary.FirstTextId]);
            (logits, state) = conditioned.Decoder.Step([Sequence<float>.FromTokens(next)], state);
        }
        Assert.Equal(generated[1], text.ToString());
        // Training refuses a condition that is not finite; scoring one is refused too, naming the column, rather than
        // generating from NaN states, whether the model decodes greedily or samples (the default temperature).
        options.Temperature = 1;
        options.Epochs = 1;
        using var sampled = ml.Transforms.Text.SequenceGenerator(options).Fit(ml.Data.LoadFromEnumerable(corpus));
        foreach (var scorer in new[] { model, sampled })
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
            {
                var refused = ml.Data.LoadFromEnumerable(new[] { new NumericExample { Direction = [1f] }, new NumericExample { Direction = [bad] } });
                // ML.NET's parallel cursor wraps what the glue throws.
                var error = Assert.ThrowsAny<Exception>(() => scorer.Transform(refused).GetColumn<string>("Generated").ToArray());
                Assert.Contains("Column 'Direction': a value is not a finite number", error.InnerException?.Message ?? error.Message);
            }
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SequenceGenerator(new SequenceGeneratorOptions { ConditionColumnName = "A", ConditionFeaturesColumnName = "B" }));
    }

    /// <summary>
    /// The exported graph continues a padded batch of prompts (padding filled with other ids; an empty prompt) as the ML.NET
    /// pipeline continues each alone, conditioned on a category (an unknown one is reported in Check) or on numbers; the
    /// vocabulary and categories in the metadata tokenize the inputs.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheExportContinuesAPaddedBatchOfPromptsAsEachAlone(bool numeric)
    {
        var ml = _temp.Context();
        var options = Options();
        options.Epochs = 6;
        if (numeric) (options.ConditionColumnName, options.ConditionFeaturesColumnName, options.Cell) = (null, "Direction", CellKind.Lstm);
        string[] prompts = ["", "ab", "fedc", "b", "ca"];
        string[] directions = ["up", "down", "down", "up", "down"];
        var training = numeric ? ml.Data.LoadFromEnumerable(Corpus().Select(Numeric)) : ml.Data.LoadFromEnumerable(Corpus());
        var rows = prompts.Select((p, i) => new Example { Prompt = p, Direction = directions[i] }).ToArray();
        var scoring = numeric ? ml.Data.LoadFromEnumerable(rows.Select(Numeric)) : ml.Data.LoadFromEnumerable(rows);
        using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(training);
        var expected = model.Transform(scoring).GetColumn<string>("Generated").ToArray();
        Assert.True(expected.Distinct().Count() > 1, "Every prompt generated the same text: the test would not tell rows apart.");
        string zip = _temp.File("generator.zip"), onnx = _temp.File("generator.onnx");
        ml.Model.Save(model, scoring.Schema, zip);
        Onnx.RecurrentModelFile.ExportOnnx(zip, onnx);
        // One digest, the exported graph's own (the saved graph's was copied too, and the file read as altered).
        Assert.Single(Onnx.ModelIntegrity.CheckGraph(onnx, File.ReadAllBytes(onnx)).MetadataProps, p => p.Key == Onnx.ModelIntegrity.DigestKey);

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        var vocabulary = System.Text.Json.JsonSerializer.Deserialize<string[]>(metadata["RnnMlNet.Vocabulary"])!;
        int steps = prompts.Max(p => p.Length) + 2, count = prompts.Length + 1;
        var ids = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>([count, steps]);
        var lengths = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<int>([count]);
        for (int n = 0; n < count; n++)
        {
            string prompt = n < prompts.Length ? prompts[n] : "ab";
            for (int t = 0; t < steps; t++) ids[n, t] = t < prompt.Length ? Array.IndexOf(vocabulary, prompt[t].ToString()) + 1 : 1 + (n + t) % vocabulary.Length;
            lengths[n] = prompt.Length;
        }
        var inputs = new List<Microsoft.ML.OnnxRuntime.NamedOnnxValue>
        {
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("TokenIds", ids), Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths),
        };
        if (numeric)
        {
            // The last row's condition is not a number.
            inputs.Add(Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Condition",
                new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(directions.Select(d => d == "up" ? 1f : -1f).Append(float.NaN).ToArray(), [count, 1])));
        }
        else
        {
            // The last row's category was never seen in training.
            var categories = System.Text.Json.JsonSerializer.Deserialize<string[]>(metadata["RnnMlNet.Categories"])!;
            inputs.Add(Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("CategoryIds",
                new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(directions.Select(d => (long)Array.IndexOf(categories, d) + 1).Append(0).ToArray(), [count])));
        }
        using var results = session.Run(inputs);
        var tokens = results.Single(r => r.Name == "Tokens").AsTensor<string>();
        var counts = results.Single(r => r.Name == "OutputLengths").AsTensor<long>();
        for (int n = 0; n < prompts.Length; n++)
        {
            var row = Enumerable.Range(0, tokens.Dimensions[1]).Select(l => tokens[n, l]).ToArray();
            Assert.Equal(expected[n], string.Concat(row));
            Assert.Equal(expected[n].Length, (int)counts[n]);
            Assert.All(row.Skip((int)counts[n]), token => Assert.Equal("", token));
        }
        var check = results.Single(r => r.Name == "Check").AsTensor<string>().ToArray();
        Assert.All(check[..prompts.Length], message => Assert.Equal("", message));
        Assert.Contains(numeric ? "Column 'Condition': a value is not a finite number" : "unknown conditioning category", check[^1]);
    }

    private static NumericExample Numeric(Example e) => new() { Text = e.Text, Prompt = e.Prompt, Direction = [e.Direction == "up" ? 1f : -1f] };

    public sealed class NumberPrompt
    {
        public float Prompt { get; set; }
    }

    /// <summary>A space, a tab and a character beyond the BMP are tokens at scoring as in training: ML.NET's character
    /// tokenizer gives the first two back as pictures ("&lt;␠&gt;") and garbles the third, which made them unknown tokens.</summary>
    [Fact]
    public void SpacesTabsAndSurrogatePairsAreScoredAsTrained()
    {
        var ml = _temp.Context();
        // What follows "x" depends on whether a space or a tab came first; both were one unknown token at scoring.
        var corpus = Enumerable.Range(0, 15).SelectMany(_ => new[] { "x y", "x\tz", "😀w" }).Select(t => new Example { Text = t }).ToArray();
        var options = new SequenceGeneratorOptions { HiddenSize = 16, EmbeddingSize = 8, Epochs = 40, LearningRate = 0.02, Temperature = 0, BatchSize = 8 };
        var estimator = ml.Transforms.Text.SequenceGenerator(options);
        using var model = estimator.Fit(ml.Data.LoadFromEnumerable(corpus));
        Assert.Equal(7, estimator.Vocabulary!.Tokens.Count);
        var prompts = ml.Data.LoadFromEnumerable(new[] { "x ", "x\t", "😀" }.Select(p => new Example { Prompt = p }));
        Assert.Equal(["y", "z", "w"], model.Transform(prompts).GetColumn<string>("Generated"));
        // A prompt column that is not text is refused by its name.
        var numbers = ml.Data.LoadFromEnumerable(new[] { new NumberPrompt { Prompt = 1 } });
        Assert.Contains("'Prompt'", Assert.ThrowsAny<ArgumentException>(() => model.Transform(numbers)).Message);
    }

    [Fact]
    public void WordLevelGeneratorWorks()
    {
        var ml = _temp.Context();
        var corpus = Enumerable.Range(0, 30).Select(_ => new Example { Text = "the cat sat on the mat" }).ToArray();
        var options = new SequenceGeneratorOptions { Level = TokenLevel.Word, HiddenSize = 16, EmbeddingSize = 8, Epochs = 40, LearningRate = 0.02, Temperature = 0, BatchSize = 8 };
        using var model = ml.Transforms.Text.SequenceGenerator(options).Fit(ml.Data.LoadFromEnumerable(corpus));
        var prompts = ml.Data.LoadFromEnumerable(new[] { new Example { Prompt = "" }, new Example { Prompt = "the cat sat" } });
        Assert.Equal(["the cat sat on the mat", "on the mat"], model.Transform(prompts).GetColumn<string>("Generated"));
    }
}
