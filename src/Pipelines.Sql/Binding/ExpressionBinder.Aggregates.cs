using System.Linq.Expressions;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Binding;

// What expressions after GROUP BY read: grouping keys, window columns and aggregate calls.
internal sealed partial class ExpressionBinder
{
    private Typed? BindGrouped(Expr expr)
    {
        var context = _aggregate!;
        string text = expr.Text;
        for (int i = 0; i < context.Keys.Count; i++)
        {
            if (ExpressionText.Same(context.Keys[i].Text, text)) return new(_read(i, context.Keys[i].Type), context.Keys[i].Type);
        }
        if (expr is ColumnExpr column)
        {
            // window_start, or w.window_start with the windowed table's alias.
            if (context.Windowed && (column.Qualifier is null || context.Input.Columns.Any(c => string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase))))
            {
                int w = column.Name.ToUpperInvariant() switch { "WINDOW_START" => 0, "WINDOW_END" => 1, "WINDOW_TIME" => 2, _ => -1 };
                if (w >= 0) return new(_read(context.WindowOffset + w, SqlType.Timestamp), SqlType.Timestamp);
            }
            var resolved = context.Input.Resolve(column);
            for (int i = 0; i < context.Keys.Count; i++)
            {
                if (context.Keys[i].InputColumn == resolved.Index) return new(_read(i, context.Keys[i].Type), context.Keys[i].Type);
            }

            if (WindowTimeOfGroupedEnd(context, resolved) is { } windowTime) return windowTime;
            throw SqlException.At(column.Position,
                $"column '{column.Text}' is neither grouped nor aggregated: add it to GROUP BY, or aggregate it, as in MAX({column.Text}).");
        }
        if (expr is CallExpr call && IsAggregateName(call.Name))
        {
            var aggregate = BindAggregate(call, context);
            int index = context.Aggregates.FindIndex(a => a.Text == aggregate.Text);
            if (index < 0)
            {
                context.Aggregates.Add(aggregate);
                index = context.Aggregates.Count - 1;
            }
            return new(_read(context.AggregateOffset + index, aggregate.ResultType), aggregate.ResultType);
        }
        return null;
    }

    /// <summary>
    /// window_time of rows that got their window columns before they were grouped (a WHERE on them, over a bounded
    /// table): grouped by window_start and window_end, it is the window's end less a millisecond, as a windowed GROUP BY
    /// gives it. The rows carry window_start, window_end and window_time side by side, in that order.
    /// </summary>
    private Typed? WindowTimeOfGroupedEnd(AggregateContext context, ScopeColumn column)
    {
        if (!string.Equals(column.Name, "window_time", StringComparison.OrdinalIgnoreCase)) return null;
        var end = context.Input.Columns.FirstOrDefault(c => c.Index == column.Index - 1 && string.Equals(c.Name, "window_end", StringComparison.OrdinalIgnoreCase));
        if (end is null) return null;
        for (int i = 0; i < context.Keys.Count; i++)
        {
            if (context.Keys[i].InputColumn != end.Index) continue;
            var value = _read(i, context.Keys[i].Type);
            var time = Expression.Call(Expression.Property(value, nameof(Nullable<DateTimeOffset>.Value)), typeof(DateTimeOffset).GetMethod(nameof(DateTimeOffset.AddMilliseconds))!, Expression.Constant(-1.0));
            var read = Expression.Condition(
                Expression.Property(value, nameof(Nullable<DateTimeOffset>.HasValue)),
                Expression.Convert(time, typeof(DateTimeOffset?)),
                Expression.Constant(null, typeof(DateTimeOffset?)));
            return new(read, column.Type);
        }

        return null;
    }

    private static AggregateCall BindAggregate(CallExpr call, AggregateContext context)
    {
        string name = call.Name.ToUpperInvariant();
        if (call.Star)
        {
            if (name != "COUNT") throw SqlException.At(call.Position, $"{name}(*) is not an aggregate; only COUNT(*) takes *.");
            return new AggregateCall(AggregateKind.CountStar, call.Text, null, SqlType.BigInt, SqlType.BigInt);
        }
        if (call.Arguments.Count != 1) throw SqlException.At(call.Position, $"{name} takes one argument, not {call.Arguments.Count}.");
        if (HasAggregate(call.Arguments[0])) throw SqlException.At(call.Arguments[0].Position, "aggregates cannot be nested.");
        var inner = new ExpressionBinder(context.Input, context.InputRead);
        var argument = inner.Bind(call.Arguments[0]);
        var type = argument.Type;
        if (call.Distinct && name != "COUNT") throw SqlException.At(call.Position, $"DISTINCT is supported in COUNT only, not in {name}.");
        switch (name)
        {
            case "COUNT":
                return new AggregateCall(call.Distinct ? AggregateKind.CountDistinct : AggregateKind.Count, call.Text, argument, type, SqlType.BigInt);
            case "SUM" or "AVG":
                if (!type.IsNumeric) throw SqlException.At(call.Arguments[0].Position, $"{name} needs a number, but {call.Arguments[0].Text} is {type}.");
                var result = name == "AVG"
                    ? type.Kind == SqlTypeKind.Decimal ? SqlType.Decimal(28, Math.Max(type.Scale, 6)) : SqlType.Double
                    : type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt ? SqlType.BigInt : type.Kind == SqlTypeKind.Decimal ? SqlType.Decimal(28, type.Scale) : SqlType.Double;
                return new AggregateCall(name == "SUM" ? AggregateKind.Sum : AggregateKind.Avg, call.Text, argument, type, result);
            default:
                if (type.Kind is SqlTypeKind.Interval or SqlTypeKind.Null) throw SqlException.At(call.Arguments[0].Position, $"{name} cannot compare values of type {type}.");
                return new AggregateCall(name == "MIN" ? AggregateKind.Min : AggregateKind.Max, call.Text, argument, type, type);
        }
    }
}
