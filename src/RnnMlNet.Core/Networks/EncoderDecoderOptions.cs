using System.Text.Json.Serialization;
using RnnMlNet.Core.Cells;

namespace RnnMlNet.Core.Networks;

/// <summary>Shape of an <see cref="EncoderDecoder{T}"/>. Defaults describe one LSTM layer of 64 units.</summary>
public sealed class EncoderDecoderOptions
{
    /// <summary>Cell of encoder and decoder. Default LSTM.</summary>
    public CellKind Cell { get; set; } = Defaults.Cell;

    /// <summary>Source token ids, including id 0 for unknown tokens.</summary>
    public int SourceVocabularySize { get; set; }

    /// <summary>Target token ids, including the specials 0 (unknown), 1 (start) and 2 (end).</summary>
    public int TargetVocabularySize { get; set; }

    /// <summary>Embedding width of source and target tokens. Default 32.</summary>
    public int EmbeddingSize { get; set; } = Defaults.EncoderDecoderEmbeddingSize;

    /// <summary>Encoder units per direction; the decoder has this many times the encoder's directions. Default 64.</summary>
    public int HiddenSize { get; set; } = Defaults.HiddenSize;

    /// <summary>Layers of encoder and of decoder. Default 1.</summary>
    public int Layers { get; set; } = Defaults.Layers;

    /// <summary>Read the source in both directions. Default false.</summary>
    public bool BidirectionalEncoder { get; set; }

    /// <summary>How the decoder reads the encoder's outputs. Default <see cref="RnnMlNet.Attention.General"/>; 
    /// <see cref="RnnMlNet.Attention.None"/> starts the decoder from the encoder's final state only.</summary>
    public Attention Attention { get; set; } = Defaults.Attention;

    /// <summary>Dropout between layers. Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Variational dropout on the source and target embeddings in training, in [0, 1): one mask per sequence. Default 0.</summary>
    public double InputDropout { get; set; }

    /// <summary>Variational dropout on the last-layer outputs in training, in [0, 1), one mask per sequence: the decoder's
    /// (what the output layer or the attention reads) and, with attention, the encoder's (what attention reads). Default 0.</summary>
    public double OutputDropout { get; set; }

    /// <summary>Initial bias of the LSTM forget gate in the encoder and the decoder (see <see cref="NetworkOptions.ForgetGateBias"/>).
    /// Default 1.</summary>
    public double ForgetGateBias { get; set; } = Defaults.ForgetGateBias;

    /// <summary>Threads for the matrix products. Default: every core. Not written into a saved model's description: the machine
    /// that rebuilds the network uses its own cores.</summary>
    [JsonIgnore]
    public int Threads { get; set; } = Defaults.Threads;
}
