using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Trainers;

/// <summary>
/// Settings of the LSTM, GRU and SimpleRNN trainers (binary, multiclass, regression) and, through
/// <see cref="SequenceTaggerOptions"/>, of the tagger: the columns, the input handling and the starting weights, on top of
/// the architecture and training settings every estimator shares (<see cref="RecurrentOptions"/>).
/// Every default is stated on its property.
/// </summary>
public class RecurrentTrainerOptions : RecurrentOptions
{
    /// <summary>Creates the options with the classifiers' defaults.</summary>
    public RecurrentTrainerOptions() : base(RecurrentDefaults.Classifier)
    {
    }

    /// <summary>Label column. Default "Label".</summary>
    public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

    /// <summary>Sequence column: keys, a one-hot sequence, or float steps. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = RecurrentDefaults.FeatureColumnName;

    /// <summary>Wide and deep: a float-vector column of known size whose values describe the whole sequence (for example the
    /// n-gram counts of <c>FeaturizeText</c> over the same text, sparse, 10⁴–10⁶ slots). A linear part on it joins the pooled
    /// sequence state before the head and trains with the network; the saved model reads the column as a second input.
    /// Its values are read as given, unlike float steps (standardising would fill sparse vectors): keep them near unit scale,
    /// as FeaturizeText's normalised counts are (side features near 10⁴ made training diverge).
    /// For the classifiers and the regressor. Default null (none).</summary>
    public string? SideFeatureColumnName { get; set; }

    /// <summary>When set, the model also writes the pooled sequence state (the vector the head reads: the final hidden states,
    /// or the outputs pooled over the steps; (Bidirectional ? 2 : 1) × HiddenSize values) to a column of this name, as a
    /// sequence embedding for downstream trainers or similarity; not the label or an output column (Score, PredictedLabel,
    /// Probability), which it would replace. For the classifiers and the regressor. Default null.</summary>
    public string? PooledStateColumnName { get; set; }

    /// <summary>A column naming each row's group (the document a passage comes from, a speaker, a customer): the hold-out
    /// then takes whole groups instead of single rows, about <see cref="RecurrentOptions.ValidationFraction"/> of the groups
    /// (10 % when automatic) chosen by a seeded hash of the value, so the share of rows held out varies with the groups'
    /// sizes. Early stopping then judges the network, and the summary's validation figures describe it, on groups it has
    /// not trained on, as the test data usually is; without it, passages of documents the network trains on also sit in
    /// the hold-out, which rewards memorising documents. The name and the idea are ML.NET's (<c>samplingKeyColumnName</c>
    /// of <c>TrainTestSplit</c> and <c>CrossValidate</c>). A scalar text, key, number or Boolean column, other than the
    /// label and the features; rows with equal values stay together, and so do rows with a missing value (empty text,
    /// key 0, every NaN). The values' hash is fixed, so that every process of <see cref="RecurrentOptions.DataParallel"/>
    /// holds out the same groups; ensemble member k holds out others, by its seed; a checkpoint resumes only with the same
    /// column. Refused with <see cref="RecurrentOptions.ValidationFraction"/> 0 or
    /// <see cref="RecurrentOptions.HoldOutLastRows"/>, and by Fit when nothing is held out (the automatic hold-out needs
    /// 1,000 rows of token sequences) or when the hold-out would take no group or every group (a few large groups: raise
    /// ValidationFraction or change the seed). The column is
    /// checked whenever this is set, but not read by <c>Fit(train, validation)</c>, which holds nothing out, nor with
    /// <see cref="RecurrentOptions.Epochs"/> 0. Default null: rows are held out one by one.</summary>
    public string? SamplingKeyColumnName { get; set; }

    /// <summary>For a float feature column: values per time step, F. The column holds T·F values a row, or is a [T, F] column
    /// (the (timesteps, features) layout); a [T, V] column from OneHotSequence, or one built by hand with FeaturesPerStep 1 and V
    /// above 1, is read as a one-hot sequence. Default 1; keys and a OneHotSequence column, one token a step, ignore it (so
    /// one options object can serve both kinds of input).</summary>
    public int FeaturesPerStep { get; set; } = RecurrentDefaults.FeaturesPerStep;

