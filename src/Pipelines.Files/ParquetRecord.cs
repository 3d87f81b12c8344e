namespace Pipelines.Files;

/// <summary>One row of a Parquet file: its columns and their values (null for a null value).</summary>
public sealed class ParquetRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="columns">The columns.</param>
    /// <param name="values">One value per column, of the column's type or null (not copied).</param>
    public ParquetRecord(IReadOnlyList<ParquetColumn> columns, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        if (columns.Count != values.Length) throw new ArgumentException($"The record has {values.Length} values for {columns.Count} columns.", nameof(values));
        Columns = columns;
        Values = values;
    }

    /// <summary>The columns, as in the file.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    /// <summary>The values by column position.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <summary>The value of column <paramref name="index"/>.</summary>
    /// <param name="index">The column's position.</param>
    public object? this[int index] => Values[index];

    /// <summary>The value of the column called <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The column's name.</param>
    public object? this[string name]
    {
        get
        {
            for (int i = 0; i < Columns.Count; i++)
            {
                if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return Values[i];
            }
            throw new KeyNotFoundException($"The record has no column '{name}'; its columns: {string.Join(", ", Columns.Select(c => c.Name))}.");
        }
    }
}
