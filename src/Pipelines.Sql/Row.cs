namespace Pipelines.Sql;

/// <summary>
/// One row of a SQL table or query result: its values by column position, as the column types' .NET values
/// (BOOLEAN <see cref="bool"/>, INT <see cref="int"/>, BIGINT <see cref="long"/>, DOUBLE <see cref="double"/>,
/// DECIMAL <see cref="decimal"/>, STRING <see cref="string"/>, TIMESTAMP and TIMESTAMP_LTZ
/// <see cref="DateTimeOffset"/> in UTC, DATE <see cref="DateOnly"/>) or <see langword="null"/> for SQL NULL.
/// The names belong to the query's <see cref="SqlSchema"/>. A row is not changed after it is made.
/// </summary>
/// <remarks>
/// Rows made by a query keep their values unboxed, in fields of the query's column types; only the rows made
/// with the public constructor hold an array. Both compare equal when their values are equal.
/// </remarks>
public class Row : IEquatable<Row>
{
    private readonly object?[]? _values;

    /// <summary>Creates a row over <paramref name="values"/> (not copied; do not change the array afterwards).</summary>
    /// <param name="values">The values by column position.</param>
    public Row(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    /// <summary>For the typed rows a query makes: the values are in the subclass's fields.</summary>
    private protected Row()
    {
    }

    /// <summary>The number of columns.</summary>
    public int Count => _values?.Length ?? FieldCount;

    /// <summary>The value of column <paramref name="index"/>.</summary>
    /// <param name="index">0-based column position.</param>
    public object? this[int index] => _values is { } values ? values[index] : GetField(index);

    /// <summary>The number of fields of a typed row.</summary>
    private protected virtual int FieldCount => 0;

    /// <summary>Field <paramref name="index"/> of a typed row, boxed.</summary>
    private protected virtual object? GetField(int index) => throw new IndexOutOfRangeException();

    /// <summary>The values as a new array.</summary>
    internal object?[] ToArray()
    {
        if (_values is { } values) return (object?[])values.Clone();
        var copy = new object?[FieldCount];
        for (int i = 0; i < copy.Length; i++) copy[i] = GetField(i);
        return copy;
    }

    /// <summary>Copies the values to <paramref name="destination"/> from <paramref name="offset"/> on.</summary>
    internal void CopyTo(object?[] destination, int offset)
    {
        if (_values is { } values)
        {
            Array.Copy(values, 0, destination, offset, values.Length);
            return;
        }
        for (int i = 0; i < FieldCount; i++) destination[offset + i] = GetField(i);
    }

    /// <inheritdoc />
    public bool Equals(Row? other)
    {
        if (other is null || other.Count != Count) return false;
        for (int i = 0; i < Count; i++)
        {
            if (!Equals(this[i], other[i])) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Row);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (int i = 0; i < Count; i++) hash.Add(this[i]);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "(" + string.Join(", ", Enumerable.Range(0, Count).Select(i => Types.SqlValues.Format(this[i]))) + ")";
}
