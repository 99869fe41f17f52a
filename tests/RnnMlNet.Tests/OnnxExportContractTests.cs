using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Onnx;
using RnnMlNet.Sequences;
using RnnMlNet.Trainers;
using RnnMlNet.Vocabulary;

namespace RnnMlNet.Tests;

/// <summary>
/// The exported graph's contract, in plain ONNX Runtime: each kind takes a padded batch with its sequence lengths (the
/// padding filled with other ids or values, to show it is never read) and gives every row what the ML.NET pipeline gives
/// it alone (1e-5), logits and probabilities alike; a refused row gets NaN; the vocabulary and class names travel in
/// the metadata, enough to tokenize text elsewhere. (The decoders' batch contract is tested beside them, in
/// SequenceToSequenceTests and SequenceGeneratorTests.)
/// </summary>
public class OnnxExportContractTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private InferenceSession Export(MLContext ml, ITransformer model, IDataView data, string name)
    {
        string zip = _temp.File(name + ".zip"), onnx = _temp.File(name + ".onnx");
        ml.Model.Save(model, data.Schema, zip);
        RecurrentModelFile.ExportOnnx(zip, onnx);
        return new InferenceSession(onnx);
    }

    /// <summary>Rows as one padded batch of ids [N, T] (padding: ids that would change the scores if read) and lengths [N].</summary>
    private static NamedOnnxValue[] TokenBatch(IReadOnlyList<uint[]> rows, int extraSteps = 2)
    {
        int steps = rows.Max(r => r.Length) + extraSteps;
        var ids = new DenseTensor<long>([rows.Count, steps]);
        var lengths = new DenseTensor<int>([rows.Count]);
        for (int n = 0; n < rows.Count; n++)
        {
            for (int t = 0; t < steps; t++) ids[n, t] = t < rows[n].Length ? rows[n][t] : 1 + (n + t) % 5;
            lengths[n] = rows[n].Length;
        }
        return [NamedOnnxValue.CreateFromTensor("TokenIds", ids), NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)];
    }

    private static float[,] Run(InferenceSession session, NamedOnnxValue[] inputs, string output)
    {
        using var results = session.Run(inputs);
        var tensor = results.Single(r => r.Name == output).AsTensor<float>();
        var values = new float[tensor.Dimensions[0], tensor.Length / tensor.Dimensions[0]];
        int width = values.GetLength(1), i = 0;
        foreach (float v in tensor) values[i / width, i++ % width] = v;
        return values;
    }

    [Fact]
    public void ABinaryLstmScoresAPaddedBatchAsEachRowAlone()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 3);
        var data = SyntheticData.Load(ml, rows);
        using var model = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", HiddenSize = 6, EmbeddingSize = 4, Layers = 2, Bidirectional = true, Epochs = 2, Pooling = Pooling.Attention,
        }).Fit(data);
        var scored = model.Transform(data);
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        using var session = Export(ml, model, data, "binary");
        Assert.Equal(["SequenceLengths", "TokenIds"], session.InputMetadata.Keys.Order());
        var batch = TokenBatch(rows.Select(r => r.Tokens).ToList());
        var logits = Run(session, batch, "Logit");
        var probability = Run(session, batch, "Probability");
        for (int n = 0; n < rows.Length; n++)
        {
            Assert.Equal(scores[n], logits[n, 0], 1e-5);
            Assert.Equal(probabilities[n], probability[n, 0], 1e-5);
            Assert.Equal(logits[n, 0], Run(session, TokenBatch([rows[n].Tokens], extraSteps: 0), "Logit")[0, 0], 1e-6);
        }
        // A row of length 0 is not a score.
        var empty = TokenBatch([rows[0].Tokens, []]);
        Assert.True(float.IsNaN(Run(session, empty, "Logit")[1, 0]));
        Assert.Equal(scores[0], Run(session, empty, "Logit")[0, 0], 1e-5);
        // So is every row of a batch with no steps at all (T = 0), whatever its length says, not an error of the whole batch.
        var noSteps = TokenBatch([[], []], extraSteps: 0);
        ((DenseTensor<int>)noSteps[1].Value)[1] = 3;
        var none = Run(session, noSteps, "Logit");
        Assert.True(float.IsNaN(none[0, 0]) && float.IsNaN(none[1, 0]));
        // A length past the batch's steps reads the steps there are (the operators alone would refuse the whole batch).
        var tooLong = TokenBatch([rows[0].Tokens], extraSteps: 0);
        ((DenseTensor<int>)tooLong[1].Value)[0] += 3;
        Assert.Equal(scores[0], Run(session, tooLong, "Logit")[0, 0], 1e-5);
    }

    [Fact]
    public void AMulticlassGruGivesProbabilitiesAndNamedClasses()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 4);
        var data = SyntheticData.Load(ml, rows);
        using var model = ml.MulticlassClassification.Trainers.Gru(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", LabelColumnName = "Class", HiddenSize = 6, EmbeddingSize = 4, Pooling = Pooling.Mean, Epochs = 2,
            MaximumLength = 5, // rows run to 8 tokens: the export reads the first 5, as training did
            EnsembleSize = 2, // the export averages both networks, as the saved model does
        }).Fit(data);
        var expected = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        using var session = Export(ml, model, data, "multiclass");
        var batch = TokenBatch(rows.Select(r => r.Tokens).ToList());
        var probabilities = Run(session, batch, "Probabilities");
        using var results = session.Run(batch);
        var predicted = results.Single(r => r.Name == "PredictedClass").AsTensor<long>().ToArray();
        for (int n = 0; n < rows.Length; n++)
        {
            for (int c = 0; c < 3; c++) Assert.Equal(expected[n][c], probabilities[n, c], 1e-5);
            Assert.Equal(Array.IndexOf(expected[n], expected[n].Max()), (int)predicted[n]);
        }
        var names = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.ClassNames"])!;
        Assert.Equal(3, names.Length);
        Assert.True(rows.Any(r => r.Tokens.Length > 5), "No row is longer than MaximumLength: the truncation is not exercised.");
        using var empty = session.Run(TokenBatch([rows[0].Tokens, []]));
        Assert.Equal([predicted[0], -1L], empty.Single(r => r.Name == "PredictedClass").AsTensor<long>().ToArray());
    }

    [Fact]
    public void ARegressorOnFloatStepsReadsOnlyEachRowsSteps()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.StepRows(30, 5);
        var data = SyntheticData.Load(ml, rows);
        using var model = ml.Regression.Trainers.SimpleRnn(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Steps", LabelColumnName = "Value", FeaturesPerStep = 2, HiddenSize = 5, Pooling = Pooling.Max, Bidirectional = true, Epochs = 2,
        }).Fit(data);
        var expected = model.Transform(data).GetColumn<float>("Score").ToArray();
        using var session = Export(ml, model, data, "regression");
        int steps = rows.Max(r => r.Steps.Length / 2) + 1;
        var values = new DenseTensor<float>([rows.Length, steps, 2]);
        var lengths = new DenseTensor<int>([rows.Length]);
        for (int n = 0; n < rows.Length; n++)
        {
            for (int t = 0; t < steps; t++)
                for (int f = 0; f < 2; f++)
                    values[n, t, f] = 2 * t + f < rows[n].Steps.Length ? rows[n].Steps[2 * t + f] : n % 2 == 0 ? 9f : float.PositiveInfinity; // padding that would dominate a max
            lengths[n] = rows[n].Steps.Length / 2;
        }
        NamedOnnxValue[] Inputs() => [NamedOnnxValue.CreateFromTensor("Steps", values), NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)];
        var predictions = Run(session, Inputs(), "Prediction");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(expected[n], predictions[n, 0], 1e-5);

        // An infinite value within a row's steps refuses that row alone (NaN), as the saved model does.
        values[1, 0, 1] = float.NegativeInfinity;
        predictions = Run(session, Inputs(), "Prediction");
        Assert.True(float.IsNaN(predictions[1, 0]));
        Assert.Equal(expected[0], predictions[0, 0], 1e-5);
        Assert.Equal(expected[2], predictions[2, 0], 1e-5);

        // A batch with no steps at all (T = 0) is refused row by row, not as a whole.
        var none = Run(session, [NamedOnnxValue.CreateFromTensor("Steps", new DenseTensor<float>([2, 0, 2])),
            NamedOnnxValue.CreateFromTensor("SequenceLengths", new DenseTensor<int>(new[] { 0, 3 }, [2]))], "Prediction");
        Assert.True(float.IsNaN(none[0, 0]) && float.IsNaN(none[1, 0]));
    }

    [Fact]
    public void ATaggerGivesEachRowsStepsTheirTags()
    {
        var ml = _temp.Context();
        var rows = SequenceTaggerTests.Rows(30, 2);
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Tags").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        using var model = ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions
        {
            FeatureColumnName = "Tokens", HiddenSize = 6, EmbeddingSize = 4, Bidirectional = true, Epochs = 2, EnsembleSize = 2,
        }).Fit(data);
        var expected = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        using var session = Export(ml, model, data, "tagger");
        using var results = session.Run(TokenBatch(rows.Select(r => r.Tokens).ToList()));
        var probabilities = results.Single(r => r.Name == "Probabilities").AsTensor<float>();
        int classes = probabilities.Dimensions[2];
        Assert.Equal(["new", "repeat"], JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.ClassNames"])!.Order());
        for (int n = 0; n < rows.Length; n++)
            for (int t = 0; t < rows[n].Tokens.Length; t++)
                for (int c = 0; c < classes; c++) Assert.Equal(expected[n][t * classes + c], probabilities[n, t, c], 1e-5);
    }

    /// <summary>Wide and deep: the side features are an input of their own, and reach the logit as in the pipeline.</summary>
    [Fact]
    public void AWideAndDeepModelTakesItsSideFeatures()
    {
        var ml = _temp.Context();
        var rows = WideAndDeepTests.Rows(30, 6);
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens", SideFeatureColumnName = "Side", HiddenSize = 5, EmbeddingSize = 3, Pooling = Pooling.Last, Epochs = 2, LearningRate = 0.01,
            EnsembleSize = 3,
        }).Fit(data);
        var expected = model.Transform(data).GetColumn<float>("Score").ToArray();
        using var session = Export(ml, model, data, "wide");
        var side = new DenseTensor<float>(rows.SelectMany(r => r.Side).ToArray(), [rows.Length, WideAndDeepTests.Slots]);
        NamedOnnxValue[] Inputs() => [.. TokenBatch(rows.Select(r => r.Tokens).ToList()), NamedOnnxValue.CreateFromTensor("SideFeatures", side)];
        var logits = Run(session, Inputs(), "Logit");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(expected[n], logits[n, 0], 1e-5);

        // An infinite side feature refuses its row alone (NaN), as the saved model does.
        side[0, 1] = float.PositiveInfinity;
        logits = Run(session, Inputs(), "Logit");
        Assert.True(float.IsNaN(logits[0, 0]));
        Assert.Equal(expected[1], logits[1, 0], 1e-5);
    }

    /// <summary>One-hot input, keys with no embedding (EmbeddingSize 0) or a OneHotSequence column before the trainer, takes
    /// its tokens' ids as a key model does, and scores a padded batch as each row alone. An unknown word (id 0) has no step
    /// in a one-hot column: the pipeline drops it, and so does the export.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneHotModelsTakeTokenIds(bool oneHotColumn)
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(30, 8);
        var data = SyntheticData.Load(ml, rows);
        var options = new RecurrentTrainerOptions
        {
            FeatureColumnName = oneHotColumn ? "OneHot" : "Tokens", HiddenSize = 4, EmbeddingSize = 0, Bidirectional = true, Epochs = 2,
            EnsembleSize = oneHotColumn ? 2 : 1, // each member's one-hot table is read back under its own prefix
        };
        // Room for two unknown words in the longest row.
        int steps = rows.Max(r => r.Tokens.Length) + 2;
        var trainer = ml.BinaryClassification.Trainers.Gru(options);
        using var model = oneHotColumn
            ? (IDisposable)ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: steps).Append(trainer).Fit(data)
            : trainer.Fit(data);
        var scores = ((ITransformer)model).Transform(data).GetColumn<float>("Score").ToArray();
        using var session = Export(ml, (ITransformer)model, data, oneHotColumn ? "onehot-column" : "onehot-keys");
        Assert.Equal(["SequenceLengths", "TokenIds"], session.InputMetadata.Keys.Order());
        var logits = Run(session, TokenBatch(rows.Select(r => r.Tokens).ToList()), "Logit");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(scores[n], logits[n, 0], 1e-5);
        if (!oneHotColumn) return;
        var withUnknown = rows.Select(r => r.Tokens.Take(1).Append(0u).Concat(r.Tokens.Skip(1)).Append(0u).ToArray()).ToList();
        var unknownRows = withUnknown.Select((tokens, n) => new SyntheticData.TokenRow { Tokens = tokens, Label = rows[n].Label });
        Assert.Equal(scores, ((ITransformer)model).Transform(SyntheticData.Load(ml, unknownRows)).GetColumn<float>("Score").ToArray());
        var exported = Run(session, TokenBatch(withUnknown), "Logit");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(scores[n], exported[n, 0], 1e-5);
        // An id past the vocabulary is unknown too, and takes no step either (it took one, on a row training never touched).
        var past = Run(session, TokenBatch(rows.Select(r => r.Tokens.Append(1000u).ToArray()).ToList()), "Logit");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(scores[n], past[n, 0], 1e-5);
    }

    /// <summary>A OneHotSequence cut to fewer steps than rows have: the export takes each row's whole ids and cuts them as
    /// the pipeline did, to its first or last T (unknown ids included, then dropped), so another runtime gets the pipeline's
    /// score without knowing the cut (rows longer than T were scored on all their ids, up to 0.09 off in probability).</summary>
    [Theory]
    [InlineData(SequenceSide.Post, SequenceSide.Post)]
    [InlineData(SequenceSide.Pre, SequenceSide.Pre)]
    [InlineData(SequenceSide.Post, SequenceSide.Pre)]
    public void TheExportCutsTheIdsAsTheOneHotSequenceDid(SequenceSide padding, SequenceSide truncation)
    {
        var ml = _temp.Context();
        // Rows of 2 to 8 tokens, every third with an unknown id after its first token, cut to 4 steps.
        var rows = SyntheticData.TokenRows(30, 8)
            .Select((r, n) => n % 3 == 0 ? new SyntheticData.TokenRow { Tokens = [r.Tokens[0], 0u, .. r.Tokens[1..]], Label = r.Label } : r).ToArray();
        Assert.Contains(rows, r => r.Tokens.Length > 5);
        var data = SyntheticData.Load(ml, rows);
        var trainer = ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 4, EmbeddingSize = 0, Epochs = 2 });
        using var model = ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", 4, padding, truncation).Append(trainer).Fit(data);
        var scores = ((ITransformer)model).Transform(data).GetColumn<float>("Score").ToArray();
        using var session = Export(ml, model, data, $"onehot-cut-{padding}-{truncation}");
        var logits = Run(session, TokenBatch(rows.Select(r => r.Tokens).ToList()), "Logit");
        for (int n = 0; n < rows.Length; n++) Assert.Equal(scores[n], logits[n, 0], 1e-5);
    }

    public sealed class Review
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    /// <summary>Another runtime tokenizes with the vocabulary in the metadata and gets the pipeline's probability, for a
    /// model on the key column and for one on a OneHotSequence column made from it (whose vocabulary is the key column's).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheVocabularyInTheMetadataTokenizesTextElsewhere(bool oneHotColumn)
    {
        var ml = _temp.Context();
        var data = Reviews(ml);
        var keys = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"));
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = oneHotColumn ? "OneHot" : "TokenIds", HiddenSize = 4, Epochs = 3 });
        using var model = oneHotColumn
            ? keys.Append(ml.Transforms.Text.OneHotSequence("OneHot", "TokenIds", maximumLength: 4)).Append(trainer).Fit(data)
            : keys.Append(trainer).Fit(data);
        using var session = Export(ml, model, data, oneHotColumn ? "text-onehot" : "text");
        var vocabulary = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.Vocabulary"])!;
        Assert.Equal(model.GetVocabulary(data.Schema, "TokenIds"), vocabulary);

        string[] texts = ["movie was good", "film was not bad", "an unseen word"];
        var rows = texts.Select(text => text.Split(' ').Select(word => (uint)(Array.IndexOf(vocabulary, word) + 1)).ToArray()).ToList();
        var probability = Run(session, TokenBatch(rows), "Probability");
        var expected = model.Transform(ml.Data.LoadFromEnumerable(texts.Select(t => new Review { Text = t }))).GetColumn<float>("Probability").ToArray();
        for (int n = 0; n < texts.Length; n++) Assert.Equal(expected[n], probability[n, 0], 1e-5);
    }

    /// <summary>Over SplitIntoCharacters, the vocabulary holds the characters themselves (a space, an emoji), so another
    /// runtime that looks each character up gets the pipeline's probability; over TokenizeIntoCharactersAsKeys it held
    /// "&lt;␠&gt;" for a space and one token for every surrogate half, and scored text with spaces otherwise (the eleventh
    /// exploratory pass).</summary>
    [Fact]
    public void ACharacterVocabularyHoldsTheCharactersThemselves()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Review { Text = "good film 👍", Label = true }, new Review { Text = "great movie", Label = true },
            new Review { Text = "bad film 👎", Label = false }, new Review { Text = "dull movie", Label = false },
        });
        using var model = ml.Transforms.Text.SplitIntoCharacters("Chars", "Text").Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Chars"))
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", HiddenSize = 4, Epochs = 3 })).Fit(data);
        using var session = Export(ml, model, data, "characters");
        var vocabulary = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.Vocabulary"])!;
        Assert.Contains(" ", vocabulary);
        Assert.Contains("👍", vocabulary);

        string[] texts = ["good movie 👍", "bad film", "a dull 👎 film"];
        var rows = texts.Select(text => text.EnumerateRunes().Select(c => (uint)(Array.IndexOf(vocabulary, c.ToString()) + 1)).ToArray()).ToList();
        var probability = Run(session, TokenBatch(rows), "Probability");
        var expected = model.Transform(ml.Data.LoadFromEnumerable(texts.Select(t => new Review { Text = t }))).GetColumn<float>("Probability").ToArray();
        for (int n = 0; n < texts.Length; n++) Assert.Equal(expected[n], probability[n, 0], 1e-5);
    }

    private static IDataView Reviews(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Review { Text = "movie was good", Label = true }, new Review { Text = "film was great", Label = true },
        new Review { Text = "movie was bad", Label = false }, new Review { Text = "film was not good", Label = false },
    });

    /// <summary>The vocabulary in the export is the key column's where the model reads it: not hidden by a later column of its
    /// name (here the trainer's own Probability), nor replaced by a key column made again after OneHotSequence read it.</summary>
    [Theory]
    [InlineData("hidden")]
    [InlineData("remade")]
    public void TheExportsVocabularyIsTheKeyColumnsWhereTheModelReadsIt(string later)
    {
        var ml = _temp.Context();
        var data = Reviews(ml);
        string keyColumn = later == "hidden" ? "Probability" : "TokenIds";
        var keys = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Text.BuildVocabulary(keyColumn, "Tokens"));
        using var model = later == "hidden"
            ? keys.Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = keyColumn, HiddenSize = 4, Epochs = 1 })).Fit(data)
            : keys.Append(ml.Transforms.Text.OneHotSequence("OneHot", keyColumn, maximumLength: 4))
                .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys(keyColumn, "Text"))
                .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 4, Epochs = 1 }))
                .Fit(data);
        using var session = Export(ml, model, data, later);
        Assert.Equal(keys.Fit(data).GetVocabulary(data.Schema, keyColumn), JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["RnnMlNet.Vocabulary"])!);
        Assert.Contains("RnnMlNet.Summary", session.ModelMetadata.CustomMetadataMap.Keys);
    }
}
