namespace RnnMlNet.Core.Layers;

/// <summary>Work buffers that grow to the largest batch seen and are then reused: no allocation per batch or per step.</summary>
internal static class Buffers
{
    public static T[] Ensure<T>(ref T[]? buffer, long size)
    {
        if (buffer is null || buffer.Length < size)
            buffer = size <= Array.MaxLength ? new T[size]
                : throw new InvalidOperationException(FormattableString.Invariant($"A work buffer of {size:N0} values is more than one array holds ") +
                    FormattableString.Invariant($"({Array.MaxLength:N0}): lower BatchSize, set MaximumLength to cut long sequences, or lower HiddenSize or the vocabulary's size."));
        return buffer;
    }
}
