namespace RnnMlNet.Generation;

/// <summary>
/// Token ids of a generator: 0 &lt;unk&gt;, 1 &lt;s&gt; (start), 2 &lt;/s&gt; (end), then one token per conditioning category,
/// then the text tokens, most frequent first.
/// </summary>
public sealed class GeneratorVocabulary
{
    internal const int Unknown = 0, Start = 1, End = 2, FirstCategoryId = 3;

    internal GeneratorVocabulary(IReadOnlyList<string> categories, IReadOnlyList<string> tokens, bool unknownIsTarget)
    {
        Categories = categories;
        Tokens = tokens;
        UnknownIsTarget = unknownIsTarget;
        FirstTextId = FirstCategoryId + categories.Count;
        _ids = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => FirstTextId + p.i);
    }

    private readonly Dictionary<string, int> _ids;

    /// <summary>Conditioning categories, in id order.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Text tokens (characters or words), in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Whether training targets the unknown token: only where <c>MaximumVocabularySize</c> left training tokens out.</summary>
    public bool UnknownIsTarget { get; }

    /// <summary>Id of the first text token.</summary>
    public int FirstTextId { get; }

    /// <summary>Number of ids.</summary>
    public int Size => FirstTextId + Tokens.Count;

    /// <summary>Text of every id: the unknown token as &lt;unk&gt;, the other special tokens and the categories as nothing.</summary>
    internal string[] Texts => [TextScoringChain.UnknownText, .. Enumerable.Repeat("", FirstTextId - 1), .. Tokens];

    /// <summary>What decoding adds to the logits: −∞ at the ids training never targets (the start token, the categories, and
    /// the unknown token unless the vocabulary left tokens out), 0 elsewhere.</summary>
    internal float[] NeverTargeted()
    {
        var mask = new float[Size];
        mask[Start] = float.NegativeInfinity;
        if (!UnknownIsTarget) mask[Unknown] = float.NegativeInfinity;
        Array.Fill(mask, float.NegativeInfinity, FirstCategoryId, FirstTextId - FirstCategoryId);
        return mask;
    }

    internal int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : Unknown;

    internal int CategoryId(string category)
    {
        int index = Categories.ToList().IndexOf(category);
        return index < 0 ? -1 : FirstCategoryId + index;
    }
}
