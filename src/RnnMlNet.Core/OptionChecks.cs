namespace RnnMlNet.Core;

/// <summary>The one check behind every option class, engine and ML.NET alike: one exception type, one message shape.</summary>
internal static class OptionChecks
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> "<paramref name="name"/> is value; expected …" unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, string name, object? value, string expected)
    {
        if (ok) return;
        // A list option (class weights) shows its values, not its type's name.
        string text = value switch
        {
            null => "null",
            System.Collections.IEnumerable list and not string => "[" + string.Join(", ", list.Cast<object>()) + "]",
            _ => value.ToString() ?? "",
        };
        throw new ArgumentOutOfRangeException(name, value is System.Collections.IEnumerable and not string ? text : value, $"{name} is {text}; expected {expected}.");
    }
}
