using Microsoft.ML;
using Microsoft.ML.Data;

namespace RnnMlNet.Tests;

/// <summary>Small seeded data sets whose labels depend on order, so only a model with memory gets them right.</summary>
internal static class SyntheticData
{
    public const int Vocabulary = 8;

    public sealed class TokenRow
    {
        [KeyType(Vocabulary)]
        public uint[] Tokens { get; set; } = [];

        /// <summary>Binary: a 3 comes before a 5.</summary>
        public bool Label { get; set; }

        /// <summary>Multiclass: how many 4s, capped at 2. LoadFromEnumerable reads a scalar key's raw value 0-based (0 → key 1).</summary>
        [KeyType(3)]
        public uint Class { get; set; }

        /// <summary>Regression: the position of the first 3 divided by the length, or 1.</summary>
        public float Value { get; set; }
    }

    public sealed class StepRow
    {
        /// <summary>Two features per step.</summary>
        public float[] Steps { get; set; } = [];

        /// <summary>Binary: the first step's first feature is positive.</summary>
        public bool Label { get; set; }

        /// <summary>Regression: the first feature of the first step.</summary>
        public float Value { get; set; }
    }

    public static TokenRow[] TokenRows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var tokens = Enumerable.Range(0, random.Next(2, 9)).Select(_ => (uint)random.Next(1, Vocabulary + 1)).ToArray();
            int three = Array.IndexOf(tokens, 3u), five = Array.LastIndexOf(tokens, 5u);
            return new TokenRow
            {
                Tokens = tokens,
                Label = three >= 0 && five > three,
                Class = (uint)Math.Min(2, tokens.Count(t => t == 4)),
                Value = three >= 0 ? (float)three / tokens.Length : 1f,
            };
        }).ToArray();
    }

    /// <summary><paramref name="count"/> rows of <paramref name="length"/> random tokens, for tests of sizes rather than of
    /// learning. The label is whether a 3 comes before the first 5: about half the rows at any length, where "before a 5"
    /// would be almost every long row.</summary>
    public static TokenRow[] FixedLengthRows(int count, int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var tokens = Enumerable.Range(0, length).Select(_ => (uint)random.Next(1, Vocabulary + 1)).ToArray();
            int three = Array.IndexOf(tokens, 3u), five = Array.IndexOf(tokens, 5u);
            return new TokenRow { Tokens = tokens, Label = three >= 0 && (five < 0 || three < five) };
        }).ToArray();
    }

    public static StepRow[] StepRows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var steps = Enumerable.Range(0, 2 * random.Next(2, 8)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new StepRow { Steps = steps, Label = steps[0] > 0, Value = steps[0] };
        }).ToArray();
    }

    public static IDataView Load<TRow>(MLContext ml, IEnumerable<TRow> rows) where TRow : class => ml.Data.LoadFromEnumerable(rows);
}
