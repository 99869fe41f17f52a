// The names classifier behind an HTTP endpoint: POST /predict {"name": "Maria"} answers {"name": "Maria", "female": true,
// "probability": 0.99}. The model is loaded through RecurrentModelFile.Load (integrity-checked) and served by a
// PredictionEnginePool, since a PredictionEngine must not be shared between the threads that serve requests.
// Arguments: a saved model .zip (trained from data/names/names.csv and saved first when omitted), then ASP.NET Core's
// own (--urls http://127.0.0.1:5000).
using Microsoft.ML;
using RnnMlNet.Onnx;
using RnnMlNet.Prediction;
using RnnMlNet.Trainers;

SampleData.Start(args, "[model.zip] [ASP.NET Core options: --urls http://127.0.0.1:5000]", takesOptions: true);
bool modelGiven = args.Length > 0 && args[0].EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
string modelPath = modelGiven ? args[0] : TrainAndSave();
var ml = new MLContext();
var model = RecurrentModelFile.Load(ml, modelPath, out var schema);
using var pool = new PredictionEnginePool<NameRow, NamePrediction>(ml, model, schema);

// ASP.NET Core's arguments only: it reads an absolute model path ("/tmp/…") as a "/key value" option that swallows --urls.
var app = WebApplication.CreateBuilder(modelGiven ? args[1..] : args).Build();
app.MapGet("/health", () => Results.Ok("ready"));
app.MapPost("/predict", (NameRequest request) =>
{
    if (string.IsNullOrWhiteSpace(request.Name))
        return Results.BadRequest(new { error = "Expected a JSON body {\"name\": \"...\"} with a non-empty name." });
    var prediction = pool.Predict(new NameRow { Name = request.Name });
    return Results.Ok(new NameResponse(request.Name, prediction.PredictedLabel, prediction.Probability));
});
app.Run();
(model as IDisposable)?.Dispose();

// Trains the names classifier with default options and saves it through a temporary file.
static string TrainAndSave()
{
    string csv = SampleData.Find("data/names/names.csv", "pass a saved model's path as the first argument");
    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(SampleData.ReadNames(csv).Select(n => new NameRow { Name = n.Name, Label = n.Female }).ToList());
    var pipeline = ml.Transforms.Text.NormalizeText("Lower", "Name")
        .Append(SampleData.CharacterIds(ml, "CharIds", "Lower"))
        .Append(ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "CharIds", Seed = 1 }));
    using var model = pipeline.Fit(data);
    string path = Path.Combine(Path.GetTempPath(), "rnnmlnet-serving-names.zip");
    RecurrentModelFile.Save(ml, model, data.Schema, path);
    Console.WriteLine($"Trained and saved {path}.");
    return path;
}


/// <summary>The request body.</summary>
public sealed record NameRequest(string? Name);

/// <summary>The response body.</summary>
public sealed record NameResponse(string Name, bool Female, float Probability);

/// <summary>A name and whether it is female (the label is not needed for scoring).</summary>
public sealed class NameRow
{
    public string Name { get; set; } = "";

    public bool Label { get; set; }
}

/// <summary>What the model predicts for a name.</summary>
public sealed class NamePrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }
}
