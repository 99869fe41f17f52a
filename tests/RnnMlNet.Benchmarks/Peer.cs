using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RnnMlNet.Benchmarks;

/// <summary>The PyTorch peer (peer/torch_peer.py) as a long-lived child process, one JSON request and answer per line.</summary>
internal sealed class Peer : IDisposable
{
    private readonly Process _process;

    public Peer(string python)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "peer", "torch_peer.py");
        _process = Process.Start(new ProcessStartInfo(python, [script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {python}.");
        Info = ReadAnswer();
        if (Info["error"] is { } error)
            throw new InvalidOperationException($"The peer refuses to report: {error}");
    }

    /// <summary>torch version, threads, the BLAS libraries it loaded, its torch.mm GFLOP/s at start-up.</summary>
    public JsonNode Info { get; }

    public double SequencesPerSecond(Workload workload, double seconds) => Ask(workload.PeerRequest(seconds))["seq_per_s"]!.GetValue<double>();

    public double MmGflops(int n) => Ask(new { cmd = "mm", n })["gflops"]!.GetValue<double>();

    private JsonNode Ask(object request)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(request));
        _process.StandardInput.Flush();
        return ReadAnswer();
    }

    private JsonNode ReadAnswer()
    {
        string line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"The peer exited (code {(_process.HasExited ? _process.ExitCode : -1)}).");
        return JsonNode.Parse(line)!;
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
