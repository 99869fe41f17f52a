namespace RnnMlNet.Tests;

/// <summary>The README's quick start is the code of samples/QuickStart, which CI builds: the two must not drift apart.</summary>
public class QuickStartTests
{
    [Fact]
    public void TheReadmeQuickStartIsTheCompiledSample()
    {
        string root = RepositoryRoot();
        var program = File.ReadAllLines(Path.Combine(root, "samples", "QuickStart", "Program.cs"));
        var sample = program.SkipWhile(l => l != "#region quick-start").Skip(1).TakeWhile(l => l != "#endregion").ToList();
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var block = readme.SkipWhile(l => l != "## Quick start in ML.NET").SkipWhile(l => l != "```csharp").Skip(1).TakeWhile(l => l != "```").ToList();
        Assert.True(sample.Count > 10, "The sample's quick-start region is missing.");
        Assert.Equal(sample, block);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnMlNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("RnnMlNet.sln not found above the test assembly.");
    }
}
