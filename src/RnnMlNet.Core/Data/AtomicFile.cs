namespace RnnMlNet.Core.Data;

/// <summary>Writes a file whole or not at all: to a temporary file beside it, then renamed over it, so an interrupted
/// write never leaves a half-written file under the final name, and a failed one leaves no temporary file.</summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
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
