using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Pipelines.Sql.Compilation;
using Pipelines.Sql.Planning;

namespace Pipelines.Sql.Connectors;

/// <summary>
/// A versioned table: a changelog (inserts, updates and deletes by primary key, each valid from its event time)
/// registered from code. It is read with FOR SYSTEM_TIME AS OF in a temporal or lookup join, as the core
/// <see cref="Table{TKey,TRow}"/> of its changes keyed by the primary key's values; it cannot be read as a plain table.
/// </summary>
internal sealed class VersionedTable : SqlTableSource
{
    private readonly PipelineBuilder _owner;
    private readonly string _description;
    private readonly Func<DataStream<Change<RowKey, Row>>> _open;

    private VersionedTable(string name, SqlSchema schema, int[] primaryKey, bool isBounded, PipelineBuilder owner, string description, Func<DataStream<Change<RowKey, Row>>> open)
        : base(name, schema, null, isBounded)
    {
        PrimaryKey = primaryKey;
        _owner = owner;
        _description = description;
        _open = open;
    }

    public override IReadOnlyList<int> PrimaryKey { get; }

    public override bool IsVersioned => true;

    public override string Describe() => _description;

    public override DataStream<Row> Open(PipelineBuilder builder) =>
        throw new SqlException($"table '{Name}' is a versioned table (a changelog by primary key): read it in a join as of a time, JOIN {Name} FOR SYSTEM_TIME AS OF o.ts AS c ON c.{Schema.Columns[PrimaryKey[0]].Name} = o.…");

    public override DataStream<Change<RowKey, Row>> OpenChanges(PipelineBuilder builder)
    {
        if (ReferenceEquals(builder, _owner)) return _open();

        // EXPLAIN plans on a builder of its own: the caller's changelog stands in as an empty source of the same name.
        return builder.From(Sources.Enumerable(Array.Empty<Change<RowKey, Row>>(), $"changelog '{Name}'")).WithEventTime(c => c.Time, Watermarks.Monotonic());
    }

    /// <summary>A versioned table over a changelog whose keys are the values of <paramref name="primaryKey"/> (a tuple of them for several).</summary>
    public static VersionedTable FromChanges<TKey, TRow>(string name, PipelineBuilder owner, DataStream<Change<TKey, TRow>> changes, string primaryKey, bool isBounded, TimeSpan? watermarkDelay)
        where TKey : notnull
    {
        var (schema, read) = ClrColumns.Of<TRow>(nameof(changes));
        var key = KeyColumns(primaryKey, schema, typeof(TRow));
        CheckDelay(changes.Name, changes.HasEventTime, watermarkDelay);
        var toRow = RowMaker<TRow>(read);
        var rowKey = RowKeyOf(key);
        string columns = string.Join(", ", key.Select(k => schema.Columns[k].Name));
        object?[] KeyValues(TKey value)
        {
            if (key.Length == 1) return [Types.SqlValues.FromClr(value)];
            if (value is ITuple tuple && tuple.Length == key.Length)
            {
                var values = new object?[key.Length];
                for (int i = 0; i < values.Length; i++) values[i] = Types.SqlValues.FromClr(tuple[i]);
                return values;
            }
            throw new InvalidDataException($"table '{name}': the key of a change must be a tuple of the primary key's {key.Length} columns ({columns}), but it is {value}.");
        }

        DataStream<Change<RowKey, Row>> Open()
        {
            var timed = changes.HasEventTime ? changes : changes.WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(watermarkDelay ?? TimeSpan.Zero));
            return timed.Select(change =>
            {
                var keyValues = Checked(name, columns, KeyValues(change.Key));
                if (change.IsDelete) return new Change<RowKey, Row>(ChangeKind.Delete, new RowKey(keyValues), null, change.Time);
                var row = toRow(change.Row ?? throw new InvalidDataException($"table '{name}': the {change.Kind} of key {change.Key} has no row."));
                var fromRow = rowKey(row);
                if (!new RowKey(keyValues).Equals(new RowKey(fromRow)))
                {
                    throw new InvalidDataException(
                        $"table '{name}': the {change.Kind} of key ({new RowKey(keyValues)}) holds a row whose primary key ({columns}) is ({new RowKey(fromRow)}): a change's key must be its row's primary key.");
                }
                return new Change<RowKey, Row>(change.Kind, new RowKey(keyValues), row, change.Time);
            }).Named($"{name} changes by primary key");
        }

