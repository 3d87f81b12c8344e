namespace Pipelines.Sql;

/// <summary>
/// One row of a SQL table or query result: its values by column position, as the column types' .NET values
/// (BOOLEAN <see cref="bool"/>, INT <see cref="int"/>, BIGINT <see cref="long"/>, DOUBLE <see cref="double"/>,
/// DECIMAL <see cref="decimal"/>, STRING <see cref="string"/>, TIMESTAMP and TIMESTAMP_LTZ
/// <see cref="DateTimeOffset"/> in UTC, DATE <see cref="DateOnly"/>) or <see langword="null"/> for SQL NULL.
/// The names belong to the query's <see cref="SqlSchema"/>. A row is not changed after it is made.
/// </summary>
public sealed class Row : IEquatable<Row>
{
    private readonly object?[] _values;

    /// <summary>Creates a row over <paramref name="values"/> (not copied; do not change the array afterwards).</summary>
    /// <param name="values">The values by column position.</param>
    public Row(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    /// <summary>The number of columns.</summary>
    public int Count => _values.Length;

    /// <summary>The value of column <paramref name="index"/>.</summary>
    /// <param name="index">0-based column position.</param>
    public object? this[int index] => _values[index];

    internal object?[] Values => _values;

    /// <inheritdoc />
    public bool Equals(Row? other)
    {
        if (other is null || other._values.Length != _values.Length) return false;
        for (int i = 0; i < _values.Length; i++)
        {
            if (!Equals(_values[i], other._values[i])) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Row);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var value in _values) hash.Add(value);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "(" + string.Join(", ", _values.Select(Types.SqlValues.Format)) + ")";
}
