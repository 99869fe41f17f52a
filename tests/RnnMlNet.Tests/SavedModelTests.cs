using Microsoft.ML;

namespace RnnMlNet.Tests;

/// <summary>
/// Models saved by an earlier version of the library (Fixtures/saved-models, made by tests/fixture-makers/SavedModels at
/// the commit its README names) load in a fresh context and score exactly what they scored when they were saved.
/// </summary>
public class SavedModelTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static IEnumerable<object[]> Cases() => SavedModelCases.All.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void ASavedModelLoadsAndScoresAsItDidWhenSaved(string name)
    {
        var @case = SavedModelCases.All.Single(c => c.Name == name);
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "saved-models");
        var ml = _temp.Context();
        var model = ml.LoadModel(Path.Combine(folder, name + ".zip"), out _);
        try
        {
            string expected = File.ReadAllText(Path.Combine(folder, name + ".expected.txt"));
            Assert.Equal(expected, SavedModelCases.Describe(model, @case.Scored(ml), @case.Outputs));
        }
        finally
        {
            ((IDisposable)model).Dispose();
        }
    }

    /// <summary>What a model saved before ensembles stores, its summary and the export's network description without the
    /// ensemble fields, reads as one network's. (The fixtures above predate the stored digest that ReadSummary checks, so
    /// the stored texts are rewritten here as that version wrote them.)</summary>
    [Fact]
    public void ASummaryAndDescriptionWrittenBeforeEnsemblesReadAsOneNetwork()
    {
        var ml = _temp.Context();
        var data = SyntheticData.Load(ml, SyntheticData.TokenRows(20, 1));
        var trainer = ml.BinaryClassification.Trainers.Lstm(new RnnMlNet.Trainers.RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 3, EmbeddingSize = 2, Epochs = 2 });
        using var model = trainer.Fit(data);

        var summary = System.Text.Json.Nodes.JsonNode.Parse(trainer.LastSummary!.ToJson())!.AsObject();
        summary.Remove("Members");
        summary.Remove("AveragedEpochs");
        foreach (var epoch in summary["History"]!.AsArray()) epoch!.AsObject().Remove("Member");
        var old = RnnMlNet.Trainers.RecurrentModelSummary.FromJson(summary.ToJsonString());
        Assert.Equal(2, old.History.Count);
        Assert.Empty(old.Members);
        Assert.Empty(old.AveragedEpochs);
        Assert.Contains("kept the weights of epoch 2", old.ToString());
        Assert.All(old.History, e => Assert.Equal(1, e.Member));

        var network = trainer.LastNetwork!;
        var description = System.Text.Json.Nodes.JsonNode.Parse(RnnMlNet.Graphs.ExportGraph.Describe(network.Options,
            RnnMlNet.Trainers.SequenceColumn.Describe(data.Schema, "Tokens", 1, 0, null), RnnMlNet.Trainers.RecurrentTask.BinaryClassification, 1))!.AsObject();
        description.Remove("Members");
        Assert.Equal(0, System.Text.Json.JsonSerializer.Deserialize<RnnMlNet.Graphs.ExportGraph.Description>(description.ToJsonString())!.Members);
    }
}
