namespace RnnMlNet.Core;

/// <summary>
/// The engine's defaults, declared once: <see cref="Networks.NetworkOptions"/>, <see cref="Networks.EncoderDecoderOptions"/>
/// and <see cref="Training.TrainingOptions"/> read them, and the ML.NET estimators' table (RecurrentDefaults) refers to them
/// wherever the two agree.
/// </summary>
internal static class Defaults
{
    // Architecture
    public const CellKind Cell = CellKind.Lstm;
    public const int HiddenSize = 64;
    public const int Layers = 1;
    public const int EncoderDecoderEmbeddingSize = 32;
    public const int FeaturesPerStep = 1;
    public const Pooling SequencePooling = Pooling.Last;
    public const Attention Attention = RnnMlNet.Attention.General;
    /// <summary>The LSTM forget gate's initial bias: f = σ(1) ≈ 0.73, so a new cell starts by remembering.</summary>
    public const double ForgetGateBias = 1.0;

    /// <summary>Every core: results do not depend on the thread count, only the speed does.</summary>
    public static int Threads => Environment.ProcessorCount;

    // Training
    public const int Epochs = 10;
    public const int BatchSize = 32;
    public const double LearningRate = 1e-3;
    public const double ClipNorm = 5;
    public const double DivergenceFactor = 10;
    public const int ShuffleBufferSize = 10_000;
}
