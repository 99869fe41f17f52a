namespace RnnMlNet.Trainers;

/// <summary>The ML.NET task a recurrent trainer solves, which fixes its label column type and output columns.</summary>
public enum RecurrentTask
{
    /// <summary>Boolean label; Score, Probability, PredictedLabel.</summary>
    BinaryClassification,

    /// <summary>Key label; Score vector, PredictedLabel key.</summary>
    MulticlassClassification,

    /// <summary>Single label; Score.</summary>
    Regression,

    /// <summary>One key label per step; PredictedLabel key vector aligned with the input, Score of T × C probabilities.</summary>
    SequenceTagging,
}
