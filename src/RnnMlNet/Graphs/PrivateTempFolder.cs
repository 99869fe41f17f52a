using System.Text.RegularExpressions;

namespace RnnMlNet.Graphs;

/// <summary>
/// A folder of this process's in the machine's temporary folder, for the files ML.NET writes while a generated graph
/// becomes a transformer, deleted on Dispose. A process stopped in between (Ctrl-C at the end of a Fit) cannot delete
/// it, so the folder holds a lock file open while in use, and each new one first deletes the earlier ones that nobody
/// holds: the operating system releases a dead process's locks. Only folders named as these are ("rnnmlnet-" and 32 hex
/// digits) and unchanged for a minute are touched, so a folder being made, before its lock, is left alone (as are
/// those without a lock, which earlier versions made, once unchanged for a minute, deleted).
/// </summary>
internal sealed partial class PrivateTempFolder : IDisposable
{
    private const string Prefix = "rnnmlnet-";
    private const string LockName = "in-use.lock";
    private static readonly TimeSpan Settled = TimeSpan.FromMinutes(1);

    private readonly FileStream _lock;

    public PrivateTempFolder()
    {
        DeleteAbandoned();
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        // FileShare.None: on Linux and macOS .NET takes an advisory lock (flock), which the kernel drops when the process dies.
        _lock = new FileStream(System.IO.Path.Combine(Path, LockName), FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    public void Dispose()
    {
        _lock.Dispose();
        TryDelete(Path);
    }

    /// <summary>Deletes the folders of this kind in the machine's temporary folder that no live process holds.</summary>
    internal static void DeleteAbandoned()
    {
        foreach (string folder in Directory.EnumerateDirectories(System.IO.Path.GetTempPath(), Prefix + "*"))
        {
            if (!OwnName().IsMatch(System.IO.Path.GetFileName(folder)) || DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) < Settled || IsHeld(folder))
                continue;
            TryDelete(folder);
        }
    }

    /// <summary>Whether a live process holds the folder's lock; a folder without one is held by nobody.</summary>
    private static bool IsHeld(string folder)
    {
        try
        {
            using (new FileStream(System.IO.Path.Combine(folder, LockName), FileMode.Open, FileAccess.Write, FileShare.None))
                return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Locked by its process, or another user's: theirs to delete.
            return true;
        }
    }

    /// <summary>A file another process still holds, or another user's folder, must not fail a good fit.</summary>
    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^rnnmlnet-[0-9a-f]{32}$")]
    private static partial Regex OwnName();
}
