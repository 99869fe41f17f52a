using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Trainers;

namespace RnnMlNet.Tests;

/// <summary>
/// <see cref="RecurrentTrainerOptions.SamplingKeyColumnName"/>: the hold-out takes whole groups (a document's passages)
/// instead of single rows, so early stopping judges groups the network has not trained on.
/// </summary>
public class SamplingKeyTests : IDisposable
{
    private const int Groups = 100, RowsPerGroup = 20;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class PassageRow
    {
        /// <summary>The group's own token (key group + 1), three times: a row says which group it is from and nothing else.</summary>
        [KeyType(Groups)]
        public uint[] Tokens { get; set; } = [];

        /// <summary>Drawn once per group, so that only memorising the groups' tokens predicts it.</summary>
        public bool Label { get; set; }

        public string Document { get; set; } = "";

        public float DocumentNumber { get; set; }

        public float[] Vector { get; set; } = [0f, 0f];
    }

    private static PassageRow[] Passages()
    {
        var random = new Random(5);
        var labels = Enumerable.Range(0, Groups).Select(_ => random.Next(2) == 1).ToArray();
        // Rows of each group are spread over the data, as passages of a shuffled corpus are.
        return Enumerable.Range(0, Groups * RowsPerGroup).Select(i => i % Groups).Select(group => new PassageRow
        {
            Tokens = [(uint)group + 1, (uint)group + 1, (uint)group + 1],
            Label = labels[group],
            Document = $"address {group}",
            DocumentNumber = group * 1.5f,
        }).ToArray();
    }

    private static RecurrentTrainerOptions Options(string? samplingKey) => new()
    {
        FeatureColumnName = nameof(PassageRow.Tokens), SamplingKeyColumnName = samplingKey, EmbeddingSize = 4, HiddenSize = 8,
        Epochs = 10, LearningRate = 0.01, EnsembleSize = 1, Seed = 3,
    };

    /// <summary>The groups (their token, 0-based) of the rows read as the training or the validation part.</summary>
    private static HashSet<uint> GroupsRead(IDataView data, RecurrentTrainerOptions options, bool validation)
    {
        var input = SequenceColumn.Describe(data.Schema, options.FeatureColumnName, 1, 0, null);
        var task = TaskAdapter.For(RecurrentTask.BinaryClassification).Bind(data.Schema, options);
        var key = options.SamplingKeyColumnName is { } name ? data.Schema[name] : (DataViewSchema.Column?)null;
        var source = new DataViewSequenceSource(data, input, task, new ValidationSplit(0.1, options.Seed), validation, default, key);
        // Token ids are the keys: key k (group k - 1) is id k.
        return source.Read().Select(example => (uint)(example.Input.Tokens![0] - 1)).ToHashSet();
    }

    /// <summary>Each group is wholly held out or wholly trained on, for a text, a number and a key column; about a tenth
    /// of the groups are held out, and another seed holds out others. Without the key, rows of one group land on both sides.</summary>
    [Theory]
    [InlineData(nameof(PassageRow.Document))]
    [InlineData(nameof(PassageRow.DocumentNumber))]
    [InlineData("DocumentKey")]
    public void HeldOutRowsComeInWholeGroups(string column)
    {
        var ml = _temp.Context();
        var data = ml.Transforms.Conversion.MapValueToKey("DocumentKey", nameof(PassageRow.Document)).Fit(ml.Data.LoadFromEnumerable(Passages()))
            .Transform(ml.Data.LoadFromEnumerable(Passages()));
        var options = Options(column);
        var (training, validation) = (GroupsRead(data, options, validation: false), GroupsRead(data, options, validation: true));
        Assert.Empty(training.Intersect(validation));
        Assert.Equal(Groups, training.Count + validation.Count);
        Assert.InRange(validation.Count, 3, 20);
        options.Seed = 4;
        Assert.NotEqual(validation, GroupsRead(data, options, validation: true));
        var ungrouped = Options(null);
        Assert.NotEmpty(GroupsRead(data, ungrouped, validation: false).Intersect(GroupsRead(data, ungrouped, validation: true)));
    }

    public sealed class KeyValues
    {
        public string Text { get; set; } = "";

        public float Single { get; set; }

        public double Double { get; set; }

        public bool Boolean { get; set; }

        public int Integer { get; set; }
    }

