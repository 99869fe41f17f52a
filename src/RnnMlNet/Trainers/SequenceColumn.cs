using Microsoft.ML;
using Microsoft.ML.Data;
using RnnMlNet.Core.Data;
using RnnMlNet.Graphs;

namespace RnnMlNet.Trainers;

/// <summary>Recognises the three layouts a feature column can have, and reads its rows as engine sequences.</summary>
internal static class SequenceColumn
{
    public const string Expected = "a vector of keys (from BuildVocabulary or MapValueToKey), a one-hot sequence (from OneHotSequence), " +
                                   "or a float vector of steps with FeaturesPerStep values per step";

    public const string ExpectedSide = "a float vector of known size (side features, e.g. from FeaturizeText)";

    public static SequenceInput Describe(DataViewSchema schema, string name, int featuresPerStep, int maximumLength, string? sideColumnName) =>
        Describe(schema, name, featuresPerStep) with { MaximumLength = maximumLength, Side = sideColumnName is null ? null : DescribeSide(schema, sideColumnName) };

    private static SideInput DescribeSide(DataViewSchema schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, ExpectedSide);
        return column.Type is VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } v && n == NumberDataViewType.Single
            ? new SideInput(name, v.Size)
            : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {ExpectedSide}.");
    }

    private static SequenceInput Describe(DataViewSchema schema, string name, int featuresPerStep)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        switch (column.Type)
        {
            case VectorDataViewType { ItemType: KeyDataViewType key }:
                if (key.Count is 0 or > int.MaxValue - 1)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' has keys of unknown or huge count ({key.Count}); expected a vocabulary of known size.");
                return new SequenceInput(SequenceInputKind.Keys, name, (int)key.Count, 0, FixedSize: KnownSize(column.Type), KeyType: KeyColumns.OnnxType(key));
            // [T, F] float steps, the (timesteps, features) layout, when FeaturesPerStep says F (a [T, 1] series with the default
            // 1); a one-hot [T, V] otherwise, and always for KeyToVector's output (OneHotSequence's), which marks its slots as categories.
            case VectorDataViewType { ItemType: NumberDataViewType n, Dimensions.Length: 2 } v when n == NumberDataViewType.Single
                && (featuresPerStep > 1 || v.Dimensions[1] == 1) && column.Annotations.Schema.GetColumnOrNull("CategoricalSlotRanges") is null:
                return v.Dimensions[1] == featuresPerStep
                    ? new SequenceInput(SequenceInputKind.Features, name, featuresPerStep, 0, FixedSize: v.Size)
                    : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' has dimensions [{v.Dimensions[0]}, {v.Dimensions[1]}]; FeaturesPerStep is {featuresPerStep}, " +
                        $"so its second dimension was expected to be {featuresPerStep} (float steps of {featuresPerStep} features; a one-hot sequence leaves FeaturesPerStep at 1).");
            case VectorDataViewType { ItemType: NumberDataViewType n, Dimensions.Length: 2 } v when n == NumberDataViewType.Single:
                return new SequenceInput(SequenceInputKind.OneHotSteps, name, v.Dimensions[1], v.Dimensions[0]);
            case VectorDataViewType { ItemType: NumberDataViewType n } v when n == NumberDataViewType.Single:
                if (v.IsKnownSize && v.Size % featuresPerStep != 0)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' has {v.Size} values per row, which do not split into steps of {featuresPerStep} (FeaturesPerStep).");
                return new SequenceInput(SequenceInputKind.Features, name, featuresPerStep, 0, FixedSize: KnownSize(column.Type));
            default:
                throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {Expected}.");
        }
    }

    private static int KnownSize(DataViewType type) => type is VectorDataViewType { IsKnownSize: true } v ? v.Size : 0;

    public static void Check(SchemaShape schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, Expected);
        bool keys = column.IsKey && column.Kind != SchemaShape.Column.VectorKind.Scalar;
        bool floats = !column.IsKey && column.Kind != SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.Single;
        if (!keys && !floats)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {SchemaChecks.Describe(column)}; expected {Expected}.");
    }

    public static void CheckSide(SchemaShape schema, string name)
    {
        var column = SchemaChecks.Find(schema, name, ExpectedSide);
        if (column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {SchemaChecks.Describe(column)}; expected {ExpectedSide}.");
    }

    /// <summary>Engine vocabulary size: key k is token id k, id 0 the unknown token.</summary>
    public static int VocabularySize(SequenceInput input) => input.Width + 1;

    /// <summary>A getter that turns the current row's value into a sequence (its first MaximumLength steps) and the number
    /// of steps the row holds, or throws naming the column and row.</summary>
    public static Func<long, (Sequence<float> Sequence, int Steps)> Reader(DataViewRow row, SequenceInput input)
    {
        var column = row.Schema[input.ColumnName];
        if (input.Kind == SequenceInputKind.Keys)
        {
            var getter = KeyColumns.VectorGetter(row, column);
            VBuffer<uint> keys = default;
            return position =>
            {
                getter(ref keys);
                var tokens = new int[keys.Length];
                // Copy: ML.NET reuses the buffer for the next row. Sparse slots are key 0, the unknown token.
                foreach (var (index, key) in keys.Items())
                    tokens[index] = key <= input.Width ? (int)key
                        : throw new InvalidOperationException($"Column '{input.ColumnName}', row {position}, step {index}: key {KeyColumns.Text(key)} is past the {input.Width} keys of the column's key type.");
                return tokens.Length > 0 ? (Sequence<float>.FromTokens(FirstSteps(tokens, 1, input.MaximumLength)), tokens.Length) : throw Empty(input, position);
            };
        }
        var floats = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> values = default;
        if (input.Kind == SequenceInputKind.OneHotSteps)
        {
            return position =>
            {
                floats(ref values);
                var tokens = new List<int>();
                int lastStep = -1;
                foreach (var (index, value) in values.Items())
                {
                    if (value == 0) continue;
                    int step = index / input.Width;
                    if (value != 1 || step == lastStep)
                        throw new InvalidOperationException($"Column '{input.ColumnName}', row {position}, step {step}: expected one-hot rows (a single 1 per step), found {value} at slot {index % input.Width} " +
                            $"(a [T, V] float column is read as a one-hot sequence; for float steps of V features, set FeaturesPerStep to V).");
                    lastStep = step;
                    tokens.Add(index % input.Width + 1);
                }
                return tokens.Count > 0 ? (Sequence<float>.FromTokens(FirstSteps(tokens.ToArray(), 1, input.MaximumLength)), tokens.Count) : throw Empty(input, position);
            };
        }
        return position =>
        {
            floats(ref values);
            var dense = new float[values.Length];
            values.CopyTo(dense);
            if (dense.Length == 0) throw Empty(input, position);
            if (dense.Length % input.Width != 0)
                throw new InvalidOperationException($"Column '{input.ColumnName}', row {position}: {dense.Length} values do not split into steps of {input.Width} (FeaturesPerStep).");
            int bad = Array.FindIndex(dense, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidOperationException($"Column '{input.ColumnName}', row {position}, step {bad / input.Width}: value {dense[bad]} is not a finite number.");
            return (Sequence<float>.FromFeatures(FirstSteps(dense, input.Width, input.MaximumLength), input.Width), dense.Length / input.Width);
        };
    }

    /// <summary>A getter that adds the current row's side features to its sequence (sparse slots stay sparse), or throws naming
    /// the column and row.</summary>
    public static Func<long, Sequence<float>, Sequence<float>> SideReader(DataViewRow row, SideInput side)
    {
        var getter = row.GetGetter<VBuffer<float>>(row.Schema[side.ColumnName]);
        VBuffer<float> values = default;
        return (position, sequence) =>
        {
            getter(ref values);
            var indices = new List<int>();
            var nonZero = new List<float>();
            foreach (var (index, value) in values.Items())
            {
                if (!float.IsFinite(value))
                    throw new InvalidOperationException($"Column '{side.ColumnName}', row {position}, slot {index}: value {value} is not a finite number.");
                if (value == 0) continue;
                indices.Add(index);
                nonZero.Add(value);
            }
            return sequence.WithSide(new SideFeatures<float>(indices.ToArray(), nonZero.ToArray()));
        };
    }

    /// <summary>The first <paramref name="maximumLength"/> steps of <paramref name="width"/> values each; all of them when 0.</summary>
    private static T[] FirstSteps<T>(T[] steps, int width, int maximumLength) =>
        maximumLength > 0 && steps.Length > maximumLength * width ? steps[..(maximumLength * width)] : steps;

    private static InvalidOperationException Empty(SequenceInput input, long position) =>
        new($"Column '{input.ColumnName}', row {position}: the sequence is empty; every row needs at least one step.");
}
