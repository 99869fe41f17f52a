using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace RnnMlNet.Tests;

/// <summary>
/// samples/Serving as a real web server on loopback: it trains and saves the names model, loads it through the verified
/// path and answers POST /predict; concurrent requests get the answers sequential ones get (the pool gives each request
/// an engine of its own), and a bad request gets a 400 that says what was expected. Runs alone: the server's temporary
/// files go to this test's folder, which the temporary-file test does not watch, but its CPU use would slow the others.
/// </summary>
[Collection(nameof(TemporaryFolderWatch))]
public class ServingSampleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed record Answer(string Name, bool Female, float Probability);

    [Fact]
    public async Task ThePredictEndpointAnswersConcurrentRequestsAsSequentialOnes()
    {
        int port = FreePort();
        using var process = StartServer(port);
        var sequential = new List<Answer>();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilReady(client, process);

            foreach (var name in Names) sequential.Add(await Predict(client, name));
            Assert.Equal(Names, sequential.Select(a => a.Name));
            Assert.True(sequential[2].Female && !sequential[1].Female, "Maria should be female and Alexander male.");

            var concurrent = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Predict(client, Names[i % Names.Length])));
            for (int i = 0; i < concurrent.Length; i++) Assert.Equal(sequential[i % Names.Length], concurrent[i]);

            using var bad = await client.PostAsJsonAsync("/predict", new { name = "" });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("non-empty name", await bad.Content.ReadAsStringAsync());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        // The saved model by its absolute path, then ASP.NET Core's own --urls, which the path used to swallow.
        string model = Path.Combine(_temp.Path, "rnnmlnet-serving-names.zip");
        Assert.True(File.Exists(model), $"{model} was not saved.");
        int second = FreePort();
        using var loaded = StartServer(second, model);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{second}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilReady(client, loaded);
            Assert.Equal(sequential[2], await Predict(client, Names[2]));
        }
        finally
        {
            loaded.Kill(entireProcessTree: true);
            loaded.WaitForExit();
        }
    }

    private static readonly string[] Names = ["Alexandra", "Alexander", "Maria", "Mario", "Yvonne", "Kevin", "Leia", "Anakin"];

    /// <summary>The sample's server on <paramref name="port"/>, with a saved model's path first when given. Nothing is
    /// redirected: an unread pipe would fill with the server's log (and ONNX Runtime's warnings) and block it. The saved
    /// model and ML.NET's copies of its graph go to this test's folder, removed afterwards.</summary>
    private Process StartServer(int port, string? model = null)
    {
        string[] modelArgument = model is null ? [] : [model];
        var start = SamplePrograms.Start("Serving", [.. modelArgument, "--urls", $"http://127.0.0.1:{port}"]);
        start.Environment["TMPDIR"] = _temp.Path;
        return Process.Start(start)!;
    }

    private static async Task<Answer> Predict(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/predict", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Answer>())!;
    }

    private static async Task WaitUntilReady(HttpClient client, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (process.HasExited) Assert.Fail($"The server stopped with exit code {process.ExitCode}; its log is in the test output.");
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        Assert.Fail("The server did not answer /health within two minutes.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
