namespace RnnMlNet.Core;

/// <summary>The one check behind every option class, engine and ML.NET alike: one exception type, one message shape.</summary>
internal static class OptionChecks
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> "<paramref name="name"/> is value; expected …" unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, string name, object? value, string expected)
    {
        if (ok) return;
        // A list option (class weights) shows its values, not its type's name.
        // Invariant, as the rest of the message: "Dropout is 1,5; expected a rate in [0, 1)" read as a list under de-DE.
        static string Text(object item) => Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        string text = value switch
        {
            null => "null",
            System.Collections.IEnumerable list and not string => "[" + string.Join(", ", list.Cast<object>().Select(Text)) + "]",
            _ => Text(value),
        };
        throw new ArgumentOutOfRangeException(name, value is System.Collections.IEnumerable and not string ? text : value, $"{name} is {text}; expected {expected}.");
    }
}
