using System.Text.Json;
using SpamFilter;

namespace RnnMlNet.Tests;

/// <summary>
/// The SpamFilter sample's corpus reader (samples/SpamFilter/Corpus.cs), which the quality benchmark's spam rows read too:
/// a message delivered twice is read once, so that a random split cannot test a model on a copy of a training message.
/// </summary>
public class SpamCorpusTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Raw(string received, string subject, string body) =>
        $"Received: {received}\nFrom: someone@example.org\nSubject: {subject}\n\n{body}";

    private string Write(params (string Text, int Label)[] lines)
    {
        string path = _temp.File("corpus.jsonl");
        File.WriteAllLines(path, lines.Select(line => JsonSerializer.Serialize(new { text = line.Text, label = line.Label })));
        return path;
    }

    [Fact]
    public void AMessageDeliveredAgainIsReadOnce()
    {
        string path = Write(
            (Raw("by host-a; Mon, 26 Aug 2002 16:47:35", "Cheap meds", "Buy now!"), 1),
            (Raw("by host-b; Mon, 26 Aug 2002 16:47:36", "Cheap meds", "Buy now!"), 1),
            (Raw("by host-a; Mon, 26 Aug 2002 16:47:35", "Cheap meds", "Buy now!!"), 1),
            (Raw("by host-c; Tue, 27 Aug 2002 09:00:00", "Build broken", "See the log."), 0));

        var messages = Corpus.Read(path);

        Assert.Equal(
            ["Subject: Cheap meds\nBuy now!", "Subject: Cheap meds\nBuy now!!", "Subject: Build broken\nSee the log."],
            messages.Select(m => m.Text));
        Assert.Equal([true, true, false], messages.Select(m => m.Label));
    }

    [Fact]
    public void TheSameTextUnderTwoLabelsKeepsBoth()
    {
        // Not a copy but a disagreement of the corpus; dropping one would choose a label for it.
        string path = Write((Raw("by host-a", "Hello", "Lunch?"), 0), (Raw("by host-b", "Hello", "Lunch?"), 1));

        Assert.Equal([false, true], Corpus.Read(path).Select(m => m.Label));
    }
}
