using System.Linq.Expressions;
using System.Reflection;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Compilation;

namespace Pipelines.Sql.Planning;

/// <summary>A <see cref="RowStream"/> of elements of type <typeparamref name="T"/>.</summary>
internal sealed class RowStream<T> : RowStream
{
    private readonly DataStream<T> _stream;
    private readonly Func<ParameterExpression, int, SqlType, Expression> _read;

    public RowStream(DataStream<T> stream, IReadOnlyList<SqlType> columns, Func<ParameterExpression, int, SqlType, Expression> read)
        : this(stream, columns, read, Expression.Parameter(typeof(T), "element"))
    {
    }

    /// <summary>A stream of the same elements further on: expressions bound before keep their parameter.</summary>
    private RowStream(DataStream<T> stream, IReadOnlyList<SqlType> columns, Func<ParameterExpression, int, SqlType, Expression> read, ParameterExpression parameter)
        : base(columns)
    {
        _stream = stream;
        _read = read;
        Parameter = parameter;
        Reader = (index, type) => _read(Parameter, index, type);
    }

    public override ParameterExpression Parameter { get; }

    public override ColumnReader Reader { get; }

    public override DataStream<Row> ToRows()
    {
        if (_stream is DataStream<Row> rows) return rows;
        return Select(TypedRows.New([.. Columns.Select((type, i) => Reader(i, type))]), "to rows");
    }

    public override RowStream Where(Typed condition, string name) =>
        new RowStream<T>(_stream.Where(ExpressionBinder.CompilePredicate<T>(condition, Parameter)).Named(name), Columns, _read, Parameter);

    public override Row? RowOfDefault(Expression row, Typed? condition)
    {
        if (condition is not null && !ExpressionBinder.CompilePredicate<T>(condition, Parameter)(default!)) return null;
        return Expression.Lambda<Func<T, Row>>(row, Parameter).Compile()(default!);
    }

    public override DataStream<Row> Select(Expression row, string name) =>
        _stream.Select(Expression.Lambda<Func<T, Row>>(row, Parameter).Compile()).Named(name);

    public override RowStream GroupBy(GroupSpec spec)
    {
        // One key that cannot be NULL (a non-nullable property, say) is the key itself; otherwise a tuple of the
        // nullable values, so that a NULL key is a key like any other.
        var keys = spec.Keys.Select(k => NullFree.Rewrite(k.Expression)).ToList();
        var plainKey = keys.Count == 1 && NullFree.Value(keys[0]) is { Type.IsValueType: true } value ? value : null;
        var key = Expression.Lambda(plainKey ?? Tuples.New(keys), Parameter);
        bool counting = spec.Calls.Count == 0 || (spec.Calls.Count == 1 && spec.Calls[0].Kind == AggregateKind.CountStar);
        var steps = counting ? [] : spec.Calls.Select(AggregateStep.For).ToList();
        var accumulator = counting ? typeof(long) : Tuples.Of([.. steps.Select(s => s.State)]);
        var method = typeof(RowStream<T>).GetMethod(nameof(Group), BindingFlags.NonPublic | BindingFlags.Instance)!.MakeGenericMethod(key.ReturnType, accumulator);
        return (RowStream)method.Invoke(this, [spec, key, plainKey is not null, steps])!;
    }

    private RowStream<WindowResult<TKey, TAcc>> Group<TKey, TAcc>(GroupSpec spec, LambdaExpression key, bool plainKey, List<AggregateStep> steps)
        where TKey : notnull
    {
        var windowed = _stream.KeyBy(((Expression<Func<T, TKey>>)key).Compile()).Window(spec.Assigner);
        if (spec.Lateness > TimeSpan.Zero && spec.Windowed) windowed = windowed.AllowedLateness(spec.Lateness);
        if (spec.EarlyFire is TimeSpan early) windowed = windowed.EarlyResults(early);
        DataStream<WindowResult<TKey, TAcc>> results;
        Func<DataStream<T>> late;
        if (steps.Count == 0)
        {
            var counts = windowed.Count();
            late = counts.LateElements;
            results = (DataStream<WindowResult<TKey, TAcc>>)(object)counts;
        }
        else
        {
            var accumulator = Expression.Parameter(typeof(TAcc), "accumulator");
            var other = Expression.Parameter(typeof(TAcc), "other");
            var add = steps.Select((s, i) => (Expression)Expression.Assign(Tuples.Item(accumulator, i), s.Add(Tuples.Item(accumulator, i)))).Append(accumulator);
            var merge = steps.Select((s, i) => (Expression)Expression.Assign(Tuples.Item(accumulator, i), s.Merge(Tuples.Item(accumulator, i), Tuples.Item(other, i)))).Append(accumulator);
            var aggregated = windowed.Aggregate(Aggregations.Create(
                default(TAcc)!,
                Expression.Lambda<Func<TAcc, T, TAcc>>(Expression.Block(add), accumulator, Parameter).Compile(),
                Expression.Lambda<Func<TAcc, TAcc, TAcc>>(Expression.Block(merge), accumulator, other).Compile(),
                static acc => acc));
            late = aggregated.LateElements;
            results = aggregated;
        }
        results = results.Named(spec.Name);

        int keys = spec.Keys.Count, windowColumns = spec.Windowed ? 3 : 0;
        var columns = spec.Keys.Select(k => k.Type)
            .Concat(Enumerable.Repeat(SqlType.Timestamp, windowColumns))
            .Concat(spec.Calls.Select(c => c.ResultType)).ToList();
        var grouped = new RowStream<WindowResult<TKey, TAcc>>(results, columns, (result, index, type) =>
        {
            var key = Expression.Property(result, nameof(WindowResult<TKey, TAcc>.Key));
            if (index < keys) return plainKey ? Expression.Convert(key, typeof(Nullable<>).MakeGenericType(typeof(TKey))) : Tuples.Item(key, index);
            if (index < keys + windowColumns) return WindowColumn(Expression.Property(result, nameof(WindowResult<TKey, TAcc>.Window)), index - keys);
            int call = index - keys - windowColumns;
            var value = Expression.Property(result, nameof(WindowResult<TKey, TAcc>.Value));
            return steps.Count == 0 ? Expression.Convert(value, typeof(long?)) : steps[call].Result(Tuples.Item(value, call));
        });
        if (spec.Windowed) grouped.LateRows = () => new RowStream<T>(late(), Columns, _read, Parameter).ToRows();
        return grouped;
    }

    /// <summary>window_start, window_end or window_time (the end less a millisecond) of a result's window.</summary>
    private static Expression WindowColumn(Expression window, int which)
    {
        var time = Expression.Property(window, which == 0 ? nameof(Window.Start) : nameof(Window.End));
        Expression value = which == 2 ? Expression.Call(time, typeof(DateTimeOffset).GetMethod(nameof(DateTimeOffset.AddMilliseconds))!, Expression.Constant(-1.0)) : time;
        return Expression.Convert(value, typeof(DateTimeOffset?));
    }
}
