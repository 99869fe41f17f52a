using EngineDefaults = RnnMlNet.Core.Defaults;

namespace RnnMlNet;

/// <summary>
/// Every default of RnnMlNet's estimator options, in one table (ML.NET's <c>Defaults</c> convention). The option classes and
/// the catalog methods read these; where a default is the engine's own, it refers to the engine's table instead of
/// declaring it again. The classifiers and the tagger start small and cautious
/// (per-row labels, many rows); the text models, which predict a token at every step, default to a larger state and a
/// faster rate.
/// </summary>
internal static class RecurrentDefaults
{
    // Architecture
    public const CellKind Cell = EngineDefaults.Cell;
    public const int Layers = EngineDefaults.Layers;
    public const double Dropout = 0;
    public const bool TaggerBidirectional = true;
    public const double ForgetGateBias = EngineDefaults.ForgetGateBias;
    /// <summary>Pooling for longer token sequences (sentences, documents): measured on names and spam (README, "Defaults that train well, and how they compare").
    /// Numeric steps (time series), whose last step matters most, read the final states.</summary>
    public const Pooling TokenPooling = Pooling.Attention;
    public const Pooling StepPooling = Pooling.Last;
    /// <summary>Short token sequences (names, words, codes: at most <see cref="ShortSequenceSteps"/> steps on average) are read
    /// by max pooling over a wider state. On names (about 6 characters), 91.09 % against 89.08 % for attention over 64 units,
    /// and better on a second split too (90.85 % against 89.87 %, the mean of two seeds, scratch runs); max pooling over 64
    /// units gave 89.57 %, attention over 128 units 89.08 % (scratch run, default seed). On spam's documents (about 500
    /// words) max pooling lost 1.3 points (scratch run), so they keep attention (README, "Defaults that train well").</summary>
    public const Pooling ShortTokenPooling = Pooling.Max;
    public const int ShortSequenceHiddenSize = 128;
    public const int ShortSequenceSteps = 20;
    /// <summary>Hidden units where the data chooses nothing: the tagger's, and an automatic size otherwise.</summary>
    public const int HiddenSize = EngineDefaults.HiddenSize;

