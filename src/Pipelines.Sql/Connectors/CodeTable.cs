using System.Linq.Expressions;
using System.Reflection;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Connectors;

/// <summary>A table over a <see cref="DataStream{T}"/> of the caller's: one column per public readable property of <typeparamref name="T"/>.</summary>
internal sealed class CodeTable<T> : SqlTableSource
{
    private readonly PipelineBuilder _owner;
    private readonly DataStream<T> _stream;
    private readonly Func<T, Row> _toRow;
    private readonly WatermarkStrategy? _watermark;

    private CodeTable(string name, PipelineBuilder owner, DataStream<T> stream, SqlSchema schema, int? timeColumn, bool isBounded, Func<T, Row> toRow, WatermarkStrategy? watermark)
        : base(name, schema, timeColumn, isBounded)
    {
        _owner = owner;
        _stream = stream;
        _toRow = toRow;
        _watermark = watermark;
    }

    public static CodeTable<T> Create(string name, PipelineBuilder owner, DataStream<T> stream, bool isBounded, string? timeColumn, TimeSpan? watermarkDelay)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => (Property: p, Type: SqlType.FromClr(p.PropertyType)))
            .Where(p => p.Type is not null)
            .ToList();
        if (properties.Count == 0)
        {
            throw new ArgumentException($"{typeof(T).Name} has no public property of a SQL type (bool, int, long, double, decimal, string, enum, DateTime, DateTimeOffset, DateOnly): a table needs at least one column.", nameof(stream));
        }
        var schema = new SqlSchema(properties.Select(p => new SqlColumn(p.Property.Name, p.Type!)).ToList());
        int? time = null;
        if (timeColumn is not null)
        {
            int index = schema.IndexOf(timeColumn);
            if (index < 0 || !schema.Columns[index].Type.IsTimestamp)
            {
                throw new ArgumentException($"the time column '{timeColumn}' must be a DateTimeOffset or DateTime property of {typeof(T).Name}{Binding.Suggestions.DidYouMean(timeColumn, schema.Columns.Where(c => c.Type.IsTimestamp).Select(c => c.Name))}", nameof(timeColumn));
            }
            time = index;
        }
        if (stream.HasEventTime && watermarkDelay is not null)
        {
            throw new ArgumentException($"stream '{stream.Name}' already has event time: leave out the watermark delay, or register the stream before WithEventTime.", nameof(watermarkDelay));
        }
        if (!stream.HasEventTime && watermarkDelay is not null && time is null)
        {
            throw new ArgumentException("a watermark delay needs the time column it applies to.", nameof(watermarkDelay));
        }

        var element = Expression.Parameter(typeof(T), "element");
        var fromClr = typeof(SqlValues).GetMethod(nameof(SqlValues.FromClr))!;
        var values = Expression.NewArrayInit(typeof(object), properties.Select(p =>
        {
            Expression value = Expression.Property(element, p.Property);
            var type = p.Property.PropertyType;
            // Values already of the column's .NET type are boxed as they are; the rest (DateTime, enums, short, float,
            // and DateTimeOffset, which is made UTC) go through SqlValues.FromClr.
            bool asIs = type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal) || type == typeof(bool)
                || type == typeof(string) || type == typeof(DateOnly) || type == typeof(int?) || type == typeof(long?) || type == typeof(double?)
                || type == typeof(decimal?) || type == typeof(bool?) || type == typeof(DateOnly?);
            return asIs
                ? Expression.Convert(value, typeof(object))
                : (Expression)Expression.Call(fromClr, Expression.Convert(value, typeof(object)));
        }));
        var toRow = Expression.Lambda<Func<T, Row>>(Expression.New(typeof(Row).GetConstructor([typeof(object[])])!, values), element).Compile();
        WatermarkStrategy? watermark = watermarkDelay is { } delay ? Watermarks.BoundedOutOfOrderness(delay) : null;
        if (time is not null && !stream.HasEventTime && watermark is null) watermark = Watermarks.BoundedOutOfOrderness(TimeSpan.Zero);
        return new CodeTable<T>(name, owner, stream, schema, time, isBounded, toRow, watermark);
    }

    public override string Describe() => $"stream '{_stream.Name}' of {typeof(T).Name}";

    public override DataStream<Row> Open(PipelineBuilder builder)
    {
        DataStream<Row> rows;
        if (ReferenceEquals(builder, _owner))
        {
            rows = _stream.Select(_toRow).Named($"{Name}: {typeof(T).Name} to row");
        }
        else
        {
            // EXPLAIN plans on a builder of its own: the caller's stream stands in as an empty source of the same name.
            rows = builder.From(Sources.Enumerable(Array.Empty<Row>(), $"stream '{_stream.Name}'"));
            if (_stream.HasEventTime && TimeColumn is int t) rows = rows.WithEventTime(r => (DateTimeOffset)r[t]!, Watermarks.Monotonic());
        }
        if (_watermark is not null && TimeColumn is int column)
        {
            string columnName = Schema.Columns[column].Name;
            rows = rows.WithEventTime(row => row[column] as DateTimeOffset? ?? throw new InvalidDataException($"table '{Name}': the time column '{columnName}' is NULL"), _watermark);
        }
        return rows;
    }
}
