namespace RnnMlNet.Core.Training;

/// <summary>
/// What a checkpoint must have been written with to be resumed: settings in a fixed order, their values joined by '|' in
/// <see cref="Text"/>, which the checkpoint stores. Each value keeps its setting's name, so a checkpoint whose text differs
/// can be refused naming the setting that changed.
/// </summary>
internal sealed class CheckpointFingerprint(IReadOnlyList<(string Setting, string Value)> settings)
{
    /// <summary>The settings, in order, with their names.</summary>
    public IReadOnlyList<(string Setting, string Value)> Settings => settings;

    /// <summary>The values joined by '|'.</summary>
    public string Text { get; } = string.Join('|', settings.Select(s => s.Value));

    /// <summary>The setting whose value holds character <paramref name="index"/> of <see cref="Text"/> (the separator after
    /// a value counting as its own), or null past the end: the checkpoint then has a setting this training lacks.</summary>
    public string? SettingAt(int index)
    {
        if (index >= Text.Length) return null;
        int end = -1;
        foreach (var (setting, value) in settings)
        {
            end += value.Length + 1;
            if (index <= end) return setting;
        }
        return null;
    }
}
