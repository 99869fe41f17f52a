using System.Numerics;
using RnnMlNet.Core.Data;

namespace RnnMlNet.Core.Networks;

/// <summary>
/// Networks of one shape trained apart (with other seeds, so other initial weights, shuffles, dropout masks and hold-outs)
/// that predict together: their logits are averaged. One network's accuracy moves by about a point from seed to seed on a
/// small task; the average of a few is steadier and better than a typical member (on names, five members gained about two
/// points over one). The mean of the logits is the mean of a regressor's predictions, and for a classifier the normalised
/// geometric mean of the members' probabilities.
/// </summary>
public sealed class RecurrentEnsemble<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <param name="members">At least one network with a head, all with the same outputs and head.</param>
    public RecurrentEnsemble(IReadOnlyList<RecurrentNetwork<T>> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new ArgumentException("An ensemble needs at least one network.", nameof(members));
        var first = members[0].Options;
        foreach (var member in members)
        {
            if (!member.HasHead) throw new ArgumentException("A network without a head (HeadKind.None) has no logits to average.", nameof(members));
            if (member.Options.Head != first.Head || member.Options.Outputs != first.Outputs)
                throw new ArgumentException($"Every member must have the first's head ({first.Head}, {first.Outputs} outputs); one has {member.Options.Head}, {member.Options.Outputs}.", nameof(members));
        }
        Members = members.ToArray();
    }

    /// <summary>The networks, in the order they were given.</summary>
    public IReadOnlyList<RecurrentNetwork<T>> Members { get; }

    /// <summary>The members' mean logits, in the caller's order: one row of C per sequence, or Length × C for a per-step head.</summary>
    public T[][] Predict(IReadOnlyList<Sequence<T>> sequences)
    {
        var sum = Members[0].Predict(sequences);
        foreach (var member in Members.Skip(1))
        {
            var logits = member.Predict(sequences);
            for (int i = 0; i < sum.Length; i++)
                for (int j = 0; j < sum[i].Length; j++)
                    sum[i][j] += logits[i][j];
        }
        T count = T.CreateChecked(Members.Count);
        foreach (var row in sum)
            for (int j = 0; j < row.Length; j++)
                row[j] /= count;
        return sum;
    }
}
