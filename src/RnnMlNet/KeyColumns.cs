using Microsoft.ML;
using Microsoft.ML.Data;
using static Onnx.TensorProto.Types;

namespace RnnMlNet;

/// <summary>
/// Key columns of every width ML.NET makes, read as UInt32 keys: UInt8, UInt16, UInt32 or UInt64 raw values
/// (TokenizeIntoCharactersAsKeys gives UInt16, MapValueToKey UInt32, a [KeyType] property its own type). In an ONNX graph
/// a key column is an input of its own element type.
/// </summary>
internal static class KeyColumns
{
    /// <summary>A getter of the column's key vector as UInt32 keys (sparse slots stay sparse).</summary>
    public static ValueGetter<VBuffer<uint>> VectorGetter(DataViewRow row, DataViewSchema.Column column) => RawType(column.Type) switch
    {
        var t when t == typeof(byte) => Widen<byte>(row, column, k => k),
        var t when t == typeof(ushort) => Widen<ushort>(row, column, k => k),
        var t when t == typeof(ulong) => Widen<ulong>(row, column, Saturate),
        _ => row.GetGetter<VBuffer<uint>>(column),
    };

    /// <summary>A getter of the column's scalar key as a UInt32 key.</summary>
    public static ValueGetter<uint> ScalarGetter(DataViewRow row, DataViewSchema.Column column) => RawType(column.Type) switch
    {
        var t when t == typeof(byte) => Widen<byte>(row.GetGetter<byte>(column), k => k),
        var t when t == typeof(ushort) => Widen<ushort>(row.GetGetter<ushort>(column), k => k),
        var t when t == typeof(ulong) => Widen<ulong>(row.GetGetter<ulong>(column), Saturate),
        _ => row.GetGetter<uint>(column),
    };

    /// <summary>A UInt64 key as UInt32: one past UInt32.MaxValue, which no key type this library reads has as many keys,
    /// reads as UInt32.MaxValue, so the readers refuse it as past the key count, naming the column and row.</summary>
    private static uint Saturate(ulong key) => (uint)Math.Min(key, uint.MaxValue);

    /// <summary>A key read as UInt32, for errors: UInt32.MaxValue may stand for a larger UInt64 key (see <see cref="Saturate"/>).</summary>
    public static string Text(uint key) => key == uint.MaxValue ? $"{key} or more" : $"{key}";

    /// <summary>The ONNX element type of a key column (or of a vector of keys).</summary>
    public static DataType OnnxType(DataViewType type) => RawType(type) switch
    {
        var t when t == typeof(byte) => DataType.Uint8,
        var t when t == typeof(ushort) => DataType.Uint16,
        var t when t == typeof(ulong) => DataType.Uint64,
        _ => DataType.Uint32,
    };

    private static Type RawType(DataViewType type) => (type is VectorDataViewType vector ? vector.ItemType : type).RawType;

    private static ValueGetter<VBuffer<uint>> Widen<TRaw>(DataViewRow row, DataViewSchema.Column column, Func<TRaw, uint> widen)
    {
        var getter = row.GetGetter<VBuffer<TRaw>>(column);
        VBuffer<TRaw> raw = default;
        return (ref VBuffer<uint> keys) =>
        {
            getter(ref raw);
            var values = raw.GetValues();
            var editor = VBufferEditor.Create(ref keys, raw.Length, values.Length);
            for (int i = 0; i < values.Length; i++) editor.Values[i] = widen(values[i]);
            if (!raw.IsDense) raw.GetIndices().CopyTo(editor.Indices);
            keys = editor.Commit();
        };
    }

    private static ValueGetter<uint> Widen<TRaw>(ValueGetter<TRaw> getter, Func<TRaw, uint> widen)
    {
        TRaw raw = default!;
        return (ref uint key) =>
        {
            getter(ref raw);
            key = widen(raw);
        };
    }
}
