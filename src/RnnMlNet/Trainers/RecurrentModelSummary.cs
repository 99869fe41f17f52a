using System.Globalization;
using System.Text;
using System.Text.Json;
using RnnMlNet.Core.Networks;
using RnnMlNet.Core.Training;

namespace RnnMlNet.Trainers;

/// <summary>One group of weights: a layer direction, the embedding or the head, with its tensors' shapes.</summary>
public sealed record ComponentSummary(string Name, IReadOnlyList<string> Tensors, int Parameters);

/// <summary>How one network of an ensemble trained: its seed, its epochs and the epoch it kept.</summary>
public sealed record MemberSummary(int Seed, IReadOnlyList<EpochReport> History, int KeptEpoch, bool StillImproving)
{
    /// <summary>The epochs whose weights the network holds the mean of, best first (<see cref="RecurrentOptions.AveragedEpochs"/>);
    /// empty when it holds <see cref="KeptEpoch"/>'s alone.</summary>
    public IReadOnlyList<int> AveragedEpochs { get; init; } = [];
}

/// <summary>
/// What a fitted recurrent model is: its layers, their weight shapes and parameter counts, and its training history.
/// It is also stored in the ONNX graph's metadata, so <see cref="Onnx.RecurrentModelFile.ReadSummary"/> reads it back from a saved .zip.
/// </summary>
public sealed class RecurrentModelSummary
{
    /// <summary>The key of the ONNX metadata entry that holds the summary.</summary>
    internal const string MetadataKey = "RnnMlNet.Summary";

    /// <summary>Task.</summary>
    public RecurrentTask Task { get; init; }

    /// <summary>Cell, layers and sizes the network was built with.</summary>
    public string Architecture { get; init; } = "";

    /// <summary>Weight groups in network order.</summary>
    public IReadOnlyList<ComponentSummary> Components { get; init; } = [];

    /// <summary>Total trainable parameters (of every network, for an ensemble).</summary>
    public int TotalParameters { get; init; }

    /// <summary>Loss (and validation loss) per epoch; for an ensemble, its first network's (every network's is in <see cref="Members"/>).</summary>
    public IReadOnlyList<EpochReport> History { get; init; } = [];

    /// <summary>The epoch whose weights the model holds: the best one when it holds the mean of several (<see cref="AveragedEpochs"/>).</summary>
    public int KeptEpoch { get; init; }

    /// <summary>The epochs whose weights the model holds the mean of, best first (<see cref="RecurrentOptions.AveragedEpochs"/>;
    /// for an ensemble, its first network's); empty when it holds <see cref="KeptEpoch"/>'s alone, and in summaries saved before
    /// averaging existed.</summary>
    public IReadOnlyList<int> AveragedEpochs { get; init; } = [];

    /// <summary>For an ensemble (<c>EnsembleSize</c> above 1), how each network trained; empty for a single network, which
    /// <see cref="History"/> describes.</summary>
    public IReadOnlyList<MemberSummary> Members { get; init; } = [];

    /// <summary>Whether the validation result (the loss, or a classifier's error rate) was still improving at the last epoch
    /// trained (of any network, for an ensemble): more epochs may give a better model.</summary>
    public bool StillImproving { get; init; }

    /// <summary>Training read each sequence longer than this many steps as a random window of this many, drawn anew each epoch
    /// (<see cref="RecurrentTrainerOptions.TrainingWindow"/>); 0 when it read whole sequences (no sequence was longer, as
    /// counted when the data decided the ensemble or the shape), and in summaries saved before windows existed.</summary>
    public int TrainingWindow { get; init; }

    /// <summary>Whether every training row's length was counted, so that a <see cref="TrainingWindow"/> above 0 says some
    /// sequence was longer; false when the lengths were not counted (only when the data chose the ensemble or the shape are
    /// they), which leaves open whether any sequence was longer, and in summaries saved before this was recorded.</summary>
    public bool TrainingWindowCounted { get; init; }

