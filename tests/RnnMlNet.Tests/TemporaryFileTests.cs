using Microsoft.ML;
using RnnMlNet.Generation;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>Runs alone: it watches the machine's temporary folder, which tests running beside it would also write to.</summary>
[CollectionDefinition(nameof(TemporaryFolderWatch), DisableParallelization = true)]
public sealed class TemporaryFolderWatch
{
}

/// <summary>
/// Fitting, saving, loading, scoring and disposing leave no file behind, neither in the context's TempFilePath (where
/// loaded models keep their copy) nor in <see cref="Path.GetTempPath"/> (where the estimators' own contexts keep the
/// fitted model's copy).
/// </summary>
[Collection(nameof(TemporaryFolderWatch))]
public class TemporaryFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static IEnumerable<object[]> Kinds() => new[] { "OneHotSequence + Gru", "Tagger", "Generator", "SequenceToSequence" }.Select(k => new object[] { k });

    private (IEstimator<ITransformer> Estimator, IDataView Data) Case(MLContext ml, string kind) => kind switch
    {
        "OneHotSequence + Gru" => (ml.Transforms.Text.OneHotSequence("OneHot", "Tokens", maximumLength: 6)
            .Append(ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions { FeatureColumnName = "OneHot", HiddenSize = 4, Epochs = 1 })),
            SyntheticData.Load(ml, SyntheticData.TokenRows(20, 6))),
        "Tagger" => (ml.Transforms.Conversion.MapValueToKey("Label", "Tags")
            .Append(ml.MulticlassClassification.Trainers.SequenceTagger(new SequenceTaggerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 })),
            ml.Data.LoadFromEnumerable(SequenceTaggerTests.Rows(20, 1))),
        "Generator" => (ml.Transforms.Text.SequenceGenerator(new SequenceGeneratorOptions { HiddenSize = 4, Epochs = 1, MaximumLength = 3 }),
            ml.Data.LoadFromEnumerable(new[] { "abc", "abd", "bcd", "cab" }.Select(t => new OptionsTests.TextRow { Text = t }))),
        _ => (ml.Transforms.Text.SequenceToSequence(new SequenceToSequenceOptions { HiddenSize = 4, Epochs = 1, MaximumLength = 3 }),
            ml.Data.LoadFromEnumerable(new[] { ("12", "one two"), ("3", "three") }.Select(p => new OptionsTests.TextRow { Input = p.Item1, Target = p.Item2 }))),
    };

    /// <summary>
    /// The files in the machine's temporary folder named as ML.NET names its copies of ONNX graphs (Path.GetRandomFileName:
    /// eight letters or digits, a dot, three more). Other processes (dotnet's diagnostic sockets, MSBuild, NuGet, other test
    /// hosts) write there too, under other names.
    /// </summary>
    private static HashSet<string> MachineTemp() => Directory.EnumerateFiles(Path.GetTempPath())
        .Where(path => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(path), "^[a-z0-9]{8}\\.[a-z0-9]{3}$")).ToHashSet();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NothingIsLeftInEitherTemporaryFolder(string kind)
    {
        var ml = _temp.Context();
        var before = MachineTemp();
        var (estimator, data) = Case(ml, kind);
        var model = estimator.Fit(data);
        // The fitted model's graph copy really is in the machine's temporary folder, so the checks below look in the right place.
        Assert.NotEmpty(MachineTemp().Except(before));
        string path = _temp.File("model.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = ml.LoadModel(path, out _);
        Assert.NotEmpty(Directory.EnumerateFiles(_temp.ModelTemp, "*", SearchOption.AllDirectories));
        _ = loaded.Transform(data).Preview(maxRows: 2);

        ((IDisposable)model).Dispose();
        ((IDisposable)loaded).Dispose();
        Assert.Empty(Directory.EnumerateFiles(_temp.ModelTemp, "*", SearchOption.AllDirectories));
        Assert.Empty(MachineTemp().Except(before));
    }

    /// <summary>A private folder that a Fit killed part-way left behind (its lock file released with its process: the
    /// eighth exploratory pass found such folders, of 1.5 MB, after Ctrl-C) is deleted by the next Fit, as is one of the
    /// versions before the lock; a folder whose lock a live process holds, one changed within the minute, and folders
    /// named otherwise are kept.</summary>
    [Fact]
    public void AFitDeletesTheFoldersOfKilledFitsAndNothingElse()
    {
        string Folder(string name, bool locked, bool settled)
        {
            string path = Path.Combine(Path.GetTempPath(), name + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "o03hyrte.znp"), "a graph's copy");
            if (locked) File.WriteAllText(Path.Combine(path, "in-use.lock"), "");
            if (settled) Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
            return path;
        }
        string killed = Folder("rnnmlnet-", locked: true, settled: true), beforeLocks = Folder("rnnmlnet-", locked: false, settled: true);
        string held = Folder("rnnmlnet-", locked: true, settled: true), recent = Folder("rnnmlnet-", locked: true, settled: false);
        string another = Folder("rnnmlnet-export-", locked: true, settled: true);
        try
        {
            using (new FileStream(Path.Combine(held, "in-use.lock"), FileMode.Open, FileAccess.Write, FileShare.None))
            {
                var ml = _temp.Context();
                using var model = ml.BinaryClassification.Trainers.Lstm(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 })
                    .Fit(SyntheticData.Load(ml, SyntheticData.TokenRows(20, 5)));
            }
            Assert.False(Directory.Exists(killed), "The folder of a killed Fit was kept.");
            Assert.False(Directory.Exists(beforeLocks), "The folder of a killed Fit of an earlier version was kept.");
            Assert.True(Directory.Exists(held), "A folder in use was deleted.");
            Assert.True(Directory.Exists(recent), "A folder changed within the minute was deleted.");
            Assert.True(Directory.Exists(another), "A folder named otherwise was deleted.");
        }
        finally
        {
            foreach (string folder in new[] { killed, beforeLocks, held, recent, another })
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
