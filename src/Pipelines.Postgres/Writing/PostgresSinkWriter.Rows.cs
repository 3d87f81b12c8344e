using System.Reflection;

namespace Pipelines.Postgres.Writing;

// Elements as rows: every written column's value checked against its column, and the key a row is kept by.
internal sealed partial class PostgresSinkWriter<T>
{
    /// <summary>
    /// The row an element writes: every written column's value, checked against the column (deletes: the key only);
    /// and, for an upsert that moves a row to another key, the delete of the old key.
    /// </summary>
    private (PendingRow Row, PendingRow? Moved) Extract(T element)
    {
        bool delete = _sink.Shape.IsDelete(element);
        object row = _sink.Shape.Row(element)
            ?? throw new PostgresMappingException(_sink.Table, "?", null, $"the {(delete ? "delete" : "change")} carries no row to write.");
        var pending = new PendingRow(Values(row, delete), delete, element);
        if (delete || !Upsert || _sink.Shape.OldKeyRow(element) is not { } oldRow) return (pending, null);
        var old = new PendingRow(Values(oldRow, delete: true), true, element);
        return new RowKey(old.Values, _keys).Equals(new RowKey(pending.Values, _keys)) ? (pending, null) : (pending, old);
    }

    private object?[] Values(object row, bool delete)
    {
        var values = new object?[_columns.Length];
        for (int c = 0; c < values.Length; c++)
        {
            if (delete && !_isKey[c]) continue;
            var column = _columns[c];
            object? raw = _getters[c](row);
            if (raw is Missing) throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the row has no value for this column.");
            if (raw is null)
            {
                if (column.NotNull) throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the value is null but the column is NOT NULL.");
                continue;
            }

            try
            {
                values[c] = ColumnCoercion.Coerce(raw, column);
            }
            catch (InvalidCastException ex)
            {
                throw new PostgresMappingException(_sink.Table, Key(row), column.Name, ex.Message, ex);
            }
        }

        return values;
    }

    private string Key(object row)
    {
        var indexes = _keys.Length > 0 ? _keys : [0];
        return string.Join(", ", indexes.Select(i =>
        {
            object? v;
            try
            {
                v = _getters[i](row);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                v = "?";
            }

            return $"{_columns[i].Name}={(v is Missing ? "?" : ValueConversion.Describe(v))}";
        }));
    }

    private string Key(PendingRow row)
    {
        var indexes = _keys.Length > 0 ? _keys : [0];
        return string.Join(", ", indexes.Select(i => $"{_columns[i].Name}={ValueConversion.Describe(row.Values[i])}"));
    }

    private readonly record struct PendingRow(object?[] Values, bool Delete, T Element);

    /// <summary>
    /// The key values of a row, compared by value: arrays (a <c>bytea</c> key's <see cref="byte"/>[], an array
    /// column) by their elements, as the server compares them, so two changes of one key in a batch are one row.
    /// </summary>
    private readonly struct RowKey : IEquatable<RowKey>
    {
        private static readonly System.Collections.IEqualityComparer Structural = System.Collections.StructuralComparisons.StructuralEqualityComparer;
        private readonly object?[] _values;
        private readonly int[] _keys;
        private readonly int _hash;

        public RowKey(object?[] values, int[] keys)
        {
            _values = values;
            _keys = keys;
            var hash = new HashCode();
            foreach (int k in keys) hash.Add(values[k] is null ? 0 : Structural.GetHashCode(values[k]!));
            _hash = hash.ToHashCode();
        }

        public bool Equals(RowKey other)
        {
            foreach (int k in _keys)
            {
                if (!Structural.Equals(_values[k], other._values[k])) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
