namespace Pipelines.Postgres;

/// <summary>
/// Where an element stands in an ordered input (a change's commit LSN and index, a partition's offset): an
/// exactly-once sink records the highest one it has written in the same transaction as the rows, and after a
/// restore skips every element at or below it. Compared by <see cref="Major"/>, then <see cref="Minor"/>.
/// </summary>
/// <param name="Major">The major part (a commit LSN, an offset).</param>
/// <param name="Minor">The minor part (the index within a transaction); 0 when there is none.</param>
public readonly record struct WriteSequence(long Major, long Minor) : IComparable<WriteSequence>
{
    /// <inheritdoc />
    public int CompareTo(WriteSequence other)
    {
        int c = Major.CompareTo(other.Major);
        return c != 0 ? c : Minor.CompareTo(other.Minor);
    }

    /// <summary>True when <paramref name="left"/> comes before <paramref name="right"/>.</summary>
    public static bool operator <(WriteSequence left, WriteSequence right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(WriteSequence left, WriteSequence right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> comes before or is <paramref name="right"/>.</summary>
    public static bool operator <=(WriteSequence left, WriteSequence right) => left.CompareTo(right) <= 0;

    /// <summary>True when <paramref name="left"/> comes after or is <paramref name="right"/>.</summary>
    public static bool operator >=(WriteSequence left, WriteSequence right) => left.CompareTo(right) >= 0;
}
