using System.Diagnostics;

namespace RnnMlNet.Core.Tests;

/// <summary>
/// A training process killed mid-epoch (a real process, killed as an operator or the machine would) and started again
/// from its checkpoint ends with the weights of an uninterrupted run, bit for bit, and leaves no checkpoint behind: a
/// classifier and an encoder–decoder.
/// </summary>
public class CheckpointProcessTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-killed-" + Guid.NewGuid().ToString("N"));

    public CheckpointProcessTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The child's build output beside this assembly's (same configuration and framework).</summary>
    private static string ChildPath() =>
        AppContext.BaseDirectory.Replace("RnnMlNet.Core.Tests", "RnnMlNet.CheckpointChild", StringComparison.Ordinal) + "RnnMlNet.CheckpointChild.dll";

    private static Process Start(string kind, string checkpoint, string weights, int pauseMilliseconds)
    {
        string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "exec", ChildPath(), kind, checkpoint, weights, pauseMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Waits for the run and returns the batches it trained, in order.</summary>
    private static List<(int Epoch, int Batch)> Finish(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "The training process did not finish within two minutes.");
        Assert.True(process.ExitCode == 0, $"The training process failed: {process.StandardError.ReadToEnd()}");
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.StartsWith("batch ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')).Select(parts => (int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }

    [Theory]
    [InlineData("classifier")]
    [InlineData("seq2seq")]
    public void AKilledRunStartedAgainEndsWithTheUninterruptedWeights(string kind)
    {
        Assert.True(File.Exists(ChildPath()), $"{ChildPath()} is not built.");
        string reference = Path.Combine(_folder, "reference.weights"), resumed = Path.Combine(_folder, "resumed.weights");
        List<(int Epoch, int Batch)> all;
        using (var uninterrupted = Start(kind, Path.Combine(_folder, "reference.checkpoint"), reference, 0)) all = Finish(uninterrupted);

        // 12 batches an epoch at 25 ms each, a checkpoint every 5 batches and at each epoch's end: killed 7 or 8 batches
        // after the first checkpoint, within an epoch, past a later checkpoint.
        string checkpoint = Path.Combine(_folder, "killed.checkpoint");
        using (var killed = Start(kind, checkpoint, resumed, 25))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !killed.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1)) Thread.Sleep(10);
            Assert.True(File.Exists(checkpoint), "The first epoch's checkpoint never appeared.");
            Thread.Sleep(190);
            Assert.False(killed.HasExited, "The run finished before it could be killed.");
            killed.Kill(entireProcessTree: true);
            killed.WaitForExit();
        }
        Assert.False(File.Exists(resumed));
        List<(int Epoch, int Batch)> rest;
        using (var again = Start(kind, checkpoint, resumed, 0)) rest = Finish(again);

        // It resumed after a checkpoint (an epoch's end, or 5, 10 batches into one), not from the start (which, training being
        // deterministic, ends with the same weights too), and trained only the batches after it.
        Assert.NotEqual((1, 1), rest[0]);
        Assert.Equal(0, (rest[0].Batch - 1) % 5);
        Assert.Equal(all.SkipWhile(b => b != rest[0]), rest);
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(resumed));
        Assert.False(File.Exists(checkpoint), "The checkpoint outlived the finished run.");
        Assert.Empty(Directory.EnumerateFiles(_folder, "*.tmp"));
    }
}
