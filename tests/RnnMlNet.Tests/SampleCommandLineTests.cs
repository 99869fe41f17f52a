using System.Diagnostics;

namespace RnnMlNet.Tests;

/// <summary>
/// The samples as command-line programs, given what users mistype: -h and --help print the usage and exit with 0; an
/// unknown option, a folder or missing file, or a bad count exits with 1 and says which argument and what was expected; a
/// data file in the wrong format exits with 2 naming the file and line. None of them prints a stack trace, and none of
/// them starts work on a mistake (--help used to train GradientFlow into a folder named "--help"; a count of "abc"
/// crashed Truecasing with a FormatException, a non-JSON corpus SpamFilter with a JsonException).
/// </summary>
public class SampleCommandLineTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("NameGender", "-h")]
    [InlineData("NameGender", "--help")]
    [InlineData("GradientFlow", "--help")]
    [InlineData("G2P", "--help")]
    public void HelpPrintsTheUsageAndStartsNothing(string sample, string help)
    {
        var (exitCode, output, errors) = Run(sample, help);
        Assert.Equal(0, exitCode);
        Assert.StartsWith($"Usage: dotnet run -c Release --project samples/{sample} -- ", output);
        Assert.Equal("", errors);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path, "--help"));
    }

    [Theory]
    [InlineData("NameGender", new[] { "--bogus" }, "Unknown option '--bogus'. Usage: dotnet run -c Release --project samples/NameGender -- [names.csv]")]
    [InlineData("GradientFlow", new[] { "-o" }, "Unknown option '-o'.")]
    [InlineData("NameGender", new[] { "{folder}" }, "{folder} is a folder; pass the path of the names CSV as the first argument.")]
    [InlineData("TimeSeries", new[] { "{folder}/missing.csv" }, "{folder}/missing.csv does not exist; pass the path of the births CSV as the first argument.")]
    [InlineData("Truecasing", new[] { "{speeches}", "abc" }, "Argument 2 is the number of training sentences, a whole number of at least 1; got 'abc'.")]
    [InlineData("NameGenerator", new[] { "{names}", "-3" }, "Argument 2 is the number of names to generate per gender, a whole number of at least 1; got '-3'.")]
    public void ACommandLineMistakeExitsWithOneNamingIt(string sample, string[] arguments, string message)
    {
        var (exitCode, output, errors) = Run(sample, arguments.Select(Fill).ToArray());
        Assert.Equal(1, exitCode);
        Assert.Contains(Fill(message), errors);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("NameGender", "{empty}", "{empty} holds no names after its header line; expected lines of Name,F or Name,M.")]
    [InlineData("NameGender", "{semicolons}", "{semicolons}, line 3: 'Bob;M'; expected Name,F or Name,M.")]
    [InlineData("SpamFilter", "{not-json}", "{not-json}, line 1: expected {\"text\": string, \"label\": 0 or 1}.")]
    [InlineData("Truecasing", "{not-json}", "{not-json}, line 1: expected {\"year\",\"text\"}.")]
    [InlineData("Serving", "{folder}/missing.zip", "{folder}/missing.zip")]
    public void AFileInTheWrongFormatExitsWithTwoNamingTheFileAndLine(string sample, string file, string message)
    {
        var (exitCode, _, errors) = Run(sample, Fill(file));
        Assert.Equal(2, exitCode);
        Assert.Contains(Fill(message), errors);
    }

    /// <summary>The placeholders of the cases above: this test's folder, and data files written into it.</summary>
    private string Fill(string text) => text
        .Replace("{folder}", _temp.Path)
        .Replace("{empty}", Write("empty.csv", "Name,Gender\n"))
        .Replace("{semicolons}", Write("semicolons.csv", "Name,Gender\nAnna,F\nBob;M\n"))
        .Replace("{not-json}", Write("not-json.jsonl", "vm\n"))
        .Replace("{speeches}", Write("speeches.jsonl", "{\"year\": 1990, \"text\": \"We meet tonight.\"}\n"))
        .Replace("{names}", Write("names.csv", "Name,Gender\nAnna,F\nBob,M\n"));

    private string Write(string name, string contents)
    {
        string path = _temp.File(name);
        File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>The sample run to its end in this test's folder: its exit code, standard output and standard error; no
    /// stack trace on either.</summary>
    private (int ExitCode, string Output, string Errors) Run(string sample, params string[] arguments)
    {
        var start = SamplePrograms.Start(sample, arguments);
        start.WorkingDirectory = _temp.Path;
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.Environment["TMPDIR"] = _temp.Path;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{sample} {string.Join(' ', arguments)} ran for two minutes: it started work on a mistake.");
        }
        string all = output.Result + errors.Result;
        Assert.DoesNotContain("Unhandled exception", all);
        Assert.DoesNotContain("   at ", all);
        return (process.ExitCode, output.Result, errors.Result);
    }
}
