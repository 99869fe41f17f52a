using System.Numerics;
using RnnMlNet.Core.Data;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// The wide part of a wide-and-deep network (Cheng et al. 2016): a linear map of each sequence's sparse side features s,
/// added to the head's logits, so the head reads [pooled state | s] through one joint weight matrix. W_s is [S, Out]
/// (the layout of an ONNX MatMul) and starts at zero, so training starts from the deep model alone.
/// <code>
/// y += s·W_s                 ∂W_s[j] += s_j ∂y     (for the non-zero s_j only)
/// </code>
/// A row costs its non-zero slots, not S: n-gram vectors of 10⁶ slots hold a few hundred non-zeros each.
/// </summary>
internal sealed class WideLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;

    public WideLayer(ParameterSet<T> parameters, string prefix, int sideFeatures, int outputSize)
    {
        _parameters = parameters;
        OutputSize = outputSize;
        Weights = parameters.Register(prefix + ".weights", sideFeatures, outputSize);
    }

    public int OutputSize { get; }

    /// <summary>W_s [S, Out].</summary>
    public Parameter Weights { get; }

    /// <summary>Adds s·W_s to each row of <paramref name="logits"/> [B, Out] (the batch's sorted order).</summary>
    public void AddTo(T[] logits, SideFeatures<T>[] side)
    {
        ReadOnlySpan<T> weights = _parameters.Value(Weights);
        for (int row = 0; row < side.Length; row++)
        {
            var y = logits.AsSpan(row * OutputSize, OutputSize);
            var s = side[row];
            for (int k = 0; k < s.Indices.Length; k++)
                for (int o = 0; o < OutputSize; o++)
                    y[o] += s.Values[k] * weights[s.Indices[k] * OutputSize + o];
        }
    }

    /// <summary>Adds ∂W_s for ∂L/∂logits <paramref name="logitsGrad"/> [B, Out].</summary>
    public void Backward(ReadOnlySpan<T> logitsGrad, SideFeatures<T>[] side)
    {
        Span<T> gradient = _parameters.Gradient(Weights);
        for (int row = 0; row < side.Length; row++)
        {
            var dy = logitsGrad.Slice(row * OutputSize, OutputSize);
            var s = side[row];
            for (int k = 0; k < s.Indices.Length; k++)
                for (int o = 0; o < OutputSize; o++)
                    gradient[s.Indices[k] * OutputSize + o] += s.Values[k] * dy[o];
        }
    }
}