    /// <summary>Longer sequences keep their first MaximumLength steps, in training and in the saved model, except that a
    /// tagger's saved model tags every step of a longer row. Default 0 (keep every step).</summary>
    public int MaximumLength { get; set; }

    /// <summary>Training reads each sequence longer than this many steps as a window of this many consecutive steps, at a start
    /// drawn anew each epoch (seeded by <see cref="RecurrentOptions.Seed"/>); the hold-out, the validation data and the saved
    /// model read whole sequences (up to <see cref="MaximumLength"/>). An epoch then costs at most this many steps a
    /// sequence, and over the epochs the network learns from every part of a long document, as from that many shorter
    /// documents with its label, rather than from one reading of all of it. 0 reads whole sequences. Default null:
    /// automatic: 256 for token sequences (keys, one-hot) of the classifiers and the regressor, which cuts documents and
    /// leaves words, names and sentences whole (on spam's messages, 534 tokens on average, it cut the LSTM's training time by
    /// 2.4 to 2.6 times and raised its accuracy from 98.74 % and 98.45 % to 99.50 % and 98.88 % on two splits; README,
    /// "Defaults that train well"); 0 for float steps, a time series whose last steps matter most. The tagger, whose tags follow the steps, takes only null or 0.</summary>
    public int? TrainingWindow { get; set; }

    /// <summary>The training window these options choose for the input's kind (<paramref name="tokens"/>) and the task.</summary>
    internal int TrainingWindowFor(bool tokens, bool perStep) => TrainingWindow ?? (tokens && !perStep ? RecurrentDefaults.TokenTrainingWindow : 0);

    /// <summary>Read each sequence in both directions. Default false (true for the tagger).</summary>
    public bool Bidirectional { get; set; }

    /// <summary>How the classifiers and regressors read a sequence: the final hidden states (<see cref="Pooling.Last"/>), or
    /// the mean, the maximum or an attention-weighted mean of the outputs over every step. Default null: automatic, as
    /// measured by the quality benchmark: for token sequences (keys, one-hot), <see cref="Pooling.Max"/> when they are short
    /// (at most 20 tokens on average over the training rows: names, words, codes), where a null
    /// <see cref="RecurrentOptions.HiddenSize"/> also becomes 128 (64 with a <see cref="PooledStateColumnName"/>, whose width
    /// the schema states before the data is read), and <see cref="Pooling.Attention"/> over 64 units for longer ones
    /// (sentences, documents); <see cref="Pooling.Last"/> for float steps (time series, whose last step matters most). To
    /// tell, the trainer reads the training rows' lengths once before training (until they make 1,250,000 trained steps, see <see cref="TrainingWindow"/>; under
    /// <see cref="RecurrentOptions.DataParallel"/> every process reads the same rows, so all choose alike). With
    /// <see cref="InitialWeights"/> the choices follow the weights instead (see there). The tagger, which predicts at every
    /// step, takes only null or <see cref="Pooling.Last"/>.</summary>
    public Pooling? Pooling { get; set; }

    /// <summary>Word dropout in training, in [0, 1), for token input: each word type of a sequence is dropped with this
    /// probability at every step where it occurs, so the model cannot lean on a few words. Default 0.</summary>
    public double WordDropout { get; set; }

    /// <summary>Variational dropout on the first layer's input in training, in [0, 1): one mask per sequence over the
    /// embedding's (or the float steps') features, the same at every step (Gal &amp; Ghahramani). Not for one-hot input
    /// (EmbeddingSize 0 or a OneHotSequence column), where <see cref="WordDropout"/> drops tokens. Default 0.</summary>
    public double InputDropout { get; set; }

    /// <summary>Variational dropout on the last layer's output in training, in [0, 1): one mask per sequence over the
    /// units the pooling or the head reads. Default 0.</summary>
    public double OutputDropout { get; set; }

    /// <summary>For imbalanced classes: one positive weight per class, multiplying its examples' loss (binary: the weight
    /// of false, then of true; multiclass and tagging: one per class in the label's key order). Early stopping on the error
    /// rate counts each validation prediction with its class's weight too, so with weights inverse to the classes' frequencies it keeps
    /// about the epoch of the best balanced accuracy. Default null (all 1).</summary>
    public IReadOnlyList<double>? ClassWeights { get; set; }

