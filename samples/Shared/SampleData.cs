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

    /// <summary>
    /// What a sample does first with its command line. -h or --help prints the usage, <paramref name="arguments"/> after
    /// the sample's name (or <paramref name="command"/>), and exits with 0; an option the sample does not take (an argument
    /// of a dash and a letter) is refused with the usage and exit code 1, where it used to be read as a file or folder
    /// name. From here on, a mistake in the user's files (missing, unreadable, or not in the expected format) ends the
    /// sample with its message and exit code 2 rather than a stack trace; any other exception is a bug, and keeps its trace.
    /// </summary>
    public static void Start(string[] args, string arguments, bool takesOptions = false, string? command = null)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(((Exception)e.ExceptionObject).Message);
                Environment.Exit(2);
            }
        };
        string usage = $"Usage: {command ?? $"dotnet run -c Release --project samples/{System.Reflection.Assembly.GetEntryAssembly()!.GetName().Name} --"} {arguments}";
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(usage);
            Environment.Exit(0);
        }
        if (!takesOptions && args.FirstOrDefault(a => a.Length > 1 && a[0] == '-' && char.IsLetter(a.TrimStart('-').FirstOrDefault())) is { } option)
            Exit<string>($"Unknown option '{option}'. {usage}");
    }

    /// <summary>A sample's input file: the first argument when one is given, else <paramref name="relative"/> above the
    /// executable. A missing file or a folder ends the sample with a message naming it and saying how to give another,
    /// rather than a stack trace; <paramref name="what"/> describes the file ("the names CSV").</summary>
    public static string InputFile(string[] args, string relative, string what)
    {
        string? path = args.Length > 0 ? args[0] : TryFind(relative);
        if (path is not null && File.Exists(path)) return path;
        string problem = args.Length == 0 ? $"Could not find {relative} above {AppContext.BaseDirectory}"
            : Directory.Exists(args[0]) ? $"{args[0]} is a folder" : $"{args[0]} does not exist";
        return Exit<string>($"{problem}; pass the path of {what} as the first argument.");
    }

    /// <summary>A whole number of at least 1 given as argument <paramref name="index"/>, or <paramref name="absent"/> when
    /// there are fewer arguments; anything else ends the sample naming the argument and <paramref name="what"/> it counts.</summary>
    public static int Count(string[] args, int index, string what, int absent) =>
        args.Length <= index ? absent
        : int.TryParse(args[index], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
        : Exit<int>($"Argument {index + 1} is the number of {what}, a whole number of at least 1; got '{args[index]}'.");

    /// <summary>Ends the sample on a mistake in its command line: the message on standard error, exit code 1.</summary>
    private static T Exit<T>(string message)
    {
        Console.Error.WriteLine(message);
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
    public static List<(string Name, bool Female)> ReadNames(string csv)
    {
        var names = File.ReadLines(csv).Skip(1)
            .Select((line, i) => line.Split(',') is [var name, var gender] && gender is "F" or "M"
                ? (Name: name, Female: gender == "F")
                : throw new InvalidDataException($"{csv}, line {i + 2}: '{line}'; expected Name,F or Name,M."))
            .GroupBy(r => r.Name).Where(g => g.Count() == 1)
            .Select(g => g.Single()).ToList();
        return names.Count > 0 ? names : throw new InvalidDataException($"{csv} holds no names after its header line; expected lines of Name,F or Name,M.");
    }

    /// <summary>
    /// Text → ids of its characters (column "Chars" on the way): each Unicode character as itself (SplitIntoCharacters,
    /// where ML.NET's TokenizeIntoCharactersAsKeys would read spaces back as "&lt;␠&gt;"), then a vocabulary of the characters
    /// seen in training, whose list an exported model carries for another runtime to look characters up in.
    /// </summary>
    public static IEstimator<ITransformer> CharacterIds(MLContext ml, string outputColumnName, string textColumnName) =>
        ml.Transforms.Text.SplitIntoCharacters("Chars", textColumnName)
            .Append(ml.Transforms.Text.BuildVocabulary(outputColumnName, "Chars"));
}
