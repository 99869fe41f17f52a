/// <summary>
/// The sample's split of the State of the Union addresses: training on the 101 addresses of 1901-2000, testing on those
/// of 2001 on, so that no address is seen on both sides. Casing conventions drift (the 1800s wrote "the nation" but "the
/// Treasury"), so training takes the century just before the test years. Sentences longer than
/// <see cref="MaximumCharacters"/> are left out rather than cut, so that every row starts a sentence, as the baseline
/// assumes. Headings are left out too (see <see cref="IsHeading"/>).
/// </summary>
public sealed record CasingSplit(List<TaggedSentence> Train, List<TaggedSentence> Test, int TrainAddresses, int TestAddresses, LeftOut TrainLeftOut, LeftOut TestLeftOut)
{
    public const int MaximumCharacters = 200;

    /// <summary>Where data/fetch-sotu.sh writes the addresses, from the repository root.</summary>
    public const string RelativePath = "data/sotu/sotu.jsonl";

    public static CasingSplit Read(string jsonl)
    {
        var speeches = Speech.Read(jsonl);
        var trainSpeeches = speeches.Where(s => s.Year is >= 1901 and <= 2000).ToList();
        var testSpeeches = speeches.Where(s => s.Year >= 2001).ToList();
        var train = Sentences(trainSpeeches, out var trainLeftOut);
        var test = Sentences(testSpeeches, out var testLeftOut);
        return new CasingSplit(train, test, trainSpeeches.Count, testSpeeches.Count, trainLeftOut, testLeftOut);
    }

    /// <summary>
    /// A section heading of the early addresses ("FORESTS.", "PARCEL POST."): every letter upper-case, two letters or
    /// more. Lower-cased, a heading reads like a short sentence, and a tagger trained on the 244 of the training years
    /// wrote the test years' "(Applause.)" as "(APPLAUSE.)" (455 of one network's 1,024 wrong upper-case characters in a
    /// scratch run). The test years have none.
    /// </summary>
    public static bool IsHeading(string sentence) => sentence.Count(char.IsLetter) > 1 && sentence.Where(char.IsLetter).All(char.IsUpper);

    private static List<TaggedSentence> Sentences(IEnumerable<Speech> from, out LeftOut leftOut)
    {
        var all = from.SelectMany(s => s.Sentences()).ToList();
        var kept = all.Where(s => s.Length <= MaximumCharacters && !IsHeading(s)).Select(TaggedSentence.From).ToList();
        leftOut = new LeftOut(all.Count(s => s.Length > MaximumCharacters), all.Count(s => s.Length <= MaximumCharacters && IsHeading(s)));
        return kept;
    }
}

/// <summary>Sentences left out: longer than <see cref="CasingSplit.MaximumCharacters"/>, and headings.</summary>
public sealed record LeftOut(int TooLong, int Headings);
