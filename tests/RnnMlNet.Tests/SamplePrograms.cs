using System.Diagnostics;

namespace RnnMlNet.Tests;

/// <summary>The samples' built programs, started as a user starts them: through the dotnet host that runs the tests.</summary>
internal static class SamplePrograms
{
    /// <summary>samples/<paramref name="sample"/>'s .dll, built beside this test project in the same configuration.</summary>
    public static string Path(string sample)
    {
        string dll = AppContext.BaseDirectory.Replace(System.IO.Path.Combine("tests", "RnnMlNet.Tests"), System.IO.Path.Combine("samples", sample), StringComparison.Ordinal) + sample + ".dll";
        Assert.True(File.Exists(dll), $"{dll} is not built.");
        return dll;
    }

    /// <summary>How to start the sample with <paramref name="arguments"/>; nothing redirected.</summary>
    public static ProcessStartInfo Start(string sample, params string[] arguments)
    {
        string host = Environment.ProcessPath is { } path && System.IO.Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        foreach (string argument in (string[])["exec", Path(sample), .. arguments]) start.ArgumentList.Add(argument);
        return start;
    }
}
