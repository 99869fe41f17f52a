using System.Text.Json.Serialization;
using RnnMlNet.Core.Cells;

namespace RnnMlNet.Core.Networks;

/// <summary>How sequences enter the first recurrent layer.</summary>
public enum InputKind
{
    /// <summary>Token ids over a vocabulary of V, as one-hot vectors (never materialised: a one-hot row times W_i is a row gather).</summary>
    OneHotTokens,

    /// <summary>Token ids looked up in a trained embedding table [V, E].</summary>
    EmbeddedTokens,

    /// <summary>F numeric features per step (time series, sensor data).</summary>
    Features,
}

/// <summary>Where the dense output head reads from.</summary>
public enum HeadKind
{
    /// <summary>Many-to-one: the last layer's final hidden state (both directions' for a bidirectional layer).</summary>
    LastHidden,

    /// <summary>Many-to-many: every step of the last layer's output.</summary>
    EveryStep,

    /// <summary>No head: the output is the last layer's output at every step, D·H values per step (for a network whose
    /// output layer lives outside it, such as an attentional decoder, or an encoder read by attention).</summary>
    None,
}

/// <summary>The shape of a recurrent network. Defaults describe a one-layer LSTM of 64 units with one output.</summary>
public sealed class NetworkOptions
{
    /// <summary>Cell of every recurrent layer. Default <see cref="CellKind.Lstm"/>.</summary>
    public CellKind Cell { get; set; } = Defaults.Cell;

    /// <summary>Input kind. Default <see cref="InputKind.Features"/>.</summary>
    public InputKind Input { get; set; } = InputKind.Features;

    /// <summary>V: number of token ids, for token input.</summary>
    public int VocabularySize { get; set; }

    /// <summary>E: embedding width, for <see cref="InputKind.EmbeddedTokens"/>.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>F: values per step, for <see cref="InputKind.Features"/>. Default 1.</summary>
    public int FeaturesPerStep { get; set; } = Defaults.FeaturesPerStep;

    /// <summary>H: hidden units per direction. Default 64.</summary>
    public int HiddenSize { get; set; } = Defaults.HiddenSize;

    /// <summary>Number of stacked recurrent layers. Default 1.</summary>
    public int Layers { get; set; } = Defaults.Layers;

    /// <summary>Whether each layer also reads the sequence backwards. Default false.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Dropout rate between recurrent layers, in [0, 1): variational, one mask per sequence shared by all its steps
    /// (Gal &amp; Ghahramani). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Variational dropout on the first layer's input in training, in [0, 1): one mask per sequence over the
    /// embedding's (or the numeric steps') features, the same at every step. Not for one-hot input, whose token-level
    /// counterpart is <see cref="WordDropout"/>. Default 0.</summary>
    public double InputDropout { get; set; }

    /// <summary>Variational dropout on the last layer's output in training, in [0, 1): one mask per sequence over the units
    /// the head (or the pooling) reads, the same at every step. Default 0.</summary>
    public double OutputDropout { get; set; }

    /// <summary>Where the head reads from. Default <see cref="HeadKind.LastHidden"/>.</summary>
    public HeadKind Head { get; set; } = HeadKind.LastHidden;

    /// <summary>Word dropout in training, in [0, 1): each token id of a sequence is dropped with this probability, at every
    /// step where it occurs (the step then reads nothing: x_t = 0, and no gradient reaches its weights), so the network cannot
    /// lean on a few words (Iyyer et al. 2015; per word type as in AWD-LSTM, without rescaling, since a step reads one word
    /// or none). For token input only. Default 0.</summary>
    public double WordDropout { get; set; }

    /// <summary>How a many-to-one network (<see cref="HeadKind.LastHidden"/>) pools its last layer over the steps. Default
    /// <see cref="RnnMlNet.Pooling.Last"/>: the final hidden states.</summary>
    public Pooling Pooling { get; set; } = Defaults.SequencePooling;

    /// <summary>S: slots of the sparse side features each sequence carries (<see cref="Data.Sequence{T}.Side"/>), read by a
    /// linear wide part whose output adds to the head's logits (wide and deep). For a many-to-one head only. Default 0 (none).</summary>
    public int SideFeatures { get; set; }

    /// <summary>Number of head outputs (logits). Default 1.</summary>
    public int Outputs { get; set; } = 1;

    /// <summary>PyTorch's parameterisation of SimpleRNN and LSTM: two bias vectors per gate (b_ih and b_hh, exported as
    /// ONNX's Wb and Rb) instead of their sum. The network computes the same function, but each step of an optimizer moves
    /// both, so training from PyTorch's weights takes PyTorch's steps; use it to fine-tune an imported PyTorch model (its
    /// trainer options set it). GRU always keeps both. Default false.</summary>
    public bool SeparateBiases { get; set; }

    /// <summary>Initial bias of the LSTM forget gate. Default 1, so a new cell starts by remembering; raise it
    /// (e.g. to 3, f ≈ 0.95) when the signal lies a hundred steps or more back.</summary>
    public double ForgetGateBias { get; set; } = Defaults.ForgetGateBias;

