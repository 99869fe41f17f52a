/// <summary>
/// Words and their casing classes: the tagger reads the words of the lower-cased sentence and tags each one. A word is a
/// run of characters between separators, the characters of ASCII, Latin-1 and the General Punctuation block that are
/// not letters, so "u.s." is the words "u" and "s", and "america's" is "america" and "s" (a character past those blocks,
/// such as "€", stays inside a word). ML.NET's tokenizer is given the same separators, so the words found here are
/// exactly the tokens the model tags.
/// </summary>
public static class Words
{
    public const string Lower = "l", Capitalised = "C", AllCaps = "A", Mixed = "M";

    /// <summary>The casing classes in key order: key 1 is <see cref="Lower"/>.</summary>
    public static readonly string[] Classes = [Lower, Capitalised, AllCaps, Mixed];

    /// <summary>The non-letters of ASCII, Latin-1 and the General Punctuation block (dashes, curly quotes).</summary>
    public static readonly char[] Separators = Enumerable.Range(0, 0x100).Concat(Enumerable.Range(0x2000, 0x70))
        .Select(i => (char)i).Where(c => !char.IsLetter(c)).ToArray();

    /// <summary>Where each word starts and how long it is.</summary>
    public static List<(int Start, int Length)> Find(string text)
    {
        var words = new List<(int, int)>();
        for (int start = 0, end; start < text.Length; start = end + 1)
        {
            end = text.IndexOfAny(Separators, start);
            if (end < 0) end = text.Length;
            if (end > start) words.Add((start, end - start));
        }
        return words;
    }

    /// <summary>The casing class of every word of the original sentence.</summary>
    public static string[] ClassesOf(string original) =>
        Find(original).Select(w => ClassOf(original.AsSpan(w.Start, w.Length))).ToArray();

    private static string ClassOf(ReadOnlySpan<char> word)
    {
        int upper = 0;
        foreach (var c in word) if (char.IsUpper(c)) upper++;
        if (upper == 0) return Lower;
        if (upper == word.Length) return word.Length == 1 ? Capitalised : AllCaps;
        return upper == 1 && char.IsUpper(word[0]) ? Capitalised : Mixed;
    }

    /// <summary>
    /// One "U" or "L" per character, each the more probable of the two under the tagger's class probabilities
    /// (<paramref name="score"/>: per word, one probability per class in the order of <see cref="Classes"/>). Scoring is
    /// per character, and a word's most probable class can upper-case characters that are more probably lower-case:
    /// with l 0.3, C 0.3, A 0.4 the first letter is upper-case with probability 0.7, the others with 0.4, so "Word", not
    /// "WORD". A mixed word counts as capitalised.
    /// </summary>
    public static string[] CharacterTags(string lower, float[] score)
    {
        var words = Find(lower);
        // Text without a word is all "L"; the tagger scores such an empty row as refused (NaN), with nothing to read.
        if (words.Count == 0) return Enumerable.Repeat(Casing.Lower, lower.Length).ToArray();
        if (score.Length != words.Count * Classes.Length)
            throw new InvalidDataException($"\"{lower}\" has {words.Count} words but {score.Length} class probabilities; expected {Classes.Length} per word.");
        var tags = Enumerable.Repeat(Casing.Lower, lower.Length).ToArray();
        for (int w = 0; w < words.Count; w++)
        {
            var (start, length) = words[w];
            var p = score.AsSpan(w * Classes.Length, Classes.Length);
            bool firstUpper = p[1] + p[2] + p[3] > 0.5f, restUpper = p[2] > 0.5f;
            int upper = restUpper ? length : firstUpper ? 1 : 0;
            for (int i = 0; i < upper; i++) tags[start + i] = Casing.Upper;
        }
        return tags;
    }
}