    /// <summary>How a regressor's label was standardised for training, which the losses in <see cref="History"/> are of (the
    /// model answers in the label's units); null for the other tasks, for a model that trained no epoch, and in summaries
    /// saved before regressors standardised their label.</summary>
    public LabelStandardisation? LabelStandardisation { get; init; }

    /// <summary>How float steps were standardised for training, feature by feature (the model reads them as given); null for
    /// token sequences, for a model that trained no epoch, and in summaries saved before steps were standardised.</summary>
    public StepStandardisation? StepStandardisation { get; init; }

    internal static RecurrentModelSummary Create(RecurrentTask task, IReadOnlyList<RecurrentNetwork<float>> networks, IReadOnlyList<TrainingHistory?> histories, int firstSeed,
        (int Window, bool Counted) trainingWindow, LabelStandardisation? labelStandardisation, StepStandardisation? stepStandardisation)
    {
        var network = networks[0];
        if (!network.HasHead) throw new ArgumentException("A network without a head (HeadKind.None) is not a trained model of its own.", nameof(networks));
        var o = network.Options;
        var components = network.Parameters.Entries
            .GroupBy(p => p.Name.Contains('.') ? p.Name[..p.Name.LastIndexOf('.')] : p.Name)
            .Select(g => new ComponentSummary(g.Key, g.Select(p => p.ToString()).ToList(), g.Sum(p => p.Length)))
            .ToList();
        string input = o.Input switch
        {
            InputKind.EmbeddedTokens => $"tokens V={o.VocabularySize} → embedding E={o.EmbeddingSize}",
            InputKind.OneHotTokens => $"one-hot tokens V={o.VocabularySize}",
            _ => $"{o.FeaturesPerStep} features per step",
        };
        var members = histories.Select((history, k) => Member(history, k + 1)).ToList();
        return new RecurrentModelSummary
        {
            Task = task,
            Architecture = (networks.Count > 1 ? $"ensemble of {networks.Count} networks, each " : "") +
                $"{o.Cell}, {o.Layers} layer(s) of H={o.HiddenSize}{(o.Bidirectional ? ", bidirectional" : "")}, input {input}, " +
                $"{(o.Head == HeadKind.EveryStep ? "every step" : $"{o.Pooling} pooling")}{(o.SideFeatures > 0 ? $", wide part on S={o.SideFeatures} side features" : "")}, {o.Outputs} output(s)",
            Components = components,
            TotalParameters = networks.Sum(n => n.Parameters.Count),
            History = members[0].History,
            KeptEpoch = members[0].KeptEpoch,
            AveragedEpochs = members[0].AveragedEpochs,
            StillImproving = members.Any(m => m.StillImproving),
            TrainingWindow = trainingWindow.Window,
            TrainingWindowCounted = trainingWindow.Counted,
            LabelStandardisation = labelStandardisation,
            StepStandardisation = stepStandardisation,
            Members = networks.Count > 1 ? members.Select((m, k) => m with { Seed = firstSeed + k }).ToList() : [],
        };
    }

    private static MemberSummary Member(TrainingHistory? history, int member) => new(
        0,
        // The gradient-flow record stays out of the saved model: epochs × layers × steps numbers would swell its metadata.
        history?.Epochs.Select(e => e with { GradientFlow = null, Member = member }).ToList() ?? [],
        history?.KeptEpoch ?? 0,
        StillImprovingAtTheEnd(history))
    {
        AveragedEpochs = history is { AveragedEpochs.Count: > 1 } ? history.AveragedEpochs : [],
    };

    /// <summary>Whether the last epoch is kept and validated better than every epoch before it, by its loss or its error
    /// rate. (Kept alone would not do: without early stopping the last epoch is always kept.)</summary>
    private static bool StillImprovingAtTheEnd(TrainingHistory? history)
    {
        if (history is not { Epochs: [.., { ValidationLoss: double loss } last] epochs } || epochs.Count < 2 || history.KeptEpoch != epochs.Count) return false;
        var before = epochs.SkipLast(1).ToList();
        return before.All(e => !(e.ValidationLoss <= loss)) || (last.ValidationErrorRate is double rate && before.All(e => !(e.ValidationErrorRate <= rate)));
    }

