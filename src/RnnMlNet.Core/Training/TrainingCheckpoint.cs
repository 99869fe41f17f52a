using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RnnMlNet.Core.Training;

/// <summary>
/// What training needs to go on as if it had never stopped, after its last finished epoch or within an epoch: the weights,
/// the optimizer's state, the history, the best epochs' weights so far (early stopping and weight averaging), the batches
/// per epoch, the divergence check's reference and recent losses, and for a checkpoint within an epoch that epoch's tally
/// and the weights of the epoch before. The shuffling stream is not stored: it is drawn again over the data for the
/// batches done, and dropout masks come from a stream seeded per batch.
/// <para>One binary file: a magic word, a fingerprint of the options and network that wrote it (a resume with other ones
/// is refused), the sections, and a SHA-256 of all that (a damaged file is refused). Written to a temporary file and
/// renamed, so a run killed while writing leaves the previous checkpoint whole.</para>
/// </summary>
internal sealed class TrainingCheckpoint<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Magic = "RnnMlNet.Checkpoint.2";

    public required int Epoch { get; init; }

    public required T[] Weights { get; init; }

    public required long OptimizerSteps { get; init; }

    public required T[]?[] OptimizerState { get; init; }

    public required IReadOnlyList<EpochReport> History { get; init; }

    /// <summary>The best epochs so far with their weights, best first (<see cref="BestEpochs{T}"/>).</summary>
    public required IReadOnlyList<(int Epoch, T[] Weights)> Best { get; init; }

    public required int? BatchesPerEpoch { get; init; }

    public required double DivergenceStart { get; init; }

    /// <summary>The divergence check's window of recent losses.</summary>
    public required double[] RecentLosses { get; init; }

    /// <summary>The tally of the epoch under way, for a checkpoint written within it; null at an epoch's end.</summary>
    public required EpochTally? Partial { get; init; }

    /// <summary>The weights at the end of the last finished epoch, for a checkpoint written within an epoch.</summary>
    public required T[]? LastGood { get; init; }

    /// <summary>Whether the training that wrote it validated on held-out rows, which its fingerprint leaves out for none and an
    /// ungrouped tenth of the rows (<see cref="TrainingOptions.HoldOutDescription"/>). Null only for a checkpoint of an earlier
    /// version written within its first epoch (for later ones, the history tells).</summary>
    public required bool? Validating { get; init; }

    public void Write(string path, string fingerprint)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(fingerprint);
            writer.Write(Epoch);
            WriteArray(writer, Weights);
            writer.Write(OptimizerSteps);
            writer.Write(OptimizerState.Length);
            foreach (var state in OptimizerState) WriteArray(writer, state);
            writer.Write(History.Count);
            foreach (var e in History)
            {
                writer.Write(e.Epoch);
                writer.Write(e.TrainingLoss);
                // A flag, then the value: a NaN validation loss is a value (schedules count it), not a missing one.
                writer.Write(e.ValidationLoss.HasValue);
                writer.Write(e.ValidationLoss ?? 0);
                writer.Write(e.MeanGradientNorm);
                writer.Write(e.Elapsed.Ticks);
            }
            // The best epoch where earlier versions wrote it; the runners-up of weight averaging at the end.
            WriteArray(writer, Best.Count > 0 ? Best[0].Weights : null);
            writer.Write(Best.Count > 0 ? Best[0].Epoch : 0);
            writer.Write(BatchesPerEpoch ?? -1);
            writer.Write(DivergenceStart);
            writer.Write(RecentLosses.Length);
            foreach (double loss in RecentLosses) writer.Write(loss);
            writer.Write(Partial is not null);
            if (Partial is not null)
            {
                writer.Write(Partial.Batches);
                writer.Write(Partial.Rows);
                writer.Write(Partial.LossSum);
                writer.Write(Partial.WeightSum);
                writer.Write(Partial.NormSum);
            }
            WriteArray(writer, LastGood);
            // Appended after what earlier versions wrote, so their checkpoints still read (with no error rates).
            foreach (var e in History)
            {
                writer.Write(e.ValidationErrorRate.HasValue);
                writer.Write(e.ValidationErrorRate ?? 0);
            }
            writer.Write(Math.Max(0, Best.Count - 1));
            foreach (var (epoch, weights) in Best.Skip(1))
            {
                writer.Write(epoch);
                WriteArray(writer, weights);
            }
            writer.Write(Validating ?? throw new InvalidOperationException("A checkpoint is written by training that knows whether it validates."));
        }
        payload.Write(SHA256.HashData(payload.GetBuffer().AsSpan(0, (int)payload.Length)));

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        Data.AtomicFile.WriteAllBytes(path, payload.ToArray());
    }

    /// <summary>Where the checkpoint's fingerprint first differs from this training's. Both list the weights' names and
    /// shapes, then the options, separated by '|', so the first item that differs shows what changed (a shape, a rate), and
    /// the first character that differs, which setting.</summary>
    private static string FirstDifference(string written, CheckpointFingerprint fingerprint)
    {
        string current = fingerprint.Text;
        int at = 0;
        while (at < written.Length && at < current.Length && written[at] == current[at]) at++;
        // Where the checkpoint's text ends at a separator of this training's, this training has a setting more: the next one.
        bool added = at == written.Length && at < current.Length && current[at] == '|';
        string setting = fingerprint.SettingAt(added ? at + 1 : at) is { } name ? $" ({name})" : " (a setting this training does not have)";
        string[] before = written.Split('|'), now = current.Split('|');
        int item = 0;
        while (item < before.Length && item < now.Length && before[item] == now[item]) item++;
        // Null where one side has no such setting; empty where the setting is unset (null).
        string? a = item < before.Length ? before[item] : null, b = item < now.Length ? now[item] : null;
        // Long items (the weights' list) are shown from a little before their first different character.
        int common = 0;
        while (common < a?.Length && common < b?.Length && a[common] == b[common]) common++;
        string Excerpt(string? text)
        {
            if (text is null) return "nothing";
            if (text.Length == 0) return "no value (unset)";
            int start = Math.Max(0, common - 20);
            string shown = text[start..Math.Min(text.Length, start + 80)];
            return $"'{(start > 0 ? "…" : "")}{shown}{(start + 80 < text.Length ? "…" : "")}'";
        }
        return $"the checkpoint's settings read {Excerpt(a)} where this training's read {Excerpt(b)}{setting}";
    }

    /// <summary>The checkpoint at <paramref name="path"/>, or null when there is none; throws <see cref="InvalidDataException"/>
    /// naming the file when it is damaged or was written by training with other options or another network.</summary>
    public static TrainingCheckpoint<T>? Read(string path, CheckpointFingerprint fingerprint)
    {
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32 || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidDataException($"Checkpoint '{path}' is damaged (its SHA-256 does not match); delete it to train from the start.");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32));
            if (reader.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not an RnnMlNet checkpoint.");
            if (reader.ReadString() is var written && written != fingerprint.Text)
                throw new InvalidDataException($"Checkpoint '{path}' was written by training with other options or another network " +
                    $"({FirstDifference(written, fingerprint)}); delete it, or give this training a checkpoint path of its own.");
            int epoch = reader.ReadInt32();
            T[] weights = ReadArray(reader)!;
            long steps = reader.ReadInt64();
            var state = new T[]?[reader.ReadInt32()];
            for (int i = 0; i < state.Length; i++) state[i] = ReadArray(reader);
            var history = new List<EpochReport>();
            for (int i = reader.ReadInt32(); i > 0; i--)
            {
                int number = reader.ReadInt32();
                double loss = reader.ReadDouble();
                bool validated = reader.ReadBoolean();
                double validation = reader.ReadDouble(), norm = reader.ReadDouble();
                history.Add(new EpochReport(number, loss, validated ? validation : null, norm, TimeSpan.FromTicks(reader.ReadInt64())));
            }
            var bestWeights = ReadArray(reader);
            int bestEpoch = reader.ReadInt32(), batches = reader.ReadInt32();
            double divergenceStart = reader.ReadDouble();
            var recent = new double[reader.ReadInt32()];
            for (int i = 0; i < recent.Length; i++) recent[i] = reader.ReadDouble();
            EpochTally? partial = reader.ReadBoolean()
                ? new EpochTally { Batches = reader.ReadInt32(), Rows = reader.ReadInt32(), LossSum = reader.ReadDouble(), WeightSum = reader.ReadDouble(), NormSum = reader.ReadDouble() }
                : null;
            var lastGood = ReadArray(reader);
            if (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                for (int i = 0; i < history.Count; i++)
                {
                    bool rated = reader.ReadBoolean();
                    double rate = reader.ReadDouble();
                    if (rated) history[i] = history[i] with { ValidationErrorRate = rate };
                }
            }
            var best = new List<(int Epoch, T[] Weights)>();
            if (bestWeights is not null) best.Add((bestEpoch, bestWeights));
            if (reader.BaseStream.Position < reader.BaseStream.Length)
                for (int i = reader.ReadInt32(); i > 0; i--) best.Add((reader.ReadInt32(), ReadArray(reader)!));
            bool? validating = reader.BaseStream.Position < reader.BaseStream.Length ? reader.ReadBoolean()
                : history.Count > 0 ? history[^1].ValidationLoss.HasValue : null;
            if (best.Any(b => b.Epoch < 1 || b.Epoch > history.Count || b.Weights?.Length != weights.Length))
                throw new InvalidDataException($"Checkpoint '{path}' holds best epochs that its history or weights do not match; delete it to train from the start.");
            return new TrainingCheckpoint<T>
            {
                Epoch = epoch, Weights = weights, OptimizerSteps = steps, OptimizerState = state, History = history, Best = best,
                BatchesPerEpoch = batches < 0 ? null : batches, DivergenceStart = divergenceStart,
                RecentLosses = recent, Partial = partial, LastGood = lastGood, Validating = validating,
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is truncated.", e);
        }
    }

    private static void WriteArray(BinaryWriter writer, T[]? values)
    {
        writer.Write(values?.Length ?? -1);
        if (values is not null) writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static T[]? ReadArray(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0) return null;
        var values = new T[length];
        int bytes = length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (reader.Read(MemoryMarshal.AsBytes(values.AsSpan())) != bytes) throw new EndOfStreamException();
        return values;
    }
}
