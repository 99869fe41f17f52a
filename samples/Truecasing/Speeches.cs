using System.Text.Json;
using System.Text.RegularExpressions;

/// <summary>One State of the Union address, as data/fetch-sotu.sh writes it.</summary>
public sealed record Speech(int Year, string Text)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static List<Speech> Read(string jsonl) => File.ReadLines(jsonl)
        .Select((line, i) => Parse(line) is { Text.Length: > 0 } speech
            ? speech
            : throw new InvalidDataException($"{jsonl}, line {i + 1}: expected {{\"year\",\"text\"}}."))
        .ToList();

    /// <summary>The speech a line holds; null when it is not JSON, which the caller reports with the file and line.</summary>
    private static Speech? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<Speech>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Splits the text into sentences: after . ! or ? (and any closing quote), before an upper-case letter or an opening
    /// quote. It reads the original casing: the sample assumes its lower-cased input arrives already split into sentences.
    /// </summary>
    public IEnumerable<string> Sentences()
    {
        int start = 0;
        foreach (Match end in Boundary.Matches(Text))
        {
            // "Mr. Speaker", "George W. Bush", "U.S. Government" do not end a sentence.
            int word = end.Index;
            while (word > start && (char.IsLetterOrDigit(Text[word - 1]) || Text[word - 1] == '.')) word--;
            var lastWord = Text[word..end.Index];
            if (Abbreviations.Contains(lastWord) || lastWord.Contains('.') || lastWord.Length == 1) continue;
            yield return Text[start..(end.Index + end.Groups["end"].Length)].Trim();
            start = end.Index + end.Length;
        }
        if (start < Text.Length) yield return Text[start..].Trim();
    }

    private static readonly Regex Boundary = new(@"(?<end>[.!?][""'”’)]*)\s+(?=[""“'(]?[A-Z])", RegexOptions.Compiled);

    private static readonly HashSet<string> Abbreviations = ["Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Gov", "Sen", "Rep", "Messrs", "No", "Nos", "Hon"];
}
