namespace RnnMlNet.Core.Layers;

/// <summary>Work buffers that grow to the largest batch seen and are then reused: no allocation per batch or per step.</summary>
internal static class Buffers
{
    public static T[] Ensure<T>(ref T[]? buffer, long size)
    {
        if (buffer is null || buffer.Length < size)
            buffer = new T[checked((int)size)];
        return buffer;
    }
}
