using System.Linq.Expressions;
using Pipelines.Sql.Planning;

namespace Pipelines.Sql.Connectors;

/// <summary>A table over a <see cref="DataStream{T}"/> of the caller's: one column per public readable property of <typeparamref name="T"/>.</summary>
internal sealed class CodeTable<T> : SqlTableSource
{
    private readonly PipelineBuilder _owner;
    private readonly DataStream<T> _stream;
    private readonly Func<Expression, Expression>[] _read;
    private readonly WatermarkStrategy? _watermark;

    private CodeTable(string name, PipelineBuilder owner, DataStream<T> stream, SqlSchema schema, int? timeColumn, bool isBounded, Func<Expression, Expression>[] read, WatermarkStrategy? watermark)
        : base(name, schema, timeColumn, isBounded)
    {
        _owner = owner;
        _stream = stream;
        _read = read;
        _watermark = watermark;
    }

    public static CodeTable<T> Create(string name, PipelineBuilder owner, DataStream<T> stream, bool isBounded, string? timeColumn, TimeSpan? watermarkDelay)
    {
        var (schema, read) = ClrColumns.Of<T>(nameof(stream));
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

        WatermarkStrategy? watermark = watermarkDelay is { } delay ? Watermarks.BoundedOutOfOrderness(delay) : null;
        if (time is not null && !stream.HasEventTime && watermark is null) watermark = Watermarks.BoundedOutOfOrderness(TimeSpan.Zero);
        return new CodeTable<T>(name, owner, stream, schema, time, isBounded, read, watermark);
    }

    public override string Describe() => $"stream '{_stream.Name}' of {typeof(T).Name}";

    public override DataStream<Row> Open(PipelineBuilder builder) => OpenRows(builder).ToRows();

    /// <summary>The caller's elements themselves: expressions read their properties, so no row is made for them.</summary>
    public override RowStream OpenRows(PipelineBuilder builder)
    {
        var types = Schema.Columns.Select(c => c.Type).ToList();
        if (!ReferenceEquals(builder, _owner))
        {
            // EXPLAIN plans on a builder of its own: the caller's stream stands in as an empty source of the same name.
            var rows = builder.From(Sources.Enumerable(Array.Empty<Row>(), $"stream '{_stream.Name}'"));
            if (_stream.HasEventTime && TimeColumn is int t) rows = rows.WithEventTime(r => (DateTimeOffset)r[t]!, Watermarks.Monotonic());
            if (_watermark is not null && TimeColumn is int w) rows = rows.WithEventTime(r => (DateTimeOffset)r[w]!, _watermark);
            return RowStream.Of(rows, types);
        }
        var stream = _stream;
        if (_watermark is not null && TimeColumn is int column)
        {
            string columnName = Schema.Columns[column].Name;
            var element = Expression.Parameter(typeof(T), "element");
            var time = Expression.Lambda<Func<T, DateTimeOffset?>>(_read[column](element), element).Compile();
            stream = stream.WithEventTime(e => time(e) ?? throw new InvalidDataException($"table '{Name}': the time column '{columnName}' is NULL"), _watermark);
        }
        return new RowStream<T>(stream, types, (element, index, _) => _read[index](element));
    }
}
