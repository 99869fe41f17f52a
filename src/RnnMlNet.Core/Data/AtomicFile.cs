using System.Security.Cryptography;
using System.Text;

namespace RnnMlNet.Core.Data;

/// <summary>Writes a file whole or not at all: to a temporary file beside it, then renamed over it, so an interrupted
/// write never leaves a half-written file under the final name, and a failed one leaves no temporary file. A process
/// killed while writing cannot delete its temporary file; <see cref="DeleteLeftovers"/> removes those of one target.</summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>The file <paramref name="write"/> writes to the stream it is given, under <paramref name="path"/> once it has
    /// returned; an exception from it leaves the file as it was.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Named here: the write below would name the temporary file instead.
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot write '{path}': its folder '{folder}' does not exist.");
        string temporary = Path.Combine(folder, $"{TemporaryPrefix(path)}{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                write(stream);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Deletes the temporary files that writes to <paramref name="path"/> left behind when their process was killed.
    /// Only for a target no other write is under way to (a finished training's checkpoint), as one under way would lose its
    /// temporary file; one that cannot be deleted is left.</summary>
    public static void DeleteLeftovers(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) return;
        foreach (string leftover in Directory.EnumerateFiles(folder, $"{TemporaryPrefix(path)}*.tmp"))
        {
            try
            {
                File.Delete(leftover);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next finished training, or for whoever owns it.
            }
        }
    }

    /// <summary>".{8 hex digits of the file name's SHA-256}-": the temporary files of one target are found by it, and the name
    /// stays short in the same folder (so the rename stays on one file system), where the path plus a suffix would pass the
    /// file system's name limit for a long but legal name.</summary>
    internal static string TemporaryPrefix(string path) =>
        "." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFileName(path))))[..8] + "-";
}
