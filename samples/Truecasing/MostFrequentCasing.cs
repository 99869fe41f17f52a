using System.Text.RegularExpressions;

/// <summary>
/// The usual truecasing baseline: every word takes the cased form it had most often in training. The first word of a
/// sentence is capitalised whatever its form; an unknown word stays lower-case. Sentence-initial occurrences are not
/// counted, since there the position, not the word, decides the case.
/// </summary>
public sealed partial class MostFrequentCasing
{
    private readonly Dictionary<string, string> _forms;

    public MostFrequentCasing(IEnumerable<string> sentences)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>();
        foreach (var sentence in sentences)
            foreach (var word in WordPattern().Matches(sentence).Skip(1))
            {
                var lower = word.Value.ToLowerInvariant();
                var forms = counts.TryGetValue(lower, out var f) ? f : counts[lower] = [];
                forms[word.Value] = forms.GetValueOrDefault(word.Value) + 1;
            }
        // Ties go to the ordinally smallest form, so the result does not depend on the order of the sentences.
        _forms = counts.ToDictionary(c => c.Key, c => c.Value.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).First().Key);
    }

    public int KnownWords => _forms.Count;

    public string Restore(string lower)
    {
        var text = lower.ToCharArray();
        bool first = true;
        foreach (Match word in WordPattern().Matches(lower))
        {
            var form = _forms.GetValueOrDefault(word.Value, word.Value);
            form.CopyTo(0, text, word.Index, form.Length);
            if (first) text[word.Index] = char.ToUpperInvariant(text[word.Index]);
            first = false;
        }
        return new string(text);
    }

    /// <summary>Letters, with inner apostrophes and periods: "don't", "america's", "u.s".</summary>
    [GeneratedRegex(@"\p{L}+(?:['’.]\p{L}+)*")]
    private static partial Regex WordPattern();
}
