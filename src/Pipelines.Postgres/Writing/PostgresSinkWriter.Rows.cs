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
        var values = Values(row, delete, out var written);
        var pending = new PendingRow(values, delete, element, written);
        if (delete || !Upsert || _sink.Shape.OldKeyRow(element) is not { } oldRow) return (pending, null);
        var old = new PendingRow(Values(oldRow, delete: true, out _), true, element, null);
        return new RowKey(old.Values, _keys).Equals(new RowKey(pending.Values, _keys)) ? (pending, null) : (pending, old);
    }

    /// <summary>
    /// The row's values by column. A <see cref="PostgresRow"/> without a column leaves it out (<see cref="Missing"/>
    /// in its place): the server gives it its default (an identity, <c>now()</c>, or NULL), and an upsert of an
    /// existing row keeps its value. <paramref name="written"/> is then the columns the row writes (one shared array
    /// per set of columns), else null: every column.
    /// </summary>
    private object?[] Values(object row, bool delete, out int[]? written)
    {
        var values = new object?[_columns.Length];
        bool omits = false;
        for (int c = 0; c < values.Length; c++)
        {
            bool key = _isKey.Length > 0 && _isKey[c];
            if (delete && !key) continue;
            var column = _columns[c];
            object? raw = _getters[c](row);
            if (raw is Missing)
            {
                if (key) throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the row has no value for this key column; every row needs its key.");
                if (column.NotNull && !column.HasDefault)
                {
                    throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the row has no value for this column, which is NOT NULL without a default: give the row a value for it.");
                }

                values[c] = Missing.Value;
                omits = true;
                continue;
            }

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

        written = omits ? Written(values) : null;
        if (written is []) throw new PostgresMappingException(_sink.Table, "?", null, $"the row has none of the table's columns ({_columnList}); check the names it was given.");
        return values;
    }

    /// <summary>
    /// Whether <paramref name="row"/> can join the kept upserts: not when it leaves columns out and its key's kept
    /// row is a delete — the delete has to reach the table first, so the columns left out get their defaults rather
    /// than the deleted row's values.
    /// </summary>
    private bool Keeps(PendingRow row) =>
        row.Delete || row.Written is null || !_upserts.TryGetValue(new RowKey(row.Values, _keys), out var earlier) || !earlier.Delete;

    /// <summary>
    /// A later row of a key that leaves columns out, over the key's kept row: its values win, the kept row's fill
    /// what it leaves out, as if the two had been written one after the other.
    /// </summary>
    private PendingRow Merged(PendingRow earlier, PendingRow later)
    {
        if (earlier.Delete) return later;
        var values = (object?[])later.Values.Clone();
        bool omits = false;
        for (int c = 0; c < values.Length; c++)
        {
            if (values[c] is Missing) values[c] = earlier.Values[c];
            omits |= values[c] is Missing;
        }

        return later with { Values = values, Written = omits ? Written(values) : null };
    }

    /// <summary>The columns a row with omitted columns writes: one array per set of columns, so batches group rows by reference.</summary>
    private int[] Written(object?[] values)
    {
        foreach (var shape in _shapes)
        {
            if (Matches(shape, values)) return shape;
        }

        int[] written = [.. Enumerable.Range(0, values.Length).Where(c => values[c] is not Missing)];
        _shapes.Add(written);
        return written;

        static bool Matches(int[] shape, object?[] values)
        {
            int next = 0;
            for (int c = 0; c < values.Length; c++)
            {
                bool writes = values[c] is not Missing;
                bool listed = next < shape.Length && shape[next] == c;
                if (writes != listed) return false;
                if (listed) next++;
            }

            return true;
        }
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
        return string.Join(", ", indexes.Select(i => $"{_columns[i].Name}={(row.Values[i] is Missing ? "?" : ValueConversion.Describe(row.Values[i]))}"));
    }

    /// <summary>A row to write; <paramref name="Written"/> is the columns it writes when it leaves some out, else null (every column).</summary>
    private readonly record struct PendingRow(object?[] Values, bool Delete, T Element, int[]? Written);

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
