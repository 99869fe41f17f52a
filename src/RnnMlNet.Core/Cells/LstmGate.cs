namespace RnnMlNet.Core.Cells;

/// <summary>Positions of the LSTM gate blocks inside a [4H] row: the ONNX operator's order i, o, f, c.</summary>
public static class LstmGate
{
    /// <summary>Input gate i.</summary>
    public const int Input = 0;

    /// <summary>Output gate o.</summary>
    public const int Output = 1;

    /// <summary>Forget gate f.</summary>
    public const int Forget = 2;

    /// <summary>Candidate C̃ (the "c" block).</summary>
    public const int Candidate = 3;
}
