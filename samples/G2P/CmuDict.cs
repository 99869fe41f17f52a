using System.Text.RegularExpressions;

/// <summary>A spelling and its pronunciation: the columns the encoder–decoder trains on and is evaluated with.</summary>
public sealed class Pronunciation
{
    /// <summary>The word as CMUdict spells it (upper case; the pipeline lower-cases it).</summary>
    public string Input { get; set; } = "";

    /// <summary>Space-separated ARPAbet phonemes; vowels carry a stress digit unless it was stripped.</summary>
    public string Target { get; set; } = "";
}

/// <summary>Reads data/cmudict/cmudict.tsv and splits it by word.</summary>
public static partial class CmuDict
{
    /// <summary>
    /// Plain words only (letters and apostrophes, at least one letter): the dictionary also holds abbreviations with
    /// dots, hyphenated compounds and digits, whose spelling says little about their sound.
    /// </summary>
    [GeneratedRegex("^(?=.*[A-Z])[A-Z']+$")]
    private static partial Regex PlainWord();

    [GeneratedRegex("[0-9]")]
    private static partial Regex StressDigit();

    /// <summary>
    /// One row per plain word with its primary pronunciation (the first line for the word, as the file promises).
    /// Without stress, the 69 phoneme tokens become ARPAbet's 39 phonemes: AH0 and AH1 are both AH.
    /// </summary>
    public static List<Pronunciation> Read(string tsv, bool keepStress)
    {
        var primary = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(tsv))
        {
            lineNumber++;
            if (line.Split('\t') is not [var word, var phonemes] || phonemes.Length == 0)
                throw new InvalidDataException($"{tsv}, line {lineNumber}: '{line}'; expected WORD<TAB>PHONEMES.");
            if (PlainWord().IsMatch(word)) primary.TryAdd(word, keepStress ? phonemes : StressDigit().Replace(phonemes, ""));
        }
        return primary.Select(p => new Pronunciation { Input = p.Key, Target = p.Value }).ToList();
    }

    /// <summary>
    /// Test, dev and train parts of 5%, 5% and 90% of the words. The words are sorted before the seeded shuffle, so
    /// the split depends only on the set of words and the seed, not on the file's line order; since each word has one
    /// row, no word is in two parts.
    /// </summary>
    public static (List<Pronunciation> Train, List<Pronunciation> Dev, List<Pronunciation> Test) Split(List<Pronunciation> rows, int seed)
    {
        var shuffled = rows.OrderBy(r => r.Input, StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(shuffled);
        int fivePercent = shuffled.Length / 20;
        return (shuffled[(2 * fivePercent)..].ToList(), shuffled[fivePercent..(2 * fivePercent)].ToList(), shuffled[..fivePercent].ToList());
    }
}
