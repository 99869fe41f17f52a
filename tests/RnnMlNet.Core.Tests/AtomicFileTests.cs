using RnnMlNet.Core.Data;
using RnnMlNet.Core.Losses;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

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

    /// <summary>A process killed while writing its checkpoint leaves the write's temporary file (the killed-process test
    /// met one): the training that finishes the run deletes those of its checkpoint, and nothing else.</summary>
    [Fact]
    public void AFinishedTrainingDeletesTheTemporaryFilesOfItsCheckpointLeftByAKilledWrite()
    {
        string folder = Path.Combine(Path.GetTempPath(), "rnnmlnet-leftovers-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string checkpoint = Path.Combine(folder, "run.checkpoint"), other = Path.Combine(folder, "other.checkpoint");
            // What a write to each leaves when killed between writing its temporary file and renaming it.
            string leftover = Path.Combine(folder, $"{AtomicFile.TemporaryPrefix(checkpoint)}{Guid.NewGuid():N}.tmp");
            string othersLeftover = Path.Combine(folder, $"{AtomicFile.TemporaryPrefix(other)}{Guid.NewGuid():N}.tmp");
            string unrelated = Path.Combine(folder, "notes.tmp");
            foreach (string file in new[] { leftover, othersLeftover, unrelated, other }) File.WriteAllBytes(file, [1, 2]);
            Assert.NotEqual(AtomicFile.TemporaryPrefix(checkpoint), AtomicFile.TemporaryPrefix(other));

            var network = new RecurrentNetwork<float>(new NetworkOptions { HiddenSize = 3, Threads = 1 }, seed: 1);
            new RecurrentTrainer<float>(network, new BinaryCrossEntropy<float>(), new TrainingOptions { Epochs = 1, CheckpointPath = checkpoint })
                .Fit(MemoryTaskTests.FirstBitExamples(16, 4, new Random(1)));

            Assert.Equal(new[] { "notes.tmp", "other.checkpoint", Path.GetFileName(othersLeftover) }.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