        return new VersionedTable(name, schema, key, isBounded, owner, $"changelog '{changes.Name}' of {typeof(TRow).Name}, primary key ({columns})", Open);
    }

    /// <summary>A versioned table over a stream of rows, each an upsert of its primary key valid from its time column.</summary>
    public static VersionedTable FromUpserts<T>(string name, PipelineBuilder owner, DataStream<T> upserts, string primaryKey, string timeColumn, bool isBounded, TimeSpan? watermarkDelay)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(timeColumn);
        var (schema, read) = ClrColumns.Of<T>(nameof(upserts));
        var key = KeyColumns(primaryKey, schema, typeof(T));
        int time = schema.IndexOf(timeColumn);
        if (time < 0 || !schema.Columns[time].Type.IsTimestamp)
        {
            throw new ArgumentException($"the time column '{timeColumn}' must be a DateTimeOffset or DateTime property of {typeof(T).Name}{Binding.Suggestions.DidYouMean(timeColumn, schema.Columns.Where(c => c.Type.IsTimestamp).Select(c => c.Name))}", nameof(timeColumn));
        }
        CheckDelay(upserts.Name, upserts.HasEventTime, watermarkDelay);
        var toRow = RowMaker<T>(read);
        var rowKey = RowKeyOf(key);
        string columns = string.Join(", ", key.Select(k => schema.Columns[k].Name));
        string timeName = schema.Columns[time].Name;

        DataStream<Change<RowKey, Row>> Open()
        {
            var changes = upserts.Select(element =>
            {
                var row = toRow(element);
                var at = row[time] as DateTimeOffset? ?? throw new InvalidDataException($"table '{name}': the time column '{timeName}' is NULL.");
                return new Change<RowKey, Row>(ChangeKind.Update, new RowKey(Checked(name, columns, rowKey(row))), row, at);
            }).Named($"{name} upserts by primary key");
            return upserts.HasEventTime ? changes : changes.WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(watermarkDelay ?? TimeSpan.Zero));
        }

        return new VersionedTable(name, schema, key, isBounded, owner, $"upserts '{upserts.Name}' of {typeof(T).Name}, primary key ({columns}), valid from {timeName}", Open);
    }

    private static int[] KeyColumns(string primaryKey, SqlSchema schema, Type type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryKey);
        var names = primaryKey.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var key = new int[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            key[i] = schema.IndexOf(names[i]);
            if (key[i] < 0)
            {
                throw new ArgumentException($"the primary key column '{names[i]}' is not a column of {type.Name}{Binding.Suggestions.DidYouMean(names[i], schema.Columns.Select(c => c.Name))}", nameof(primaryKey));
            }
        }
        if (key.Distinct().Count() != key.Length) throw new ArgumentException($"the primary key ({primaryKey}) names a column twice.", nameof(primaryKey));
        return key;
    }

    private static void CheckDelay(string stream, bool hasEventTime, TimeSpan? watermarkDelay)
    {
        if (hasEventTime && watermarkDelay is not null)
        {
            throw new ArgumentException($"stream '{stream}' already has event time: leave out the watermark delay, or register the stream before WithEventTime.", nameof(watermarkDelay));
        }
    }

    private static object?[] Checked(string table, string columns, object?[] key)
    {
        if (Array.IndexOf(key, null) >= 0) throw new InvalidDataException($"table '{table}': a change has NULL in its primary key ({columns}).");
        return key;
    }

    private static Func<T, Row> RowMaker<T>(Func<Expression, Expression>[] read)
    {
        var element = Expression.Parameter(typeof(T), "element");
        return Expression.Lambda<Func<T, Row>>(TypedRows.New([.. read.Select(r => r(element))]), element).Compile();
    }

    private static Func<Row, object?[]> RowKeyOf(int[] key) => row =>
    {
        var values = new object?[key.Length];
        for (int i = 0; i < values.Length; i++) values[i] = row[key[i]];
        return values;
    };
}
