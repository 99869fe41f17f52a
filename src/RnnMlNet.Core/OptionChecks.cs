namespace RnnMlNet.Core;

/// <summary>The one check behind every option class, engine and ML.NET alike: one exception type, one message shape.</summary>
internal static class OptionChecks
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> "<paramref name="name"/> is value; expected …" unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, string name, object? value, string expected)
    {
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} is {value?.ToString() ?? "null"}; expected {expected}.");
    }
}
