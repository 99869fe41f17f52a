using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Tests;

/// <summary>Checkpoints, exports and plots are written whole or not at all.</summary>
public class AtomicFileTests
{
    [Fact]
    public void AFailedWriteLeavesTheTargetAsItWasAndNoTemporaryFile()
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-atomic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // A good write replaces an existing file whole.
            string file = Path.Combine(folder, "model.onnx");
            File.WriteAllBytes(file, [1, 2, 3]);
            AtomicFile.WriteAllBytes(file, [9]);
            Assert.Equal([9], File.ReadAllBytes(file));

            // A write that fails at the rename (a folder stands where the file goes): the folder is as it was, and the
            // temporary file written beside it is gone.
            string blocked = Path.Combine(folder, "blocked.onnx");
            Directory.CreateDirectory(blocked);
            File.WriteAllText(Path.Combine(blocked, "inside.txt"), "kept");
            var error = Record.Exception(() => AtomicFile.WriteAllBytes(blocked, [7, 7]));
            Assert.True(error is IOException or UnauthorizedAccessException, error?.ToString() ?? "no exception");
            Assert.Equal("kept", File.ReadAllText(Path.Combine(blocked, "inside.txt")));
            Assert.Equal(["blocked.onnx", "model.onnx"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order());

            // A file in a folder that does not exist: the error names the file asked for and its folder, not the temporary file.
            string missing = Path.Combine(folder, "no-such-folder", "model.onnx");
            var notFound = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(missing, [1]));
            Assert.Contains($"'{missing}'", notFound.Message);
            Assert.DoesNotContain(".tmp", notFound.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
