using System.Text;

namespace Pipelines.Postgres;

/// <summary>
/// One row as PostgreSQL returned it: column names and values in table order, with the table (or query) it came
/// from. Values are what Npgsql reads by default (<c>integer</c> → <see cref="int"/>, <c>timestamptz</c> → UTC
/// <see cref="DateTime"/>, <c>numeric</c> → <see cref="decimal"/>…), <see langword="null"/> for SQL NULL. The
/// element type of a source when no other type is asked for; <see cref="As{T}"/> maps it to a record.
/// </summary>
public sealed class PostgresRow
{
    private readonly string[] _columns;
    private readonly object?[] _values;

    /// <summary>Creates a row.</summary>
    /// <param name="table">The table (<c>schema.name</c>) or query name the row came from.</param>
    /// <param name="columns">The column names, in order.</param>
    /// <param name="values">The values, one per column.</param>
    public PostgresRow(string table, IReadOnlyList<string> columns, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        if (columns.Count != values.Count) throw new ArgumentException($"{columns.Count} columns but {values.Count} values.", nameof(values));
        Table = table;
        _columns = [.. columns];
        _values = [.. values];
    }

    internal PostgresRow(string table, string[] columns, object?[] values, bool _)
    {
        Table = table;
        _columns = columns;
        _values = values;
    }

    /// <summary>The table (<c>schema.name</c>) or query the row came from.</summary>
    public string Table { get; }

    /// <summary>The column names, in order. A change record's old row holds only the columns the server sent (the key, unless the table's replica identity is FULL).</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The values, one per column.</summary>
    public IReadOnlyList<object?> Values => _values;

    /// <summary>The value of <paramref name="column"/> (case-sensitive, as PostgreSQL names it).</summary>
    /// <param name="column">The column name.</param>
    /// <exception cref="KeyNotFoundException">The row has no such column.</exception>
    public object? this[string column] => TryGetValue(column, out var value)
        ? value
        : throw new KeyNotFoundException($"Row of {Table} has no column '{column}'; it has {string.Join(", ", _columns)}.");

    /// <summary>Finds the value of <paramref name="column"/>.</summary>
    /// <param name="column">The column name.</param>
    /// <param name="value">Its value, when the method returns true.</param>
    public bool TryGetValue(string column, out object? value)
    {
        int i = Array.IndexOf(_columns, column);
        value = i >= 0 ? _values[i] : null;
        return i >= 0;
    }

    /// <summary>The value of <paramref name="column"/> as <typeparamref name="TValue"/> (numbers widened or narrowed when they fit).</summary>
    /// <typeparam name="TValue">The wanted type.</typeparam>
    /// <param name="column">The column name.</param>
    /// <exception cref="PostgresMappingException">The value cannot be converted.</exception>
    public TValue? Get<TValue>(string column) =>
        (TValue?)ValueConversion.ToClr(this[column], typeof(TValue), Table, column, KeyDescription(null));

    /// <summary>Maps the row to <typeparamref name="T"/> by column names (see <see cref="PostgresSources"/> for the rules).</summary>
    /// <typeparam name="T">A record or class with a public constructor or settable properties.</typeparam>
    /// <exception cref="PostgresMappingException">A value does not fit its member; the message names table, key and column.</exception>
    public T As<T>() => RowMapper<T>.Instance.Map(this, null);

    internal string[] ColumnArray => _columns;

    internal object?[] ValueArray => _values;

    /// <summary>"id=7, region='eu'" for the given key columns (or the first column when none is known).</summary>
    internal string KeyDescription(IReadOnlyList<string>? keyColumns)
    {
        var sb = new StringBuilder();
        if (keyColumns is { Count: > 0 })
        {
            foreach (string k in keyColumns)
            {
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(k).Append('=').Append(TryGetValue(k, out var v) ? ValueConversion.Describe(v) : "?");
            }
        }
        else if (_columns.Length > 0)
        {
            sb.Append(_columns[0]).Append('=').Append(ValueConversion.Describe(_values[0]));
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder(Table).Append(" (");
        for (int i = 0; i < _columns.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_columns[i]).Append('=').Append(ValueConversion.Describe(_values[i]));
        }

        return sb.Append(')').ToString();
    }
}
