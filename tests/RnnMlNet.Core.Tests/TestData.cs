using RnnMlNet.Core.Data;
using RnnMlNet.Core.Networks;

namespace RnnMlNet.Core.Tests;

/// <summary>Small seeded inputs shared by the tests.</summary>
internal static class TestData
{
    /// <summary>Ragged lengths in an unsorted order, so the batch's sorting is exercised too.</summary>
    public static readonly int[] RaggedLengths = [3, 5, 1, 4];

    /// <summary>A random sequence of the network's input kind, with a few random side features when the network has a wide part.</summary>
    public static Sequence<T> RandomSequence<T>(NetworkOptions options, int length, Random random)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var sequence = options.Input == InputKind.Features
            ? Sequence<T>.FromFeatures(RandomArray<T>(length * options.FeaturesPerStep, random), options.FeaturesPerStep)
            : Sequence<T>.FromTokens(Enumerable.Range(0, length).Select(_ => random.Next(options.VocabularySize)).ToArray());
        if (options.SideFeatures == 0) return sequence;
        int[] slots = Enumerable.Range(0, options.SideFeatures).Where(_ => random.Next(3) == 0).ToArray();
        return sequence.WithSide(new SideFeatures<T>(slots, RandomArray<T>(slots.Length, random)));
    }

    public static T[] RandomArray<T>(int length, Random random, double scale = 1)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 2 - 1) * scale)).ToArray();

    /// <summary>Perturbs every weight so that tests do not depend on initial values such as zero biases.</summary>
    public static void Jitter<T>(RecurrentNetwork<T> network, Random random, double scale = 0.3)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var values = network.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] += T.CreateChecked((random.NextDouble() * 2 - 1) * scale);
    }
}