    /// <summary>Threads used by the matrix products. Default: every core. Results do not depend on it, and it may change between
    /// steps. Not written into a saved model's description: the machine that rebuilds the network uses its own cores.</summary>
    [JsonIgnore]
    public int Threads { get; set; } = Defaults.Threads;

    /// <summary>Values per output row: <see cref="Outputs"/>, or D·H for a network without a head.</summary>
    public int OutputWidth => Head == HeadKind.None ? (Bidirectional ? 2 : 1) * HiddenSize : Outputs;

    /// <summary>Width of one step entering the first recurrent layer.</summary>
    public int InputWidth => Input switch
    {
        InputKind.OneHotTokens => VocabularySize,
        InputKind.EmbeddedTokens => EmbeddingSize,
        _ => FeaturesPerStep,
    };

    /// <summary>The widest hidden state the options take: four gates of it still fit an int.</summary>
    internal const int MaximumHiddenSize = 1 << 24;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        OptionChecks.Require(Enum.IsDefined(Cell), nameof(Cell), Cell, "SimpleRnn, Lstm or Gru");
        OptionChecks.Require(Enum.IsDefined(Head), nameof(Head), Head, "LastHidden, EveryStep or None");
        OptionChecks.Require(Enum.IsDefined(Input), nameof(Input), Input, "OneHotTokens, EmbeddedTokens or Features");
        if (Input != InputKind.Features) OptionChecks.Require(VocabularySize >= 1, nameof(VocabularySize), VocabularySize, "at least 1 for token input");
        if (Input == InputKind.EmbeddedTokens) OptionChecks.Require(EmbeddingSize >= 1, nameof(EmbeddingSize), EmbeddingSize, "at least 1 for embedded tokens");
        if (Input == InputKind.Features) OptionChecks.Require(FeaturesPerStep >= 1, nameof(FeaturesPerStep), FeaturesPerStep, "at least 1 for numeric input");
        // Far past any that fits (whose weights are refused, with their count, when made), and short of overflowing the gates' width.
        OptionChecks.Require(HiddenSize is >= 1 and <= MaximumHiddenSize, nameof(HiddenSize), HiddenSize, FormattableString.Invariant($"from 1 to {MaximumHiddenSize:N0}"));
        OptionChecks.Require(Layers >= 1, nameof(Layers), Layers, "at least 1");
        OptionChecks.Require(Dropout >= 0 && Dropout < 1, nameof(Dropout), Dropout, "a rate in [0, 1)");
        OptionChecks.Require(WordDropout >= 0 && WordDropout < 1, nameof(WordDropout), WordDropout, "a rate in [0, 1)");
        OptionChecks.Require(InputDropout >= 0 && InputDropout < 1, nameof(InputDropout), InputDropout, "a rate in [0, 1)");
        OptionChecks.Require(InputDropout == 0 || Input != InputKind.OneHotTokens, nameof(InputDropout), InputDropout, "0 for one-hot input (WordDropout drops tokens)");
        OptionChecks.Require(OutputDropout >= 0 && OutputDropout < 1, nameof(OutputDropout), OutputDropout, "a rate in [0, 1)");
        OptionChecks.Require(WordDropout == 0 || Input != InputKind.Features, nameof(WordDropout), WordDropout, "0 for numeric input (it drops token ids)");
        OptionChecks.Require(Enum.IsDefined(Pooling), nameof(Pooling), Pooling, "Last, Mean, Max or Attention");
        OptionChecks.Require(Pooling == Pooling.Last || Head == HeadKind.LastHidden, nameof(Pooling), Pooling, "Last for a head on every step (pooling is for many-to-one)");
        OptionChecks.Require(SideFeatures >= 0, nameof(SideFeatures), SideFeatures, "0 (none) or more");
        OptionChecks.Require(SideFeatures == 0 || Head == HeadKind.LastHidden, nameof(SideFeatures), SideFeatures, "0 for a head on every step (side features describe a whole sequence)");
        OptionChecks.Require(Outputs >= 1, nameof(Outputs), Outputs, "at least 1");
        OptionChecks.Require(double.IsFinite(ForgetGateBias), nameof(ForgetGateBias), ForgetGateBias, "a finite value");
        OptionChecks.Require(Threads >= 1, nameof(Threads), Threads, "at least 1");
    }

    /// <summary>The forget gate's initial bias as a checkpoint's fingerprint names it: empty at the default, and for cells
    /// without a forget gate, so checkpoints written before the setting existed still resume.</summary>
    internal string ForgetGateBiasSetting =>
        Cell == CellKind.Lstm && ForgetGateBias != Defaults.ForgetGateBias ? FormattableString.Invariant($"|forget gate bias {ForgetGateBias:R}") : "";

    /// <summary>A copy, so a network's shape cannot change under it.</summary>
    public NetworkOptions Clone() => (NetworkOptions)MemberwiseClone();
}
