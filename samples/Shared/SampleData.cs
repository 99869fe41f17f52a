// Shared by the samples (linked into each project): finding the repository's data files, reading the names list, and
// turning text into character ids.
using Microsoft.ML;

/// <summary>The repository's data files, found from wherever a sample runs.</summary>
public static class SampleData
{
    /// <summary>A file under the repository root, searched for above the executable; <paramref name="hint"/> says what to
    /// do when it is missing (fetch it, or pass its path).</summary>
    public static string Find(string relative, string hint) =>
        TryFind(relative) ?? throw new FileNotFoundException($"Could not find {relative} above {AppContext.BaseDirectory}; {hint}.");

    /// <summary>A sample's input file: the first argument when one is given, else <paramref name="relative"/> above the
    /// executable. A missing file ends the sample with a message naming it and saying how to give another, rather than
    /// a stack trace; <paramref name="what"/> describes the file ("the names CSV").</summary>
    public static string InputFile(string[] args, string relative, string what)
    {
        string? path = args.Length > 0 ? args[0] : TryFind(relative);
        if (path is not null && File.Exists(path)) return path;
        Console.Error.WriteLine((args.Length > 0 ? $"{args[0]} does not exist" : $"Could not find {relative} above {AppContext.BaseDirectory}") +
            $"; pass the path of {what} as the first argument.");
        Environment.Exit(1);
        throw new System.Diagnostics.UnreachableException();
    }

    /// <summary>The file at <paramref name="relative"/> under the first folder above the executable that has it; null when none does.</summary>
    public static string? TryFind(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return null;
    }

    /// <summary>The Name,Gender rows of data/names/names.csv; names listed as both female and male carry no signal and are
    /// left out.</summary>
    public static List<(string Name, bool Female)> ReadNames(string csv) => File.ReadLines(csv).Skip(1)
        .Select((line, i) => line.Split(',') is [var name, var gender] && gender is "F" or "M"
            ? (Name: name, Female: gender == "F")
            : throw new InvalidDataException($"{csv}, line {i + 2}: '{line}'; expected Name,F or Name,M."))
        .GroupBy(r => r.Name).Where(g => g.Count() == 1)
        .Select(g => g.Single()).ToList();

    /// <summary>
    /// Text → ids of its characters (columns "CharKeys" and "Chars" on the way): ML.NET's character tokenizer, whose keys
    /// span all 65,536 UTF-16 code units, mapped back to characters, then a vocabulary of the characters seen in training,
    /// so the embedding holds a row per character that occurs rather than per code unit.
    /// </summary>
    public static IEstimator<ITransformer> CharacterIds(MLContext ml, string outputColumnName, string textColumnName) =>
        ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharKeys", textColumnName, useMarkerCharacters: false)
            .Append(ml.Transforms.Conversion.MapKeyToValue("Chars", "CharKeys"))
            .Append(ml.Transforms.Text.BuildVocabulary(outputColumnName, "Chars"));
}