    // Training
    public const int Epochs = EngineDefaults.Epochs;
    public const int BatchSize = EngineDefaults.BatchSize;
    /// <summary>Gradient steps automatic epochs make at least: 1,000 for token sequences (the teaching example learned
    /// perfectly; names and spam stop early on their hold-out well before), 8,000 for float steps, which hold nothing out
    /// (births: RMSE 737 after 1,000 steps, 676 after 4,000, 592 after 8,000; SDCA 672).</summary>
    public const int TokenMinimumSteps = 1_000;
    public const int StepMinimumSteps = 8_000;
    public const int AutomaticValidationRows = 1_000;
    public const double AutomaticValidationFraction = 0.1;
    public const int AutomaticPatience = 3;
    /// <summary>Wide and deep keeps the mean of its three best epochs' weights: 98.99 % and 98.80 % on spam's two splits'
    /// whole messages against 98.83 % and 98.63 % for the best epoch alone (two networks; with the training window, 99.16 %
    /// and 98.88 % against 99.24 % and 98.97 %), 90.24 % against 90.12 % on names; the LSTM alone
    /// gained nothing or lost by it (98.74 % against 98.74 % and 98.37 % against 98.45 % on spam, 90.90 % against 91.09 % on
    /// names), so it keeps its best epoch (README, "Wide and deep").</summary>
    public const int WideAndDeepAveragedEpochs = 3;
    /// <summary>The classifiers and the regressor train on random windows of this many tokens of longer token sequences
    /// (documents), and score whole ones. On spam's messages (534 tokens on average, up to 24,715), the default LSTM scored
    /// 99.50 % and 98.88 % on the two splits in 128 s each, against 98.74 % and 98.45 % in 301 and 328 s reading whole
    /// messages (SDCA 98.15 % and 98.45 %). The size was chosen on wide and deep with a prototype (seed 0): 128, 256 and 512
    /// tokens scored 99.08 % and 98.88 %, 99.50 % and 98.80 %, 99.66 % and 98.45 %, whole messages 98.99 % and 98.80 %
    /// (README, "Defaults that train well").</summary>
    public const int TokenTrainingWindow = 256;
    /// <summary>Automatic ensembles (1,000 rows or more) train as many members, up to
    /// <see cref="AutomaticEnsembleSize"/>, as make at most this many trained steps per epoch together (each row's tokens up to
    /// the training window, or its float steps): names (about 39,000 steps) gets 5 networks in seconds, births' 2,893
    /// windows of 28 days (81,000) 5 in about a minute, truecasing's word tagger (about 436,000) 5
    /// in two to four minutes by the load, spam's 4,754 training messages (2.5 million tokens, 860,000 of them within the training
    /// window) two. Five members gained 3.1 points of accuracy over one on names and 0.004 of upper-case F1 on truecasing; two gained 0.4
    /// and 0.3 points on the spam sample's first 256 tokens, with the corpus's repeated messages (README, "Defaults that train well").
    /// On births, one default LSTM scored RMSE 553 to 721 over seeds 1 to 4 (with and without the steps' standardisation,
    /// a mean of 615), five 565 to 581 (mean 573). At 500,000, truecasing and the spam sample trained one.</summary>
    public const long EnsembleStepBudget = 2_500_000;
    public const int AutomaticEnsembleSize = 5;
    /// <summary>Automatic ensembles train two networks at least, past the budget too: one network reading spam's whole
    /// messages scored 98.11 %, 97.34 % and 98.45 % with seeds 0 to 2 on the second split (SDCA 98.45 %), two 98.45 % and
    /// 98.80 % with seeds 0 and 1, then 2 and 3 (README, "Defaults that train well"); at about twice one network's time
    /// one after the other (306 s against 130 s and 139 s there, one scratch run), 1.3 to 1.4 times side by side on two cores
    /// (112 s against 79 s and 88 s for each of the two alone, wide and deep on spam's second split, scratch runs), which
    /// <c>EnsembleSize = 1</c> takes back.</summary>
    public const int AutomaticMinimumEnsembleSize = 2;
    public const int MaximumEnsembleSize = 32;
    public const double ClipNorm = EngineDefaults.ClipNorm;
    public const double DivergenceFactor = EngineDefaults.DivergenceFactor;
    public const int ShuffleBufferSize = EngineDefaults.ShuffleBufferSize;
    public const int Seed = 0;
    public const string CheckpointFileName = "rnnmlnet.checkpoint";

    // Columns
    public const string LabelColumnName = "Label";
    public const string FeatureColumnName = "Features";
    public const int FeaturesPerStep = EngineDefaults.FeaturesPerStep;

    /// <summary>The sizes and rate that differ between the classifiers (and tagger) and the text models.</summary>
    public sealed record Family(int EmbeddingSize, int? HiddenSize, double LearningRate);

    // 2e-3 rather than the engine's 1e-3: measured with the quality benchmark, no worse on names, spam or births, better on births.
    public static readonly Family Classifier = new(EmbeddingSize: 64, HiddenSize: null, LearningRate: 2e-3);
    public static readonly Family TextModel = new(EmbeddingSize: EngineDefaults.EncoderDecoderEmbeddingSize, HiddenSize: 128, LearningRate: 3e-3);

    // Text models
    public const string TextColumnName = "Text";
    public const string PromptColumnName = "Prompt";
    public const string GeneratedColumnName = "Generated";
    public const string InputColumnName = "Input";
    public const string TargetColumnName = "Target";
    public const string OutputColumnName = "Output";
    public const int MaximumVocabularySize = 20_000;
    public const double GeneratorValidationFraction = 0.1;
    public const int GeneratorMaximumLength = 30;
    public const float GeneratorTemperature = 1;
    public const int SequenceToSequenceMaximumLength = 50;
    public const int BeamWidth = 1;
    public const double LengthPenalty = 1;
    public const Attention SequenceToSequenceAttention = Core.Defaults.Attention;
}
