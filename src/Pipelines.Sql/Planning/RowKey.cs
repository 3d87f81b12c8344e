namespace Pipelines.Sql.Planning;

/// <summary>The grouping or join key of a row: its key values, compared element by element.</summary>
internal readonly struct RowKey : IEquatable<RowKey>
{
    private readonly object?[] _values;
    private readonly int _hash;

    public RowKey(object?[] values)
    {
        _values = values;
        var hash = new HashCode();
        foreach (var value in values) hash.Add(value);
        _hash = hash.ToHashCode();
    }

    public object?[] Values => _values ?? [];

    public bool HasNull => Array.IndexOf(Values, null) >= 0;

    public bool Equals(RowKey other)
    {
        if (_hash != other._hash) return false;
        var a = Values;
        var b = other.Values;
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (!Equals(a[i], b[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

    public override int GetHashCode() => _hash;

    public override string ToString() => string.Join(", ", Values.Select(Types.SqlValues.Format));
}
