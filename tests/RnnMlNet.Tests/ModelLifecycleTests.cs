using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnMlNet.Core.Networks;
using RnnMlNet.Onnx;
using RnnMlNet.Prediction;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>Evaluation, summaries, ONNX export, temporary files and concurrent prediction of fitted models.</summary>
public class ModelLifecycleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class Sentence
    {
        public string Text { get; set; } = "";
        public string Topic { get; set; } = "";
    }

    public sealed class TopicPrediction
    {
        public string PredictedTopic { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    private static Sentence[] Sentences() =>
    [
        new() { Text = "the cat sat on the mat", Topic = "pets" },
        new() { Text = "my dog likes the park", Topic = "pets" },
        new() { Text = "stocks fell on monday", Topic = "money" },
        new() { Text = "the bank raised rates", Topic = "money" },
        new() { Text = "rain is coming tomorrow", Topic = "weather" },
        new() { Text = "a sunny and warm day", Topic = "weather" },
    ];

    private IEstimator<ITransformer> TopicPipeline(MLContext ml, RecurrentTrainerOptions? options = null) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Text.BuildVocabulary("TokenIds", "Tokens"))
            .Append(ml.MulticlassClassification.Trainers.Lstm(options ?? new RecurrentTrainerOptions { FeatureColumnName = "TokenIds", HiddenSize = 8, EmbeddingSize = 6, Epochs = 40, LearningRate = 0.05, BatchSize = 6, Seed = 2 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"));

    [Fact]
    public void MulticlassModelLearnsEvaluatesAndGivesClassNamesBackAfterReload()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Enumerable.Repeat(Sentences(), 10).SelectMany(s => s));
        using var model = (IDisposable)TopicPipeline(ml).Fit(data);
        var metrics = ml.MulticlassClassification.Evaluate(((ITransformer)model).Transform(data));
        Assert.Equal(1.0, metrics.MicroAccuracy);
        Assert.True(metrics.LogLoss < 0.3, $"Log-loss {metrics.LogLoss}.");

        string path = _temp.File("topics.zip");
        ml.Model.Save((ITransformer)model, data.Schema, path);
        var fresh = _temp.Context();
        using var loaded = (IDisposable)fresh.LoadModel(path, out _);
        var engine = fresh.Model.CreatePredictionEngine<Sentence, TopicPrediction>((ITransformer)loaded);
        var prediction = engine.Predict(new Sentence { Text = "the bank raised rates" });
        Assert.Equal("money", prediction.PredictedTopic);
        Assert.Equal(3, prediction.Score.Length);
        Assert.Equal(1f, prediction.Score.Sum(), 4);
    }

    [Fact]
    public void CrossValidationAndRegressionEvaluationWorkUnchanged()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.StepRows(240, 4));
        var trainer = ml.Regression.Trainers.Gru(new RecurrentTrainerOptions { LabelColumnName = "Value", FeatureColumnName = "Steps", FeaturesPerStep = 2, HiddenSize = 8, Epochs = 30, LearningRate = 0.02, BatchSize = 16 });
        var folds = ml.Regression.CrossValidate(data, trainer, numberOfFolds: 3, labelColumnName: "Value");
        Assert.Equal(3, folds.Count);
        // The label is the first value of the sequence: a model that remembers it beats predicting the mean by far.
        Assert.All(folds, f => Assert.True(f.Metrics.RSquared > 0.8, $"R² {f.Metrics.RSquared}."));
        foreach (var fold in folds) (fold.Model as IDisposable)?.Dispose();
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.3, seed: 1);
        using var model = trainer.Fit(split.TrainSet);
        Assert.True(ml.Regression.Evaluate(model.Transform(split.TestSet), labelColumnName: "Value").RSquared > 0.8);
    }

    [Fact]
    public void SummaryCountsTheTeachingExampleParametersAndTravelsWithTheZip()
    {
        var ml = _temp.Context();
        var rows = Enumerable.Range(0, 20).Select(i => new VectorRow { Steps = Enumerable.Range(0, 15).Select(j => (float)Math.Sin(i + j)).ToArray(), Label = i % 2 == 0 }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var trainer = ml.BinaryClassification.Trainers.SimpleRnn(new RecurrentTrainerOptions { FeatureColumnName = "Steps", FeaturesPerStep = 5, HiddenSize = 3, Epochs = 2 });
        using var model = trainer.Fit(data);

        // A known-size feature column scores too (its ONNX input declares the size).
        Assert.Equal(rows.Length, model.Transform(data).GetColumn<float>("Score").Count(float.IsFinite));
        var summary = trainer.LastSummary!;
        var cell = Assert.Single(summary.Components, c => c.Name == "layer0.forward");
        Assert.Equal(27, cell.Parameters); // 5×3 + 3×3 + 3
        Assert.Equal(27 + 3 + 1, summary.TotalParameters); // plus the head: 3 weights and a bias
        Assert.Equal(2, summary.History.Count);
        Assert.Contains("layer0.forward", summary.ToString());

        string path = _temp.File("summary.zip");
        ml.Model.Save(model, data.Schema, path);
        var read = RecurrentModelFile.ReadSummary(path);
        Assert.Equal(summary.TotalParameters, read.TotalParameters);
        Assert.Equal(summary.History.Select(h => h.TrainingLoss), read.History.Select(h => h.TrainingLoss));
    }

    public sealed class FixedKeysRow
    {
        [KeyType(8), VectorType(4)]
        public uint[] Tokens { get; set; } = [];
        public bool Label { get; set; }
    }

    [Fact]
    public void KnownSizeKeyColumnsTrainAndScore()
    {
        var ml = _temp.Context();
        var rows = Enumerable.Range(0, 30).Select(i => new FixedKeysRow { Tokens = [(uint)(i % 8 + 1), 2, 3, (uint)(i % 3 + 1)], Label = i % 8 < 4 }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 }).Fit(data);
        Assert.Equal(rows.Length, model.Transform(data).GetColumn<float>("Score").Count(float.IsFinite));
    }

    public sealed class VectorRow
    {
        [VectorType(15)]
        public float[] Steps { get; set; } = [];
        public bool Label { get; set; }
    }

    /// <summary>The recurrent graph is found by its metadata, not its place: OneHotSequence's padding graph comes first in this pipeline.</summary>
    [Fact]
    public void ExportFindsTheRecurrentGraphWhateverPrecedesIt()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(30, 5));
        using var model = ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 6)
            .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 4, Epochs = 1 })).Fit(data);
        string zip = _temp.File("onehot.zip"), onnx = _temp.File("onehot.onnx");
        ml.Model.Save(model, data.Schema, zip);
        RecurrentModelFile.ExportOnnx(zip, onnx);
        using var session = new InferenceSession(onnx);
        Assert.Equal(["SequenceLengths", "TokenIds"], session.InputMetadata.Keys.Order());
        Assert.Equal("BinaryClassification", session.ModelMetadata.CustomMetadataMap["RnnMlNet.Model"]);
        Assert.Equal(RecurrentTask.BinaryClassification, RecurrentModelFile.ReadSummary(zip).Task);
    }

    [Fact]
    public void ExportedOnnxRunsInOnnxRuntimeWithTheSameScores()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(30, 5);
        var data = SyntheticData.Load(ml, rows);
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 5, EmbeddingSize = 3, Epochs = 2 });
        using var model = trainer.Fit(data);
        string zip = _temp.File("export.zip"), onnx = _temp.File("export.onnx");
        ml.Model.Save(model, data.Schema, zip);
        RecurrentModelFile.ExportOnnx(zip, onnx);
        // A long but legal name (250 bytes): the temporary file beside it has a short name of its own.
        string longName = _temp.File(new string('m', 245) + ".onnx");
        RecurrentModelFile.ExportOnnx(zip, longName);
        Assert.Equal(File.ReadAllBytes(onnx), File.ReadAllBytes(longName));
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.tmp"));

        var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
        using var session = new InferenceSession(onnx);
        for (int i = 0; i < rows.Length; i++)
        {
            var ids = new DenseTensor<long>(rows[i].Tokens.Select(t => (long)t).ToArray(), [1, rows[i].Tokens.Length]);
            var lengths = new DenseTensor<int>(new[] { rows[i].Tokens.Length }, [1]);
            using var result = session.Run([NamedOnnxValue.CreateFromTensor("TokenIds", ids), NamedOnnxValue.CreateFromTensor("SequenceLengths", lengths)]);
            float logit = result.Single(r => r.Name == "Logit").AsTensor<float>()[0, 0];
            Assert.Equal(scores[i], logit, 5);
        }
    }

    public sealed class TokenInput
    {
        [KeyType(SyntheticData.Vocabulary)]
        public uint[] Tokens { get; set; } = [];
    }

    public sealed class BinaryPrediction
    {
        public float Score { get; set; }
    }

    public sealed class WrongPrediction
    {
        public string Score { get; set; } = "";
    }

    /// <summary>What the README says of engines made and disposed per call: with ML.NET's defaults an engine disposes the model
    /// it was given (OwnsTransformer), after which the model fails; with OwnsTransformer = false the model keeps scoring.</summary>
    [Fact]
    public void AnEngineThatDoesNotOwnTheModelLeavesItScoring()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(20, 6);
        var data = SyntheticData.Load(ml, rows);
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 });
        float Score(ITransformer model, PredictionEngineOptions? options = null)
        {
            using var engine = options is null ? ml.Model.CreatePredictionEngine<TokenInput, BinaryPrediction>(model)
                : ml.Model.CreatePredictionEngine<TokenInput, BinaryPrediction>(model, options);
            return engine.Predict(new TokenInput { Tokens = rows[0].Tokens }).Score;
        }

        using var kept = trainer.Fit(data);
        var notOwning = new PredictionEngineOptions { OwnsTransformer = false };
        float first = Score(kept, notOwning);
        Assert.Equal(first, Score(kept, notOwning));
        Assert.Equal(first, kept.Transform(data).GetColumn<float>("Score").First());

        using var owned = trainer.Fit(data);
        Assert.Equal(first, Score(owned));
        Assert.ThrowsAny<Exception>(() => Score(owned));
    }

    /// <summary>A saved model's weights read back (<c>RecurrentModelFile.ReadWeights</c>) are the trained network's, to the
    /// bit, so a saved model packages again (Epochs 0: the same scores) or fine-tunes on new data, which had no way in but
    /// the estimator that trained it; an ensemble, whose networks would all start alike, is refused by name.</summary>
    [Theory]
    [InlineData(RecurrentTask.BinaryClassification)]
    [InlineData(RecurrentTask.Regression)]
    public void ASavedModelsWeightsReadBackToPackageOrFineTune(RecurrentTask task)
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(60, 5));
        RecurrentTrainerOptions Options(int epochs, IReadOnlyList<NamedTensor<float>>? weights = null) => new()
        {
            FeatureColumnName = "Tokens", LabelColumnName = task == RecurrentTask.Regression ? "Value" : "Label", HiddenSize = 5, Epochs = epochs,
            Pooling = Pooling.Mean, EnsembleSize = 1, Seed = 2, InitialWeights = weights,
        };
        RecurrentTrainerEstimator Trainer(RecurrentTrainerOptions options) =>
            task == RecurrentTask.Regression ? ml.Regression.Trainers.Gru(options) : ml.BinaryClassification.Trainers.Gru(options);
        float[] Scores(ITransformer model) => model.Transform(data).GetColumn<float>("Score").ToArray();

        var trainer = Trainer(Options(2));
        using var model = trainer.Fit(data);
        string zip = _temp.File($"tune-{task}.zip");
        ml.Model.Save(model, data.Schema, zip);
        var weights = RecurrentModelFile.ReadWeights(zip);
        var trained = trainer.LastNetwork!.Export();
        Assert.Equal(trained.Select(w => w.Name), weights.Select(w => w.Name));
        for (int i = 0; i < trained.Count; i++)
        {
            Assert.Equal(trained[i].Shape, weights[i].Shape);
            Assert.Equal(trained[i].Values, weights[i].Values);
        }

        using (var packaged = Trainer(Options(0, weights)).Fit(data))
        {
            var expected = Scores(model);
            var actual = Scores(packaged);
            for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], actual[n], 1e-4 * Math.Max(1, Math.Abs(expected[n])));
        }
        var tuner = Trainer(Options(1, weights));
        using (var tuned = tuner.Fit(data)) Assert.NotEqual(Scores(model), Scores(tuned));
        Assert.Single(tuner.LastSummary!.History);

        string ensemble = _temp.File($"ensemble-{task}.zip");
        var two = Options(1);
        two.EnsembleSize = 2;
        using (var members = Trainer(two).Fit(data)) ml.Model.Save(members, data.Schema, ensemble);
        Assert.Contains("holds an ensemble of 2 networks, and InitialWeights start one network",
            Assert.Throws<InvalidDataException>(() => RecurrentModelFile.ReadWeights(ensemble)).Message);
    }

    [Fact]
    public void PoolPredictsConcurrentlyWithTheSameResultsAsOneEngine()
    {
        var ml = _temp.Context();
        var rows = SyntheticData.TokenRows(40, 7);
        var data = SyntheticData.Load(ml, rows);
        var model = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 6, Epochs = 1 }).Fit(data);
        var single = ml.Model.CreatePredictionEngine<TokenInput, BinaryPrediction>(model);
        var expected = rows.Select(r => single.Predict(new TokenInput { Tokens = r.Tokens }).Score).ToArray();

        var actual = new float[8, rows.Length];
        using (var pool = new PredictionEnginePool<TokenInput, BinaryPrediction>(ml, model, data.Schema, maximumRetained: 4))
        {
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
            {
                for (int i = 0; i < rows.Length; i++)
                    actual[thread, i] = pool.Predict(new TokenInput { Tokens = rows[i].Tokens }).Score;
            });
        }
        for (int thread = 0; thread < 8; thread++)
            for (int i = 0; i < rows.Length; i++)
                Assert.Equal(expected[i], actual[thread, i]);

        // From a saved file: the same scores; a damaged file is refused when the pool is made, naming it, as Load refuses it.
        string path = _temp.File("pooled.zip");
        ml.Model.Save(model, data.Schema, path);
        using (var fromFile = new PredictionEnginePool<TokenInput, BinaryPrediction>(ml, path))
            Assert.Equal(expected[0], fromFile.Predict(new TokenInput { Tokens = rows[0].Tokens }).Score);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => new PredictionEnginePool<TokenInput, BinaryPrediction>(ml, path)).Message);
        // Classes that do not fit the model fail when the pool is made, not at every Predict.
        Assert.ThrowsAny<Exception>(() => new PredictionEnginePool<TokenInput, WrongPrediction>(ml, model, data.Schema));
        // No idle engine at all is not a size the pool can keep (it kept one anyway): refused, naming the parameter.
        foreach (int retained in new[] { 0, -1 })
            Assert.Equal("maximumRetained", Assert.Throws<ArgumentOutOfRangeException>(() => new PredictionEnginePool<TokenInput, BinaryPrediction>(ml, model, data.Schema, retained)).ParamName);

        // Disposed while threads predict: calls finish or are refused, and every engine's model goes once the last is done.
        for (int round = 0; round < 3; round++)
        {
            var racing = new PredictionEnginePool<TokenInput, BinaryPrediction>(ml, model, data.Schema, maximumRetained: 4);
            using var started = new CountdownEvent(4);
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                started.Signal();
                for (int i = 0; ; i++)
                {
                    try { racing.Predict(new TokenInput { Tokens = rows[i % rows.Length].Tokens }); }
                    catch (ObjectDisposedException) { return; }
                }
            })).ToArray();
            foreach (var thread in threads) thread.Start();
            started.Wait();
            racing.Dispose();
            foreach (var thread in threads) thread.Join();
        }

        // Disposing the pool released every engine's model copy and its temporary file; only the test's own model remains.
        single.Dispose();
        model.Dispose();
        Assert.Empty(Directory.EnumerateFiles(_temp.ModelTemp, "*", SearchOption.AllDirectories));
    }
}
