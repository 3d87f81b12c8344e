namespace Pipelines.Operators;

/// <summary>Identifies keyed window state: a key and a window's bounds.</summary>
internal readonly struct WindowKey<TKey>(TKey key, long start, long end) : IEquatable<WindowKey<TKey>>
    where TKey : notnull
{
    public readonly TKey Key = key;
    public readonly long Start = start;
    public readonly long End = end;

    public bool Equals(WindowKey<TKey> other) =>
        Start == other.Start && End == other.End && EqualityComparer<TKey>.Default.Equals(Key, other.Key);

    public override bool Equals(object? obj) => obj is WindowKey<TKey> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(EqualityComparer<TKey>.Default.GetHashCode(Key), Start, End);
}
