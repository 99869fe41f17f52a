using System.Globalization;

/// <summary>Command-line settings: how much to train, whether to keep stress digits, and where the dictionary is.</summary>
public sealed record Settings(int? TrainWords, int Epochs, bool KeepStress, string? Data, RnnMlNet.Attention Attention, int BeamWidth, int HiddenSize,
    double? LengthPenalty = null)
{
    public const string Usage = "[--train-words N (0: all)] [--epochs N] [--no-stress] [--attention general|dot|none] [--beam N] [--length-penalty X] [--hidden N] [--data PATH]";

    /// <summary>Defaults: the whole train part, with attention, training within half an hour on two cores (see README.md).</summary>
    public static Settings Parse(string[] args)
    {
        var settings = new Settings(null, 20, true, null, RnnMlNet.Attention.General, 5, 128);
        for (int i = 0; i < args.Length; i++)
        {
            settings = args[i] switch
            {
                "--train-words" => settings with { TrainWords = Count(args, ++i, allowZero: true) is int n && n > 0 ? n : null },
                "--epochs" => settings with { Epochs = Count(args, ++i, allowZero: false) },
                "--no-stress" => settings with { KeepStress = false },
                "--data" => settings with { Data = Value(args, ++i) },
                "--attention" => settings with { Attention = AttentionKind(args, ++i) },
                "--beam" => settings with { BeamWidth = Count(args, ++i, allowZero: false) },
                "--length-penalty" => settings with { LengthPenalty = Number(args, ++i) },
                "--hidden" => settings with { HiddenSize = Count(args, ++i, allowZero: false) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Usage: {Usage}"),
            };
        }
        return settings;
    }

    private static RnnMlNet.Attention AttentionKind(string[] args, int i) =>
        Enum.TryParse<RnnMlNet.Attention>(Value(args, i), ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !int.TryParse(args[i], out _)
            ? kind
            : throw new ArgumentException($"--attention is '{args[i]}'; expected general, dot or none.");

    private static string Value(string[] args, int i) =>
        i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value. Usage: {Usage}");

    private static double Number(string[] args, int i) =>
        double.TryParse(Value(args, i), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x >= 0
            ? x
            : throw new ArgumentException($"{args[i - 1]} is '{args[i]}'; expected a finite number, 0 or more.");

    private static int Count(string[] args, int i, bool allowZero) =>
        int.TryParse(Value(args, i), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && (n > 0 || allowZero)
            ? n
            : throw new ArgumentException($"{args[i - 1]} is '{args[i]}'; expected a {(allowZero ? "non-negative" : "positive")} whole number.");
}
