// Trains every case of SavedModelCases, saves its model and the values it scores, into the folder given (default: the
// test project's Fixtures/saved-models). Run it against the library version whose saved models must keep loading.
using Microsoft.ML;
using RnnMlNet.Tests;

string folder = args.Length > 0 ? args[0] : Path.Combine("tests", "RnnMlNet.Tests", "Fixtures", "saved-models");
Directory.CreateDirectory(folder);
foreach (var @case in SavedModelCases.All)
{
    var ml = new MLContext(seed: 1);
    var training = @case.Training(ml);
    using var model = (IDisposable)@case.Pipeline(ml).Fit(training);
    string zip = Path.Combine(folder, @case.Name + ".zip");
    ml.Model.Save((ITransformer)model, training.Schema, zip);
    File.WriteAllText(Path.Combine(folder, @case.Name + ".expected.txt"), SavedModelCases.Describe((ITransformer)model, @case.Scored(ml), @case.Outputs));
    Console.WriteLine($"{@case.Name}: {new FileInfo(zip).Length:N0} bytes");
}