    /// <summary>"the weights of epoch 5", or "the mean of the weights of epochs 5, 4 and 6".</summary>
    private static string Kept(int keptEpoch, IReadOnlyList<int> averaged) => averaged.Count > 1
        ? $"the mean of the weights of epochs {string.Join(", ", averaged.SkipLast(1))} and {averaged[^1]}"
        : $"the weights of epoch {keptEpoch}";

    /// <summary>A readable table, its numbers written invariantly (1,344 parameters, loss 0.7055), as in the saved JSON, whatever
    /// the thread's culture.</summary>
    public override string ToString()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return Table();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private string Table()
    {
        var text = new StringBuilder().AppendLine($"{Task}: {Architecture}");
        foreach (var c in Components)
            text.AppendLine($"  {c.Name,-20} {c.Parameters,10:N0}  {string.Join(", ", c.Tensors)}");
        text.AppendLine($"  {(Members.Count > 0 ? $"total, {Members.Count} networks" : "total"),-20} {TotalParameters,10:N0}");
        if (LabelStandardisation is { } z)
            text.AppendLine(FormattableString.Invariant($"  losses are of the label standardised by the training rows' mean {z.Mean:G6} and standard deviation {z.StandardDeviation:G6}"));
        if (StepStandardisation is { } steps)
        {
            text.AppendLine($"  trained on steps standardised feature by feature by the training rows' means and standard deviations ({steps.Mean.Count} features), folded into the first layer");
            var constant = steps.StandardDeviation.Select((sd, f) => (sd, f)).Where(p => p.sd == 0).Select(p => p.f).ToList();
            if (constant.Count > 0)
                text.AppendLine($"  warning: feature(s) {string.Join(", ", constant)} of each step never varied in training, so the model ignores them");
        }
        if (TrainingWindow > 0)
            text.AppendLine(TrainingWindowCounted
                ? $"  trained on random windows of {TrainingWindow} steps of longer sequences, drawn each epoch"
                : $"  set to train on random windows of {TrainingWindow} steps of any longer sequence, drawn each epoch (the rows' lengths were not counted)");
        foreach (var e in History)
            text.AppendLine($"  epoch {e.Epoch,3}: loss {e.TrainingLoss:F4}{(e.ValidationLoss is double v ? $", validation {v:F4}" : "")}" +
                (e.ValidationErrorRate is double rate ? $", validation error rate {rate:P2}" : ""));
        if (History.Count > 0) text.AppendLine($"  kept {Kept(KeptEpoch, AveragedEpochs)}{(Members.Count > 0 ? " (the first network)" : "")}");
        foreach (var (m, k) in Members.Select((m, k) => (m, k)).Skip(1))
            text.AppendLine($"  network {k + 1} (seed {m.Seed}): kept {Kept(m.KeptEpoch, m.AveragedEpochs)} of {m.History.Count}" +
                (m.History.LastOrDefault(e => e.Epoch == m.KeptEpoch) is { } kept ? $", loss {kept.TrainingLoss:F4}" +
                    (kept.ValidationLoss is double v ? $", validation {v:F4}" : "") + (kept.ValidationErrorRate is double rate ? $", validation error rate {rate:P2}" : "") : ""));
        if (StillImproving)
            text.AppendLine("  warning: the validation result was still improving (still falling) at the last epoch" +
                (Members.Count > 0 ? $" of network(s) {string.Join(", ", Members.Select((m, k) => (m, k)).Where(p => p.m.StillImproving).Select(p => p.k + 1))}" : "") +
                "; more epochs may give a better model");
        return text.ToString();
    }

    internal string ToJson() => JsonSerializer.Serialize(this);

    internal static RecurrentModelSummary FromJson(string json) =>
        JsonSerializer.Deserialize<RecurrentModelSummary>(json) ?? throw new InvalidDataException("The model's summary is empty.");
}
