/// <summary>Lower-cased text: what the model reads.</summary>
public class LowerCaseText
{
    public string Lower { get; set; } = "";
}

/// <summary>A sentence for training or testing: its lower-cased text, one tag per character (what both models are
/// scored on), one casing class per word (what the tagger learns), and the original.</summary>
public sealed class TaggedSentence : LowerCaseText
{
    /// <summary>"U" where the original character is upper-case, "L" everywhere else (digits and punctuation too).</summary>
    public string[] Tags { get; set; } = [];

    /// <summary>One casing class per word, from <see cref="Words.ClassesOf"/>: what the tagger learns.</summary>
    public string[] WordClasses { get; set; } = [];

    public string Original { get; set; } = "";

    public static TaggedSentence From(string original)
    {
        var lower = original.ToLowerInvariant();
        var tags = Casing.Tags(original);
        // Scoring compares the characters of the lower-cased text with those of the original, and the words are found in both,
        // so their positions must agree; invariant lower-casing maps char to char.
        if (lower.Length != tags.Length) throw new InvalidDataException($"Lower-casing changed the length of \"{original}\".");
        return new TaggedSentence { Lower = lower, Tags = tags, WordClasses = Words.ClassesOf(original), Original = original };
    }
}

/// <summary>The tagger's answer: its Score column.</summary>
public sealed class Restoration
{
    /// <summary>Per word, the probability of each casing class, in the order of <see cref="Words.Classes"/>.</summary>
    public float[] Score { get; set; } = [];
}

public static class Casing
{
    public const string Upper = "U", Lower = "L";

    public static string[] Tags(string text) => text.Select(c => char.IsUpper(c) ? Upper : Lower).ToArray();

    /// <summary>Upper-cases the characters tagged "U"; there is one tag per character.</summary>
    public static string Restore(string lower, IReadOnlyList<string> tags) =>
        string.Concat(lower.Select((c, i) => tags[i] == Upper ? char.ToUpperInvariant(c) : c));
}
