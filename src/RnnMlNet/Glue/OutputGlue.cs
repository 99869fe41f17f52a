using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace RnnMlNet.Glue;

// Stateless CustomMapping glue between the ONNX graph's [1, 1] outputs and the scalar columns ML.NET's evaluators read.
// A saved model stores only the contract names below; ML.NET finds these factories by assembly name when it loads.

/// <summary>Columns the ONNX graph produces for the glue to read. Temporary: dropped at the end of the chain.</summary>
internal static class GlueColumns
{
    /// <summary>Binary logit, [1, 1].</summary>
    public const string Logit = "RnnMlNet.Logit";

    /// <summary>Regression prediction, [1, 1].</summary>
    public const string Prediction = "RnnMlNet.Prediction";

    /// <summary>Multiclass predicted label as text, [1, 1].</summary>
    public const string PredictedLabelText = "RnnMlNet.PredictedLabelText";

    /// <summary>Multiclass predicted label as a scalar text, before it becomes a key.</summary>
    public const string PredictedLabelValue = "RnnMlNet.PredictedLabelValue";
}

/// <summary>Input of the binary glue.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BinaryLogit
{
    /// <summary>The logit.</summary>
    [ColumnName(GlueColumns.Logit), VectorType(1)]
    public float[] Logit { get; set; } = [];
}

/// <summary>ML.NET's binary classification columns.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BinaryOutputs
{
    /// <summary>The logit, as ML.NET's binary trainers give it.</summary>
    public float Score { get; set; }

    /// <summary>σ(Score).</summary>
    public float Probability { get; set; }

    /// <summary>Score &gt; 0.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>Maps a logit to Score, Probability and PredictedLabel.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class BinaryOutputsFactory : CustomMappingFactory<BinaryLogit, BinaryOutputs>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.BinaryOutputs";

    /// <summary>The mapping.</summary>
    public static void Map(BinaryLogit input, BinaryOutputs output)
    {
        float logit = input.Logit[0];
        output.Score = logit;
        output.Probability = 1f / (1f + MathF.Exp(-logit));
        output.PredictedLabel = logit > 0;
    }

    /// <inheritdoc />
    public override Action<BinaryLogit, BinaryOutputs> GetMapping() => Map;
}

/// <summary>Input of the regression glue.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RegressionPrediction
{
    /// <summary>The prediction.</summary>
    [ColumnName(GlueColumns.Prediction), VectorType(1)]
    public float[] Prediction { get; set; } = [];
}

/// <summary>ML.NET's regression column.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RegressionOutputs
{
    /// <summary>The predicted value.</summary>
    public float Score { get; set; }
}

/// <summary>Maps the prediction to Score.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RegressionOutputsFactory : CustomMappingFactory<RegressionPrediction, RegressionOutputs>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.RegressionOutputs";

    /// <summary>The mapping.</summary>
    public static void Map(RegressionPrediction input, RegressionOutputs output) => output.Score = input.Prediction[0];

    /// <inheritdoc />
    public override Action<RegressionPrediction, RegressionOutputs> GetMapping() => Map;
}

/// <summary>Input of the multiclass glue.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PredictedLabelText
{
    /// <summary>The predicted class name.</summary>
    [ColumnName(GlueColumns.PredictedLabelText), VectorType(1)]
    public string[] Text { get; set; } = [];
}

/// <summary>The predicted class name as a scalar, which ML.NET's ValueToKey then turns into the PredictedLabel key.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PredictedLabelValue
{
    /// <summary>The predicted class name.</summary>
    [ColumnName(GlueColumns.PredictedLabelValue)]
    public string Value { get; set; } = "";
}

/// <summary>Takes the class name out of its one-element vector.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class PredictedLabelValueFactory : CustomMappingFactory<PredictedLabelText, PredictedLabelValue>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.PredictedLabelValue";

    /// <summary>The mapping.</summary>
    public static void Map(PredictedLabelText input, PredictedLabelValue output) => output.Value = input.Text[0];

    /// <inheritdoc />
    public override Action<PredictedLabelText, PredictedLabelValue> GetMapping() => Map;
}
