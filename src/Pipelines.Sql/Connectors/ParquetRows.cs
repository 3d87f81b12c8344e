using System.Globalization;
using Pipelines.Files;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Connectors;

/// <summary>Rows to and from <see cref="ParquetRecord"/>s: columns matched by name (case-insensitive), numbers widened to the column's type.</summary>
internal static class ParquetRows
{
    public static ParquetColumn[] Columns(SqlSchema schema) =>
        schema.Columns.Select(c => new ParquetColumn(c.Name, c.Type.Kind is SqlTypeKind.Null or SqlTypeKind.Interval ? typeof(string) : c.Type.ClrType)).ToArray();

    public static ParquetRecord ToRecord(Row row, ParquetColumn[] columns) => new(columns, row.ToArray());

    /// <summary>A converter from records to rows that finds the table's columns in each file's columns.</summary>
    public sealed class Reader(SqlSchema schema, string table)
    {
        // The file's columns and the positions they give, swapped as one reference: the selector may run on several threads.
        private Tuple<IReadOnlyList<ParquetColumn>, int[]>? _current;

        public Row ToRow(ParquetRecord record)
        {
            var current = _current;
            if (current is null || !ReferenceEquals(current.Item1, record.Columns))
            {
                current = Tuple.Create(record.Columns, Positions(record.Columns));
                _current = current;
            }
            var positions = current.Item2;
            var values = new object?[positions.Length];
            for (int c = 0; c < values.Length; c++)
            {
                object? value = record[positions[c]];
                var type = schema.Columns[c].Type;
                try
                {
                    values[c] = value switch
                    {
                        null => null,
                        string s => Types.SqlValues.Parse(s, type),
                        DateTimeOffset t when type.IsTimestamp => t,
                        DateOnly d when type.Kind == SqlTypeKind.Date => d,
                        _ when type.IsNumeric || type.Kind == SqlTypeKind.Boolean => Convert.ChangeType(value, type.ClrType, CultureInfo.InvariantCulture),
                        _ when type.Kind == SqlTypeKind.String => Types.SqlValues.Format(value),
                        _ => throw new FormatException($"{value.GetType().Name} {value} is not a {type}"),
                    };
                }
                catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
                {
                    throw new FormatException($"table '{table}', column '{schema.Columns[c].Name}' ({type}): {ex.Message}", ex);
                }
            }
            return new Row(values);
        }

        private int[] Positions(IReadOnlyList<ParquetColumn> columns)
        {
            var positions = new int[schema.Columns.Count];
            for (int c = 0; c < positions.Length; c++)
            {
                string name = schema.Columns[c].Name;
                positions[c] = -1;
                for (int i = 0; i < columns.Count; i++)
                {
                    if (string.Equals(columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) positions[c] = i;
                }
                if (positions[c] < 0)
                {
                    throw new FormatException($"table '{table}': the Parquet file has no column '{name}'{Suggestions.DidYouMean(name, columns.Select(f => f.Name))} (columns: {string.Join(", ", columns.Select(f => f.Name))})");
                }
            }
            return positions;
        }
    }
}