    /// <summary>Starting weights in ONNX layout (from a saved model with <see cref="Onnx.RecurrentModelFile.ReadWeights"/>, or
    /// from another framework's graph with <see cref="Onnx.OnnxImport.Read"/>), to fine-tune instead of starting fresh,
    /// or to package for scoring with <see cref="RecurrentOptions.Epochs"/> 0. Their shapes must match the network these options describe;
    /// a null <see cref="RecurrentOptions.HiddenSize"/> takes their width, and a null <see cref="Pooling"/> over token sequences is
    /// attention when they hold its query and max pooling otherwise, as the defaults that trained them chose.</summary>
    public IReadOnlyList<NamedTensor<float>>? InitialWeights { get; set; }

    /// <summary>Networks to train and average (an ensemble). Member k trains with seed <see cref="RecurrentOptions.Seed"/> + k, so
    /// with its own initial weights, shuffle, dropout masks and hold-out (but the same last rows with
    /// <see cref="RecurrentOptions.HoldOutLastRows"/>), and the saved model averages the members' logits in
    /// its one ONNX graph; scoring takes about this many times as long, and training too on one thread, while on more the
    /// networks train side by side, as many at once as there are <see cref="RecurrentOptions.Threads"/> (two spam networks in
    /// 1.3 to 1.4 times one network's time on two cores rather than twice; their weights are the same). One network's accuracy moves by about a
    /// point from seed to seed on a small task; the average is steadier and better than a typical member (names, with attention
    /// over 64 units: 86.0 % for one LSTM, 89.1 % for five; README, "Defaults that train well"). Default null: automatic. For 1,000 rows
    /// or more (the automatic hold-out's threshold for token sequences), as many members, up to 5, as make at most 2,500,000
    /// trained steps per epoch together (the rows' tokens, each row's up to <see cref="TrainingWindow"/>, or float steps,
    /// summed: names with about 39,000, births' windows with 81,000 and truecasing's words with about 436,000 train 5), and 2 at least: longer data (spam's 4,754 training messages, 2.5 million
    /// tokens, 860,000 of them within the training window) trains 2, since one network reading whole
    /// documents moved by a point from seed to seed on spam (set 1 to train one). One network otherwise, and with <see cref="InitialWeights"/> (a model to
    /// fine-tune), <see cref="PooledStateColumnName"/>, <see cref="RecurrentOptions.CheckpointDirectory"/> or
    /// <see cref="RecurrentOptions.DataParallel"/>; all four, and <see cref="RecurrentOptions.Epochs"/> 0, take only a
    /// single network.</summary>
    public int? EnsembleSize { get; set; }

    /// <inheritdoc />
    private protected override void CopyCollections()
    {
        ClassWeights = ClassWeights?.ToArray();
        InitialWeights = InitialWeights?.Select(tensor => tensor with { Shape = tensor.Shape.ToArray(), Values = tensor.Values.ToArray() }).ToArray();
    }

