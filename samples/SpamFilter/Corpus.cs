using System.Text.Json;

namespace SpamFilter;

/// <summary>One mail message: its subject and body (see <see cref="Corpus.SubjectAndBody"/>), and whether it is spam.</summary>
public sealed class Message
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }
}

/// <summary>The columns a binary classifier adds, read back from a PredictionEngine.</summary>
public sealed class SpamPrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }
}

/// <summary>Reads data/spam-assassin/spam-assassin.jsonl, which data/fetch-spam-assassin.sh writes.</summary>
public static class Corpus
{
    public const string RelativePath = "data/spam-assassin/spam-assassin.jsonl";

    private sealed record Line(string? Text, int? Label);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>
    /// The messages of the file, each subject, body and label once. The corpus holds 100 messages that repeat
    /// another's subject, body and label (delivered again, with other Received: headers); kept, a random
    /// split would put about 30 of them in the test set with their twin in training, scored as if unseen.
    /// </summary>
    public static List<Message> Read(string path) =>
        File.ReadLines(path).Select((text, index) =>
        {
            var line = Parse(text);
            return line is { Text: { } body, Label: 0 or 1 }
                ? new Message { Text = SubjectAndBody(body), Label = line.Label == 1 }
                : throw new InvalidDataException($"{path}, line {index + 1}: expected {{\"text\": string, \"label\": 0 or 1}}.");
        }).DistinctBy(message => (message.Text, message.Label)).ToList();

    /// <summary>The fields a line holds; null when it is not JSON, which the caller reports with the file and line.</summary>
    private static Line? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<Line>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The Subject line and the body of a raw message; the other headers are dropped. They are mostly Received: lines
    /// (hosts, ids, dates) that fill the start of a message (all of the first 256 tokens an LSTM read in an earlier
    /// version of the sample), and they tell more about which mailbox the corpus was collected from than about spam.
    /// </summary>
    public static string SubjectAndBody(string message)
    {
        string text = message.ReplaceLineEndings("\n");
        int end = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (end < 0) return text;
        string subject = text[..end].Split('\n').FirstOrDefault(l => l.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase)) ?? "";
        return subject + "\n" + text[(end + 2)..];
    }
}
