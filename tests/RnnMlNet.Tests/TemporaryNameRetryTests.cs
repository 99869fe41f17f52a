using RnnMlNet.Onnx;

namespace RnnMlNet.Tests;

/// <summary>
/// ML.NET names its temporary copy of a graph with Path.GetRandomFileName(), and about one name in 32,768 ends in ".ort",
/// which ONNX Runtime reads as its own format ("ORT model verification failed"). The loads RnnMlNet makes try again then,
/// and only then.
/// </summary>
public class TemporaryNameRetryTests
{
    private static InvalidOperationException OrtName() => new("Error initializing model",
        new Exception("[ErrorCode:Fail] inference_session.cc:2226 operator() ORT model verification failed."));

    [Fact]
    public void AnOrtNamedCopyIsLoadedAgainUnderAnotherName()
    {
        int calls = 0;
        Assert.Equal(42, TemporaryNameRetry.Run(() => ++calls < 3 ? throw OrtName() : 42));
        Assert.Equal(3, calls);
    }

    [Fact]
    public void OtherFailuresAndAPersistentOneGoThrough()
    {
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => TemporaryNameRetry.Run<int>(() => { calls++; throw new InvalidOperationException("another failure"); }));
        Assert.Equal(1, calls);
        calls = 0;
        Assert.Throws<InvalidOperationException>(() => TemporaryNameRetry.Run<int>(() => { calls++; throw OrtName(); }));
        Assert.Equal(3, calls);
    }

    /// <summary>The cause, as ONNX Runtime sees it: the file name's extension, whatever the bytes.</summary>
    [Fact]
    public void RandomFileNamesSometimesEndInOrt()
    {
        int ort = Enumerable.Range(0, 400_000).Count(_ => Path.GetExtension(Path.GetRandomFileName()).Equals(".ort", StringComparison.OrdinalIgnoreCase));
        Assert.InRange(ort, 1, 60);
    }
}
