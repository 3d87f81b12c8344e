using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// GROUP BY, HAVING and the aggregates.
internal sealed partial class QueryPlanner
{
    private (DataStream<Row>, SqlSchema, List<(SelectItem Item, Typed Bound)>) PlanAggregate(Relation relation, SelectQuery query)
    {
        var input = relation.Stream;
        var context = new AggregateContext(relation.Scope, input.Reader);
        var window = relation.Window;
        var inputBinder = new ExpressionBinder(relation.Scope, input.Reader);
        var keys = new List<Typed>();
        bool hasStart = false, hasEnd = false;
        foreach (var expr in query.GroupBy)
        {
            if (ExpressionBinder.HasAggregate(expr)) throw SqlException.At(expr.Position, "GROUP BY cannot contain aggregates.");
            if (window is not null && IsWindowColumn(expr))
            {
                string name = ((ColumnExpr)expr).Name.ToLowerInvariant();
                hasStart |= name == "window_start";
                hasEnd |= name == "window_end";
                continue;
            }
            if (window is null && IsWindowColumn(expr) && relation.Scope.Columns.All(c => !string.Equals(c.Name, ((ColumnExpr)expr).Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw SqlException.At(expr.Position, $"{((ColumnExpr)expr).Name} comes from a windowing function: FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)).");
            }
            var bound = inputBinder.Bind(expr);
            int? column = expr is ColumnExpr c ? relation.Scope.Resolve(c).Index : null;
            context.Keys.Add((expr.Text, column, bound.Type));
            keys.Add(bound);
        }
        if (window is not null && !(hasStart && hasEnd))
        {
            throw SqlException.At(query.Position, $"a query over {window.Text} must GROUP BY window_start, window_end (and any other keys); without them it would aggregate across windows.");
        }
        if (window is not null && window.Kind == WindowKind.Session)
        {
            foreach (var partition in window.PartitionBy)
            {
                int index = relation.Scope.Resolve(partition).Index;
                if (!context.Keys.Any(k => k.InputColumn == index))
                {
                    throw SqlException.At(partition.Position, $"sessions are kept per group: add the PARTITION BY column {partition.Text} to GROUP BY.");
                }
            }
        }
        context.Windowed = window is not null;
        if (window is null && !relation.Bounded)
        {
            string tables = string.Join(", ", relation.Tables.Select(t => $"'{t}'"));
            throw SqlException.At(query.Position,
                $"GROUP BY without a window over the unbounded table {tables} would keep a result for every key forever and never give a final one. Group by a window instead: FROM TABLE(TUMBLE(TABLE {relation.Tables[0]}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, …");
        }

        // The grouped element's type follows from the aggregate calls, so a first pass over the clauses finds them
        // (reading nothing), and the second binds the clauses to the grouped element.
        BindGroupedClauses(new ExpressionBinder(relation.Scope, (_, type) => Expression.Default(type.NullableClrType), context), query);
        var calls = context.Aggregates.ToList();
        string aggregates = string.Join(", ", calls.Select(c => c.Text));
        string keysText = string.Join(", ", query.GroupBy.Select(g => g.Text));
        var spec = new GroupSpec(keys, calls, window?.Assigner ?? Windows.Global(), window is not null, window is null ? TimeSpan.Zero : settings.Lateness, settings.EarlyFire,
            $"aggregate {aggregates} by {(keysText.Length == 0 ? "()" : keysText)}");
        var grouped = input.GroupBy(spec);
        if (window is not null && settings.LateRowsTable is { } lateName && grouped.LateRows is { } lateRows)
        {
            var lateSchema = new SqlSchema([.. relation.Scope.Columns.Where(c => c.Index < input.Columns.Count).OrderBy(c => c.Index).Select(c => new SqlColumn(c.Name, c.Type))]);
            LateTable = new Connectors.LateRowsTable(lateName, lateSchema, relation.TimeColumn, relation.Bounded, builder, lateRows(), string.Join(", ", relation.Tables));
            log.Add(1, $"Late rows to table {lateName}");
        }
        var (items, having) = BindGroupedClauses(new ExpressionBinder(relation.Scope, grouped.Reader, context), query);
        if (query.GroupBy.Count == 0 && window is null)
        {
            // Aggregates over the whole of a bounded table give one row even when no row reaches them (COUNT(*) 0,
            // SUM NULL), as in SQL: the collected result gets the empty group's row when it has none.
            EmptyInputRow = grouped.RowOfDefault(ExpressionBinder.NewRow([.. items.Select(i => i.Bound)]), having);

            // HAVING may refuse the real row and accept the empty one: the empty row only stands for no row at all.
            if (EmptyInputRow is not null && having is not null && relation.Bounded && settings.EarlyFire is null)
            {
                GroupReachedMarker = new Row([]);
                GroupReached = grouped.Select(Expression.Constant(GroupReachedMarker, typeof(Row)), "the aggregate's group, before HAVING");
            }
        }

        log.Add(1, $"KeyBy {(context.Keys.Count == 0 ? "()" : string.Join(", ", context.Keys.Select(k => k.Text)))}");
        log.Add(1, $"Window {(window?.Text ?? "GLOBAL (bounded input: one result per key at the end)")}{(settings.Lateness > TimeSpan.Zero && window is not null ? $", allowed lateness {settings.Lateness}" : string.Empty)}{(settings.EarlyFire is TimeSpan e ? $", early results every {e}" : string.Empty)}");
        log.Add(1, $"Aggregate {aggregates}");
        if (having is not null)
        {
            grouped = grouped.Where(having, $"having {query.Having!.Text}");
            log.Add(1, $"Having {query.Having!.Text}");
        }
        return Project(grouped, items);
    }

    /// <summary>Binds the select list, HAVING and the aggregates of ORDER BY of a grouped query.</summary>
    private static (List<(SelectItem Item, Typed Bound)> Items, Typed? Having) BindGroupedClauses(ExpressionBinder binder, SelectQuery query)
    {
        var items = new List<(SelectItem, Typed)>();
        foreach (var item in query.Items)
        {
            if (item.IsStar) throw SqlException.At(item.Position, "SELECT * cannot be used with GROUP BY: list the grouped columns and aggregates.");
            items.Add((item, binder.Bind(item.Expression!)));
        }
        var having = query.Having is null ? null : binder.BindCondition(query.Having, "HAVING");
        foreach (var order in query.OrderBy)
        {
            if (ExpressionBinder.HasAggregate(order.Expression)) binder.Bind(order.Expression);
        }
        return (items, having);
    }
}