    /// <summary>Text is hashed by 64-bit FNV-1a over its UTF-16 code units, fixed in every process (checked against the
    /// published FNV-1a vectors, which ASCII text matches); numbers that compare equal (0 and −0) and every NaN, whatever
    /// its payload, are one group; each supported type reads.</summary>
    [Fact]
    public void EqualValuesNameOneGroupInEveryProcess()
    {
        var ml = _temp.Context();
        float otherNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001));
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new KeyValues { Text = "foobar", Single = 0f, Double = double.NaN, Boolean = true, Integer = 7 },
            new KeyValues { Text = "a", Single = -0f, Double = -double.NaN, Boolean = false, Integer = -7 },
            new KeyValues { Text = "", Single = float.NaN, Double = 2.5, Boolean = true, Integer = 7 },
            new KeyValues { Text = "", Single = otherNaN, Double = 2.5, Boolean = false, Integer = 8 },
        });
        var groups = new Dictionary<string, List<long>>();
        using (var cursor = data.GetRowCursor(data.Schema))
        {
            var readers = data.Schema.ToDictionary(c => c.Name, c => SamplingKey.Reader(cursor, SamplingKey.Find(data.Schema, c.Name)));
            while (cursor.MoveNext())
                foreach (var (name, read) in readers) (groups.TryGetValue(name, out var list) ? list : groups[name] = []).Add(read());
        }
        Assert.Equal(unchecked((long)0x85944171F73967E8UL), groups["Text"][0]);
        Assert.Equal(unchecked((long)0xAF63DC4C8601EC8CUL), groups["Text"][1]);
        Assert.Equal(groups["Text"][2], groups["Text"][3]);
        Assert.Equal(groups["Single"][0], groups["Single"][1]);
        Assert.Equal(groups["Single"][2], groups["Single"][3]);
        Assert.NotEqual(groups["Single"][0], groups["Single"][2]);
        Assert.Equal(groups["Double"][0], groups["Double"][1]);
        Assert.Equal([1L, 0L, 1L, 0L], groups["Boolean"]);
        Assert.Equal([7L, -7L, 7L, 8L], groups["Integer"]);
    }

    /// <summary>Rows that only memorising their group predicts: held out row by row, the hold-out's groups were trained on
    /// and are soon predicted right; held out by group (about 30 of them), they stay near chance, which is what unseen
    /// groups will score.</summary>
    [Fact]
    public void AHoldOutOfWholeGroupsScoresGroupsTheNetworkHasNotSeen()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Passages());
        double BestValidationError(string? samplingKey)
        {
            var options = Options(samplingKey);
            options.ValidationFraction = 0.3;
            var trainer = ml.BinaryClassification.Trainers.Gru(options);
            using var model = trainer.Fit(data);
            return trainer.LastHistory!.Epochs.Min(e => e.ValidationErrorRate!.Value);
        }
        Assert.InRange(BestValidationError(null), 0, 0.1);
        Assert.InRange(BestValidationError(nameof(PassageRow.Document)), 0.25, 1);
    }

    /// <summary>A missing or vector column is refused by the schema check and by Fit, naming the column and what was expected.</summary>
    [Theory]
    [InlineData("Missing")]
    [InlineData(nameof(PassageRow.Vector))]
    public void ABadSamplingKeyColumnIsRefusedByName(string column)
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Passages());
        var trainer = ml.BinaryClassification.Trainers.Gru(Options(column));
        foreach (var error in new[]
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(EstimatorWorkout.ShapeOf<PassageRow>())),
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data)),
        })
        {
            Assert.Contains($"'{column}'", error.Message);
            Assert.Contains("scalar text, key, number or Boolean column", error.Message);
            Assert.Contains(column == "Missing" ? "not found" : "ector", error.Message);
        }
    }

    /// <summary>A key with nothing to hold out is refused: by the options (ValidationFraction 0, the last rows held out, the
    /// label as the key), and by Fit when the automatic hold-out leaves small data or float steps whole. With validation
    /// data, which holds nothing out, the key is not needed, and small data trains.</summary>
    [Fact]
    public void ASamplingKeyWithoutAHoldOutIsRefused()
    {
        foreach (var options in new[] { new RecurrentTrainerOptions { SamplingKeyColumnName = "Document", ValidationFraction = 0 },
                     new RecurrentTrainerOptions { SamplingKeyColumnName = "Document", ValidationFraction = 0.1, HoldOutLastRows = true },
                     new RecurrentTrainerOptions { SamplingKeyColumnName = "Label" } })
            Assert.Contains("SamplingKeyColumnName", Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate()).Message);

        var ml = _temp.Context();
        var small = ml.Data.LoadFromEnumerable(Passages().Take(200));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Gru(Options(nameof(PassageRow.Document))).Fit(small));
        Assert.Contains("SamplingKeyColumnName 'Document'", error.Message);
        Assert.Contains("this data has 200", error.Message);
        var steps = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Gru(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Steps", FeaturesPerStep = 2, SamplingKeyColumnName = "Value", Epochs = 1,
        }).Fit(SyntheticData.Load(ml, SyntheticData.StepRows(1_200, 1))));
        Assert.Contains("float steps hold nothing out", steps.Message);
        using (ml.BinaryClassification.Trainers.Gru(Options(nameof(PassageRow.Document))).Fit(small, small)) { }
        var asked = Options(nameof(PassageRow.Document));
        asked.ValidationFraction = 0.2;
        using var model = ml.BinaryClassification.Trainers.Gru(asked).Fit(small);
    }

    /// <summary>One group is held out whole or kept whole: either way there is nothing to compare, and Fit says so, naming
    /// the column, its number of groups and the seed.</summary>
    [Fact]
    public void AHoldOutThatTakesNoGroupOrEveryGroupIsRefused()
    {
        var ml = _temp.Context();
        var oneDocument = ml.Data.LoadFromEnumerable(Passages().Select(p => { p.Document = "the only address"; return p; }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Gru(Options(nameof(PassageRow.Document))).Fit(oneDocument));
        Assert.Contains("SamplingKeyColumnName 'Document'", error.Message);
        Assert.Contains("1 group(s)", error.Message);
        Assert.Contains("seeded with 3", error.Message);

        // The tagger holds out by the key too.
        var sentences = ml.Data.LoadFromEnumerable(SequenceTaggerTests.Rows(1_200, 1).Select(r => new TaggedSentence { Tokens = r.Tokens, Tags = r.Tags }));
        var tagger = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TaggedSentence.Tags)).Append(ml.MulticlassClassification.Trainers.SequenceTagger(
            new SequenceTaggerOptions { FeatureColumnName = nameof(TaggedSentence.Tokens), SamplingKeyColumnName = nameof(TaggedSentence.Document), Epochs = 1, Seed = 3 }));
        Assert.Contains("SamplingKeyColumnName 'Document'", Assert.Throws<ArgumentOutOfRangeException>(() => tagger.Fit(sentences)).Message);
    }

    /// <summary>An ensemble's networks hold out groups by their own seeds (Seed + k): a member whose draw takes no group is
    /// refused before any network trains, naming the member; with EnsembleSize 1 the user's seed trains.</summary>
    [Fact]
    public void AnEnsembleMemberWhoseHoldOutTakesNoGroupIsNamedBeforeAnyTraining()
    {
        var ml = _temp.Context();
        // Few groups, so that some seeds' tenth takes none of them.
        var data = ml.Data.LoadFromEnumerable(Passages().Select(p => { p.Document = $"address {p.Tokens[0] % 6}"; return p; }));
        var column = data.Schema[nameof(PassageRow.Document)];
        bool Draws(int seed)
        {
            try
            {
                SamplingKey.CheckSplit(data, column, new ValidationSplit(0.1, seed), seed);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }
        int good = Enumerable.Range(0, 1_000).First(seed => Draws(seed) && !Draws(seed + 1));
        var batches = new List<BatchReport>();
        var options = Options(nameof(PassageRow.Document));
        (options.Seed, options.EnsembleSize, options.ValidationFraction, options.BatchProgress) = (good, 2, 0.1, new ImmediateProgress<BatchReport>(batches.Add));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Gru(options).Fit(data));
        Assert.Contains($"seeded with {good + 1} (network 2 of the ensemble's 2, whose seed is Seed + 1) took none", error.Message);
        Assert.Contains("set EnsembleSize = 1", error.Message);
        Assert.Empty(batches);
        options.EnsembleSize = 1;
        options.Epochs = 1;
        using var model = ml.BinaryClassification.Trainers.Gru(options).Fit(data);
        Assert.NotEmpty(batches);
    }

    /// <summary>A checkpoint remembers which column grouped its hold-out: a resume that groups by another column (and so
    /// validates other rows) is refused by name, and one with the same column resumes.</summary>
    [Fact]
    public void ACheckpointIsResumedOnlyWithTheSameGroups()
    {
        var ml = _temp.Context();
        var data = ml.Data.LoadFromEnumerable(Passages());
        string folder = _temp.File("checkpoints");
        RecurrentTrainerOptions Checkpointed(string samplingKey)
        {
            var options = Options(samplingKey);
            options.CheckpointDirectory = folder;
            options.EnsembleSize = null;
            return options;
        }
        using var cancel = new CancellationTokenSource();
        var interrupted = Checkpointed(nameof(PassageRow.Document));
        interrupted.CancellationToken = cancel.Token;
        interrupted.Progress = new ImmediateProgress<EpochReport>(e => { if (e.Epoch == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => ml.BinaryClassification.Trainers.Gru(interrupted).Fit(data));
        var other = Assert.Throws<InvalidDataException>(() => ml.BinaryClassification.Trainers.Gru(Checkpointed(nameof(PassageRow.DocumentNumber))).Fit(data));
        Assert.Contains("other options", other.Message);
        var resumer = ml.BinaryClassification.Trainers.Gru(Checkpointed(nameof(PassageRow.Document)));
        using var resumed = resumer.Fit(data);
        Assert.False(File.Exists(Path.Combine(folder, "rnnmlnet.checkpoint")));
        // A checkpoint directory makes the automatic ensemble one network (one checkpoint); so, below, do these rows without it.
        Assert.Empty(resumer.LastSummary!.Members); // listed for an ensemble only
        var unchecked_ = Checkpointed(nameof(PassageRow.Document));
        unchecked_.CheckpointDirectory = null;
        unchecked_.Epochs = 1;
        var ensemble = ml.BinaryClassification.Trainers.Gru(unchecked_);
        using (ensemble.Fit(data)) { }
        Assert.True(ensemble.LastSummary!.Members.Count > 1, "These rows would train one network anyway: the test could not tell.");
    }

    public sealed class TaggedSentence
    {
        [KeyType(6)]
        public uint[] Tokens { get; set; } = [];

        public string[] Tags { get; set; } = [];

        public string Document { get; set; } = "the only document";
    }
}