    /// <summary>What these options change in training beyond the engine's settings, for a checkpoint's fingerprint
    /// (<see cref="TrainingOptions.CallerSettings"/>): the steps read of each sequence, and the starting weights by their
    /// SHA-256. Unset ones add nothing, so checkpoints written before they counted still resume.</summary>
    internal IReadOnlyList<(string Setting, string Value)> CheckpointSettings()
    {
        var settings = new List<(string Setting, string Value)>();
        if (MaximumLength > 0) settings.Add((nameof(MaximumLength), FormattableString.Invariant($"the first {MaximumLength} steps of each sequence")));
        if (InitialWeights is { } weights)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var tensor in weights)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(tensor.Name + "\0"));
                hash.AppendData(MemoryMarshal.AsBytes(tensor.Shape.AsSpan()));
                hash.AppendData(MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
            }
            settings.Add((nameof(InitialWeights), $"weights of SHA-256 {Convert.ToHexString(hash.GetHashAndReset())}"));
        }
        return settings;
    }

    /// <summary>These options with another seed: an ensemble member's.</summary>
    internal RecurrentTrainerOptions WithSeed(int seed)
    {
        var copy = (RecurrentTrainerOptions)MemberwiseClone();
        copy.Seed = seed;
        return copy;
    }

    /// <summary>The shared sizes, plus the directions and the pooling these options choose.</summary>
    internal override NetworkOptions ToNetworkOptions(CellKind cell)
    {
        var options = base.ToNetworkOptions(cell);
        options.Bidirectional = Bidirectional;
        options.Pooling = Pooling ?? RnnMlNet.Pooling.Last;
        options.WordDropout = WordDropout;
        options.InputDropout = InputDropout;
        options.OutputDropout = OutputDropout;
        return options;
    }

    private protected override int MinimumEpochs => InitialWeights is null ? 1 : 0;

    private protected override string EpochsExpected => InitialWeights is null
        ? "null (automatic) or at least 1 (0, which trains nothing, needs InitialWeights to package)"
        : "null (automatic), at least 1, or 0 with InitialWeights";

    private protected override int MinimumEmbeddingSize => 0;

    private protected override int AutomaticAveragedEpochs => SideFeatureColumnName is null ? 1 : RecurrentDefaults.WideAndDeepAveragedEpochs;

    internal override void Validate()
    {
        RequireColumnName(LabelColumnName, nameof(LabelColumnName));
        RequireColumnName(FeatureColumnName, nameof(FeatureColumnName));
        // The copy of the pooled state comes last in the chain, so it would replace a column of the same name that scoring or evaluation reads.
        Core.OptionChecks.Require(PooledStateColumnName is null || (!string.IsNullOrWhiteSpace(PooledStateColumnName) && PooledStateColumnName != LabelColumnName
            && PooledStateColumnName is not ("Score" or "PredictedLabel" or "Probability")), nameof(PooledStateColumnName), PooledStateColumnName,
            "null, or a column name other than LabelColumnName and the trainer's outputs (Score, PredictedLabel, Probability)");
        Core.OptionChecks.Require(SideFeatureColumnName is null || (!string.IsNullOrWhiteSpace(SideFeatureColumnName) && SideFeatureColumnName != FeatureColumnName),
            nameof(SideFeatureColumnName), SideFeatureColumnName, "null, or a column name other than FeatureColumnName");
        Core.OptionChecks.Require(ClassWeights is null || ClassWeights.All(w => w > 0 && double.IsFinite(w)), nameof(ClassWeights),
            ClassWeights is null ? null : string.Join(", ", ClassWeights), "finite positive weights");
        Core.OptionChecks.Require(SamplingKeyColumnName is null || (!string.IsNullOrWhiteSpace(SamplingKeyColumnName) && SamplingKeyColumnName != LabelColumnName
            && SamplingKeyColumnName != FeatureColumnName), nameof(SamplingKeyColumnName), SamplingKeyColumnName, "null, or a column name other than LabelColumnName and FeatureColumnName");
        Core.OptionChecks.Require(SamplingKeyColumnName is null || (ValidationFraction is not 0 && !HoldOutLastRows), nameof(SamplingKeyColumnName), SamplingKeyColumnName,
            "null when ValidationFraction is 0 (nothing is held out) or HoldOutLastRows is set (the last rows are held out, not groups)");
        Core.OptionChecks.Require(FeaturesPerStep >= 1, nameof(FeaturesPerStep), FeaturesPerStep, "at least 1");
        Core.OptionChecks.Require(MaximumLength >= 0, nameof(MaximumLength), MaximumLength, "0 (no limit) or more");
        Core.OptionChecks.Require(TrainingWindow is null or >= 0, nameof(TrainingWindow), TrainingWindow, "null (automatic), 0 (whole sequences) or more");
        base.Validate();
        Core.OptionChecks.Require(EnsembleSize is null or (>= 1 and <= RecurrentDefaults.MaximumEnsembleSize), nameof(EnsembleSize), EnsembleSize,
            $"null (automatic) or 1 to {RecurrentDefaults.MaximumEnsembleSize}");
        // After the shared checks, so that an Epochs 0 without InitialWeights is reported as that.
        // Starting weights too: every member would start from them, which an ensemble's own initial weights are not.
        string? single = PooledStateColumnName is not null ? nameof(PooledStateColumnName) : CheckpointDirectory is not null ? nameof(CheckpointDirectory)
            : DataParallel is not null ? nameof(DataParallel) : Epochs == 0 ? "Epochs 0" : InitialWeights is not null ? nameof(InitialWeights) : null;
        Core.OptionChecks.Require(EnsembleSize is null or 1 || single is null, nameof(EnsembleSize), EnsembleSize, $"null or 1 with {single}, which takes a single network");
    }
}
