using System.Numerics;
using RnnMlNet.Core.Maths;
using RnnMlNet.Core.Parameters;

namespace RnnMlNet.Core.Layers;

/// <summary>
/// The output head: logits y = x·W + b, with W [In, Out] and b [Out] (the layout of an ONNX MatMul + Add).
/// <code>
/// ∂W = xᵀ·∂y      ∂b = Σ_rows ∂y      ∂x = ∂y·Wᵀ
/// </code>
/// </summary>
internal sealed class DenseLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;
    private T[]? _output, _inputGrad;
    private T[] _input = Array.Empty<T>();
    private int _rows;

    public DenseLayer(ParameterSet<T> parameters, string prefix, int inputSize, int outputSize)
    {
        _parameters = parameters;
        InputSize = inputSize;
        OutputSize = outputSize;
        Weights = parameters.Register(prefix + ".weights", inputSize, outputSize);
        Bias = parameters.Register(prefix + ".bias", outputSize);
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    public Parameter Weights { get; }

    public Parameter Bias { get; }

    /// <summary>Logits for <paramref name="rows"/> rows of <paramref name="input"/>, which must stay unchanged until backward.</summary>
    public T[] Forward(T[] input, int rows, int threads)
    {
        _input = input;
        _rows = rows;
        var output = Buffers.Ensure(ref _output, (long)rows * OutputSize);
        ReadOnlySpan<T> bias = _parameters.Value(Bias);
        for (int r = 0; r < rows; r++)
            bias.CopyTo(output.AsSpan(r * OutputSize, OutputSize));
        Gemm.AddProduct(input.AsSpan(0, rows * InputSize), _parameters.Value(Weights), output.AsSpan(0, rows * OutputSize), rows, InputSize, OutputSize, threads);
        return output;
    }

    public T[] Backward(ReadOnlySpan<T> outputGrad, int threads)
    {
        int rows = _rows;
        Gemm.AddProductTransposedA(_input.AsSpan(0, rows * InputSize), outputGrad, _parameters.Gradient(Weights), rows, InputSize, OutputSize, threads);
        Gemm.AddColumnSums(outputGrad, _parameters.Gradient(Bias), rows, OutputSize);
        var inputGrad = Buffers.Ensure(ref _inputGrad, (long)rows * InputSize);
        inputGrad.AsSpan(0, rows * InputSize).Clear();
        Gemm.AddProductTransposedB(outputGrad, _parameters.Value(Weights), inputGrad.AsSpan(0, rows * InputSize), rows, OutputSize, InputSize, threads);
        return inputGrad;
    }
}
