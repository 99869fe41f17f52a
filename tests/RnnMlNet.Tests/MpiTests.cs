using System.Diagnostics;

namespace RnnMlNet.Tests;

/// <summary>
/// Data-parallel training in real MPI processes (<c>mpirun -np 2</c>, MPICH): two processes train, bit for bit, the weights
/// one process trains with the same two shards, through the engine and through an ML.NET pipeline, for LSTM and GRU; a
/// job whose rank is killed mid-epoch and started again ends with the uninterrupted weights. Skipped where MPICH is not
/// installed, except under <c>.ci/run</c>, which installs it and sets RNNMLNET_REQUIRE_MPI=1 so that they fail instead.
/// </summary>
public class MpiTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-mpi-" + Guid.NewGuid().ToString("N"));

    public MpiTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string WorkerPath() =>
        AppContext.BaseDirectory.Replace("RnnMlNet.Tests", "RnnMlNet.MpiWorker", StringComparison.Ordinal) + "RnnMlNet.MpiWorker.dll";

    private static string? Mpirun() =>
        new[] { "mpirun.mpich", "mpiexec.mpich" }.SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, name))).FirstOrDefault(File.Exists);

    private static void RequireMpi()
    {
        if (Mpirun() is not null) return;
        Assert.True(Environment.GetEnvironmentVariable("RNNMLNET_REQUIRE_MPI") != "1", "RNNMLNET_REQUIRE_MPI is set but mpirun.mpich is not on PATH.");
        Skip.If(true, "MPICH is not installed (apt-get install mpich).");
    }

    /// <summary>Starts the worker: as two ranks under mpirun, or alone (a job of one MPI process, or with "--single" or
    /// "--plain" among <paramref name="flags"/> no MPI at all).</summary>
    private Process Start(string folder, string path, string cell, bool alone, params string[] flags)
    {
        Directory.CreateDirectory(folder);
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(alone ? dotnet : Mpirun()!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (alone ? [] : new[] { "-np", "2", dotnet }).Concat(["exec", WorkerPath(), path, cell, folder]).Concat(flags))
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Waits for the job and returns what it printed; a job that hangs or fails is killed, never left running.</summary>
    private static string Finish(Process process)
    {
        try
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            Assert.True(process.WaitForExit(180_000), "The job did not finish within three minutes.");
            Assert.True(process.ExitCode == 0, $"The job failed ({process.ExitCode}): {output.Result}{error.Result}");
            return output.Result;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private (byte[] Weights, string Output) Run(string name, string path, string cell, bool alone, params string[] flags)
    {
        string folder = Path.Combine(_folder, name);
        using var job = Start(folder, path, cell, alone, flags);
        string output = Finish(job);
        return (File.ReadAllBytes(Path.Combine(folder, "rank0.bin")), output);
    }

    private static int BatchesTrained(string output) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"rank 0 trained (\d+) batches").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [SkippableTheory]
    [InlineData("engine", "lstm")]
    [InlineData("engine", "gru")]
    [InlineData("mlnet", "lstm")]
    [InlineData("mlnet", "gru")]
    public void TwoProcessesTrainTheWeightsOfOneWithTheSameShards(string path, string cell)
    {
        RequireMpi();
        Assert.True(File.Exists(WorkerPath()), $"{WorkerPath()} is not built.");
        byte[] single = Run("single", path, cell, alone: true, "--single").Weights;
        byte[] pair = Run("pair", path, cell, alone: false).Weights;
        Assert.Equal(single, pair);
        Assert.Equal(pair, File.ReadAllBytes(Path.Combine(_folder, "pair", "rank1.bin")));
        // MPI started without mpirun: a job of one process.
        Assert.Equal(single, Run("one", path, cell, alone: true).Weights);
        // Without shards the same data trains other weights: the shards are what the processes reproduce.
        Assert.NotEqual(single, Run("plain", path, cell, alone: true, "--plain").Weights);
    }

    /// <summary>A Start that cannot load MPI's library starts nothing, so a second, once the library is named, starts (it
    /// said "MPI is already started in this process": the ninth exploratory pass).</summary>
    [SkippableFact]
    public void StartCanBeRetriedAfterTheLibraryFailedToLoad()
    {
        RequireMpi();
        string output = Finish(Start(Path.Combine(_folder, "retry"), "mlnet", "lstm", alone: true, "--retry-after-missing-library"));
        Assert.Contains("first start: The MPI library /nonexistent/libmpich.so.12 could not be loaded.", output);
        Assert.Contains("second start: rank 0 of 1", output);
    }

    /// <summary>A rank that fails alone before training (its options name a column its data lacks; its program throws and
    /// does not catch; its copy of the data has an empty row, whose error its program catches) ends the job with its error,
    /// where the other rank used to wait for ever in its first exchange, and the failing one in MPI's shutdown (the tenth
    /// exploratory pass).</summary>
    [SkippableTheory]
    [InlineData("--rank1-column", "Column 'Missing'")]
    [InlineData("--rank1-empty-row", "the sequence is empty")]
    [InlineData("--rank1-throws", "rank 1 failed on purpose")]
    public void ARankThatFailsAloneBeforeTrainingEndsTheJob(string failure, string message)
    {
        RequireMpi();
        using var job = Start(Path.Combine(_folder, "fails"), "mlnet", "lstm", alone: false, failure);
        try
        {
            var output = job.StandardOutput.ReadToEndAsync();
            var error = job.StandardError.ReadToEndAsync();
            Assert.True(job.WaitForExit(120_000), "The job hung after rank 1 failed.");
            Assert.NotEqual(0, job.ExitCode);
            Assert.Contains("Rank 1 of 2 failed and ends the MPI job", error.Result);
            Assert.Contains(message, error.Result);
        }
        finally
        {
            if (!job.HasExited) job.Kill(entireProcessTree: true);
        }
    }

    [SkippableTheory]
    [InlineData("engine")]
    [InlineData("mlnet")]
    public void AJobWithAKilledRankRestartsFromTheCheckpointToTheUninterruptedWeights(string path)
    {
        RequireMpi();
        var uninterrupted = Run("single", path, "lstm", alone: true, "--single");

        // 8 global batches an epoch, 40 ms after each, a checkpoint every 3: rank 1 is killed a few batches after the first.
        string folder = Path.Combine(_folder, "killed");
        string checkpoint = Path.Combine(_folder, path == "engine" ? "job.checkpoint" : "checkpoints");
        string written = path == "engine" ? checkpoint : Path.Combine(checkpoint, "rnnmlnet.checkpoint");
        using (var job = Start(folder, path, "lstm", alone: false, "--checkpoint", checkpoint, "--pause", "40"))
        {
            try
            {
                var output = job.StandardOutput.ReadToEndAsync();
                var error = job.StandardError.ReadToEndAsync();
                var clock = Stopwatch.StartNew();
                while (!File.Exists(written) && !job.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(10);
                if (!File.Exists(written)) Assert.Fail($"No checkpoint appeared: {output.Result}{error.Result}");
                Thread.Sleep(150);
                using (var rank1 = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(folder, "rank1.pid")), System.Globalization.CultureInfo.InvariantCulture)))
                    rank1.Kill();
                Assert.True(job.WaitForExit(60_000), "The job went on after a rank was killed.");
                Assert.NotEqual(0, job.ExitCode);
            }
            catch (ArgumentException)
            {
                Assert.Fail("Rank 1 had already finished when it was to be killed: the job ran faster than the test assumes.");
            }
            finally
            {
                if (!job.HasExited) job.Kill(entireProcessTree: true);
            }
        }
        Assert.False(File.Exists(Path.Combine(folder, "rank0.bin")), "The killed job finished training.");
        Assert.True(File.Exists(written));

        var resumed = Run("killed", path, "lstm", alone: false, "--checkpoint", checkpoint);
        Assert.Equal(uninterrupted.Weights, resumed.Weights);
        // The restart went on from the checkpoint rather than training everything again.
        Assert.InRange(BatchesTrained(resumed.Output), 1, BatchesTrained(uninterrupted.Output) - 3);
        Assert.False(File.Exists(written), "The finished job left its checkpoint.");
    }
}
