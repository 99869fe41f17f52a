namespace RnnMlNet.Core.Data;

/// <summary>Writes a file whole or not at all: to a temporary file beside it, then renamed over it, so an interrupted
/// write never leaves a half-written file under the final name, and a failed one leaves no temporary file.</summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Named here: the write below would name the temporary file instead.
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot write '{path}': its folder '{folder}' does not exist.");
        // A short name of its own in the same folder (so the rename stays on one file system), not the path plus a suffix,
        // which would pass the file system's name limit for a long but legal name.
        string temporary = Path.Combine(folder, $".{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
