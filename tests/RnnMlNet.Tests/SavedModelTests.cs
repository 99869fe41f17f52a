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
        var model = ml.Model.Load(Path.Combine(folder, name + ".zip"), out _);
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
}
