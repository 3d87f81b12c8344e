using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

/// <summary>
/// Compiles a SELECT onto the builder: FROM becomes sources (and joins), WHERE a <c>Where</c>, GROUP BY a
/// <c>KeyBy</c> + <c>Window</c> + <c>Aggregate</c>, the select list one <c>Select</c>; every expression is a
/// delegate compiled once. Queries that would need state without bound on an unbounded input are refused here.
/// </summary>
internal sealed class QueryPlanner(Catalog catalog, SqlSettings settings, PipelineBuilder builder, PlanLog log)
{
    private static readonly string[] WindowColumns = ["window_start", "window_end", "window_time"];

    public PlannedQuery Plan(SelectQuery query)
    {
        var relation = PlanFrom(query.From, 1);
        bool aggregate = query.GroupBy.Count > 0 || query.Having is not null
            || query.Items.Any(i => i.Expression is not null && ExpressionBinder.HasAggregate(i.Expression));
        if (relation.Window is not null && (!aggregate || (query.Where is not null && ReferencesWindow(query.Where))))
        {
            Materialize(relation);
        }
        if (query.Where is not null)
        {
            if (ExpressionBinder.HasAggregate(query.Where)) throw SqlException.At(query.Where.Position, "aggregates are not allowed in WHERE; filter on them with HAVING.");
            var condition = new ExpressionBinder(relation.Scope, relation.Stream.Reader).BindCondition(query.Where, "WHERE");
            relation.Stream = relation.Stream.Where(condition, $"where {query.Where.Text}");
            log.Add(1, $"Where {query.Where.Text}");
        }
        var (stream, schema, items) = aggregate ? PlanAggregate(relation, query) : PlanProjection(relation, query);
        var finish = PlanOrderAndLimit(query, relation, schema, items);
        return new PlannedQuery(stream, schema, relation.Bounded, finish);
    }

    // FROM

    private Relation PlanFrom(FromItem from, int depth) => from switch
    {
        TableFrom table => PlanTable(table, depth),
        WindowFrom window => PlanWindow(window, depth),
        JoinFrom join => PlanJoin(join, depth),
        _ => throw new InvalidOperationException(),
    };

    private Relation PlanTable(TableFrom from, int depth)
    {
        var table = catalog.Get(from.Name, from.Position);
        string qualifier = from.Alias ?? table.Name;
        var stream = table.OpenRows(builder);
        log.Add(depth, $"Source table {table.Name} ({table.Describe()}){(table.TimeColumn is int t ? $", event time {table.Schema.Columns[t].Name}" : string.Empty)}{(table.IsBounded ? ", bounded" : ", unbounded")}");
        var scope = new Scope(table.Schema.Columns.Select((c, i) => new ScopeColumn(qualifier, c.Name, c.Type, i)).ToList(), $"table '{table.Name}'");
        var relation = new Relation(stream, scope, table.Schema.Columns.Count, table.IsBounded, table.TimeColumn, null);
        relation.Tables.Add(table.Name);
        return relation;
    }

    private Relation PlanWindow(WindowFrom from, int depth)
    {
        var table = catalog.Get(from.Table.Name, from.Table.Position);
        string qualifier = from.Alias ?? table.Name;
        var inner = PlanTable(from.Table with { Alias = qualifier }, depth + 1);
        var time = inner.Scope.Resolve(from.TimeColumn);
        if (table.TimeColumn is not int timeColumn)
        {
            throw SqlException.At(from.TimeColumn.Position,
                $"table '{table.Name}' has no time attribute, so it cannot be windowed: declare one in its CREATE TABLE, as in WATERMARK FOR {time.Name} AS {time.Name} - INTERVAL '5' SECOND.");
        }
        if (time.Index != timeColumn)
        {
            throw SqlException.At(from.TimeColumn.Position,
                $"DESCRIPTOR({from.TimeColumn.Name}): windows are on the table's time attribute, which is '{table.Schema.Columns[timeColumn].Name}' (its WATERMARK FOR column).");
        }
        TimeSpan Interval(int index, string what)
        {
            if (from.Arguments.Count <= index) throw SqlException.At(from.Position, $"{from.Kind.ToString().ToUpperInvariant()} needs {what} as an INTERVAL argument {index + 3}, as in INTERVAL '1' MINUTE.");
            return from.Arguments[index] is IntervalExpr interval && interval.Value > TimeSpan.Zero
                ? interval.Value
                : throw SqlException.At(from.Arguments[index].Position, $"{what} must be a positive interval literal such as INTERVAL '1' MINUTE, not {from.Arguments[index].Text}.");
        }
        void Arguments(int count)
        {
            if (from.Arguments.Count > count) throw SqlException.At(from.Arguments[count].Position, $"{from.Kind.ToString().ToUpperInvariant()} takes {count} interval argument{(count == 1 ? string.Empty : "s")} after DESCRIPTOR(…).");
        }
        if (from.PartitionBy.Count > 0 && from.Kind != WindowKind.Session) throw SqlException.At(from.PartitionBy[0].Position, "PARTITION BY is for SESSION windows.");
        WindowAssigner assigner;
        long size, slide;
        string text;
        try
        {
            switch (from.Kind)
            {
                case WindowKind.Tumble:
                    Arguments(2);
                    var tumble = Interval(0, "the window size");
                    var offset = from.Arguments.Count > 1 ? Interval(1, "the offset") : TimeSpan.Zero;
                    assigner = Windows.Tumbling(tumble, offset);
                    if (offset != TimeSpan.Zero) throw SqlException.At(from.Arguments[1].Position, "TUMBLE with an offset is not supported; windows are aligned to the Unix epoch.");
                    (size, slide, text) = (tumble.Ticks, tumble.Ticks, $"TUMBLE({tumble})");
                    break;
                case WindowKind.Hop:
                    Arguments(2);
                    var hopSlide = Interval(0, "the slide");
                    var hopSize = Interval(1, "the window size");
                    assigner = Windows.Sliding(hopSize, hopSlide);
                    (size, slide, text) = (hopSize.Ticks, hopSlide.Ticks, $"HOP(size {hopSize}, slide {hopSlide})");
                    break;
                case WindowKind.Session:
                    Arguments(1);
                    var gap = Interval(0, "the session gap");
                    assigner = Windows.Session(gap);
                    (size, slide, text) = (gap.Ticks, 0, $"SESSION(gap {gap})");
                    break;
                default:
                    Arguments(2);
                    var step = Interval(0, "the step");
                    var maxSize = Interval(1, "the maximum window size");
                    assigner = Windows.Cumulating(step, maxSize);
                    (size, slide, text) = (maxSize.Ticks, step.Ticks, $"CUMULATE(step {step}, size {maxSize})");
                    break;
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw SqlException.At(from.Position, $"{from.Kind.ToString().ToUpperInvariant()}: {ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]}");
        }
        log.Add(depth, $"Windowing function {text} on {table.Schema.Columns[timeColumn].Name}{(from.PartitionBy.Count > 0 ? $" PARTITION BY {string.Join(", ", from.PartitionBy.Select(p => p.Text))}" : string.Empty)}");
        var columns = inner.Scope.Columns.Concat(WindowColumns.Select((name, i) => new ScopeColumn(qualifier, name, SqlType.Timestamp, inner.Width + i))).ToList();
        var relation = new Relation(inner.Stream, new Scope(columns, $"TABLE({from.Kind.ToString().ToUpperInvariant()}(TABLE {table.Name} …))"), inner.Width, inner.Bounded, timeColumn,
            new PendingWindow(from.Kind, assigner, size, slide, from.PartitionBy, text));
        relation.Tables.AddRange(inner.Tables);
        return relation;
    }

    /// <summary>Adds window_start, window_end and window_time to each row (one row per window for HOP and CUMULATE).</summary>
    private void Materialize(Relation relation)
    {
        var window = relation.Window!;
        int time = relation.TimeColumn!.Value;
        int width = relation.Width;
        long size = window.SizeTicks, slide = window.SlideTicks;
        if (window.Kind == WindowKind.Session)
        {
            throw new SqlException($"SESSION windows give window columns only to a grouped query: GROUP BY window_start, window_end (and the PARTITION BY columns).");
        }
        long epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        Row Extend(Row row, long start, long end)
        {
            var values = new object?[width + 3];
            row.CopyTo(values, 0);
            values[width] = new DateTimeOffset(start + epoch, TimeSpan.Zero);
            values[width + 1] = new DateTimeOffset(end + epoch, TimeSpan.Zero);
            values[width + 2] = new DateTimeOffset(end + epoch - TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
            return new Row(values);
        }
        long Floor(Row row, long step)
        {
            long t = ((DateTimeOffset)row[time]!).UtcTicks - epoch;
            return t - (((t % step) + step) % step);
        }
        var rows = relation.Stream.ToRows();
        var extended = window.Kind == WindowKind.Tumble
            ? rows.Select(row => Extend(row, Floor(row, size), Floor(row, size) + size)).Named($"{window.Text} window columns")
            : rows.SelectMany(row =>
            {
                long t = ((DateTimeOffset)row[time]!).UtcTicks - epoch;
                var rows = new List<Row>();
                if (window.Kind == WindowKind.Cumulate)
                {
                    // The windows of the row's period that end after it: [start, start + k·step) up to the size.
                    long start = Floor(row, size);
                    for (long end = Floor(row, slide) + slide; end <= start + size; end += slide) rows.Add(Extend(row, start, end));
                }
                else
                {
                    for (long start = Floor(row, slide); start > t - size; start -= slide) rows.Insert(0, Extend(row, start, start + size));
                }
                return rows;
            }).Named($"{window.Text} window columns");
        relation.Stream = RowStream.Of(extended, [.. relation.Stream.Columns, SqlType.Timestamp, SqlType.Timestamp, SqlType.Timestamp]);
        relation.Width = width + 3;
        relation.Window = null;
        log.Add(1, $"Add window_start, window_end, window_time of {window.Text}");
    }

    private Relation PlanJoin(JoinFrom join, int depth)
    {
        log.Add(depth, "Join");
        var left = PlanFrom(join.Left, depth + 1);
        var right = PlanFrom(join.Right, depth + 1);
        var leftWindow = left.Window;
        var rightWindow = right.Window;
        if (leftWindow is not null) Materialize(left);
        if (rightWindow is not null) Materialize(right);
        var scope = left.Scope.Concat(right.Scope, $"the join of {string.Join(", ", left.Tables.Concat(right.Tables).Select(t => $"'{t}'"))}");
        int leftCount = left.Scope.Columns.Count;

        var keys = new List<(Expr Left, Expr Right)>();
        var residual = new List<Expr>();
        long? lower = null, upper = null;
        bool windowKey = false;
        foreach (var conjunct in Conjuncts(join.On))
        {
            if (conjunct is BinaryExpr { Operator: "=" } equal && Side(equal.Left, scope, leftCount) is int a && Side(equal.Right, scope, leftCount) is int b && a != b)
            {
                keys.Add(a == 0 ? (equal.Left, equal.Right) : (equal.Right, equal.Left));
                windowKey |= IsWindowColumn(equal.Left) || IsWindowColumn(equal.Right);
                continue;
            }
            if (TimeBounds(conjunct, scope, leftCount, left, right) is { } bounds)
            {
                if (bounds.Lower is long lo) lower = lower is null ? lo : Math.Max(lower.Value, lo);
                if (bounds.Upper is long hi) upper = upper is null ? hi : Math.Min(upper.Value, hi);
                continue;
            }
            residual.Add(conjunct);
        }
        if (keys.Count == 0)
        {
            throw SqlException.At(join.On.Position, "a join needs at least one equality between a column of each side in ON (as in a.id = b.id); cross joins and joins on other conditions are not supported.");
        }
        var leftRow = Expression.Parameter(typeof(Row), "left");
        var rightRow = Expression.Parameter(typeof(Row), "right");
        var leftBinder = new ExpressionBinder(left.Scope, leftRow);
        var rightBinder = new ExpressionBinder(right.Scope, rightRow);
        var leftKeys = new List<Func<Row, object?>>();
        var rightKeys = new List<Func<Row, object?>>();
        foreach (var (l, r) in keys)
        {
            var lt = leftBinder.Bind(l);
            var rt = rightBinder.Bind(r);
            var type = ExpressionBinder.CommonType(lt.Type, rt.Type, new BinaryExpr("=", l, r, l.Position));
            leftKeys.Add(ExpressionBinder.CompileBoxed(ExpressionBinder.Cast(lt, type), leftRow));
            rightKeys.Add(ExpressionBinder.CompileBoxed(ExpressionBinder.Cast(rt, type), rightRow));
        }
        Func<Row, RowKey> leftKey = KeySelector(leftKeys), rightKey = KeySelector(rightKeys);
        var leftKeyed = left.Stream.ToRows().Where(row => !leftKey(row).HasNull).KeyBy(leftKey);
        var rightKeyed = right.Stream.ToRows().Where(row => !rightKey(row).HasNull).KeyBy(rightKey);
        int leftWidth = left.Width, rightWidth = right.Width;
        Row Concat(Row l, Row r)
        {
            var values = new object?[leftWidth + rightWidth];
            l.CopyTo(values, 0);
            r.CopyTo(values, leftWidth);
            return new Row(values);
        }
        string keyText = string.Join(" AND ", keys.Select(k => $"{k.Left.Text} = {k.Right.Text}"));
        DataStream<Row> joined;
        if (lower is not null || upper is not null)
        {
            if (lower is null || upper is null)
            {
                throw SqlException.At(join.On.Position, "an interval join needs both a lower and an upper time bound, as in b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE.");
            }
            if (upper < lower) throw SqlException.At(join.On.Position, "the interval join's time bounds are empty: the upper bound is below the lower bound.");
            joined = leftKeyed.IntervalJoin(rightKeyed, TimeSpan.FromTicks(lower.Value), TimeSpan.FromTicks(upper.Value), Concat).Named($"interval join {keyText}");
            log.Add(depth, $"IntervalJoin on {keyText}, right time in [left {Ticks(lower.Value)}, left {Ticks(upper.Value)}]");
        }
        else if (leftWindow is not null || rightWindow is not null)
        {
            if (leftWindow is null || rightWindow is null || !windowKey)
            {
                throw SqlException.At(join.On.Position, "a window join needs both sides windowed by the same TUMBLE and ON … AND a.window_start = b.window_start AND a.window_end = b.window_end.");
            }
            if (leftWindow.Kind != WindowKind.Tumble || rightWindow.Kind != WindowKind.Tumble || leftWindow.SizeTicks != rightWindow.SizeTicks)
            {
                throw SqlException.At(join.On.Position, "window joins are supported for TUMBLE windows of the same size on both sides.");
            }
            joined = leftKeyed.Join(rightKeyed, leftWindow.Assigner, Concat).Named($"window join {keyText}");
            log.Add(depth, $"WindowJoin {leftWindow.Text} on {keyText}");
        }
        else
        {
            if (!left.Bounded || !right.Bounded)
            {
                string unbounded = string.Join(", ", (left.Bounded ? right.Tables : left.Tables).Select(t => $"'{t}'"));
                throw SqlException.At(join.Position,
                    $"a regular join of the unbounded table {unbounded} would keep every row of both sides forever. Bound it in time (an interval join: AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE), or join windows (TABLE(TUMBLE(…)) on both sides with equal window_start and window_end).");
            }
            joined = leftKeyed.Join(rightKeyed, Windows.Global(), Concat).Named($"join {keyText}");
            log.Add(depth, $"Join (bounded, at end of input) on {keyText}");
        }
        var relation = new Relation(RowStream.Of(joined, [.. left.Stream.Columns, .. right.Stream.Columns]), scope, leftWidth + rightWidth, left.Bounded && right.Bounded, null, null);
        relation.Tables.AddRange(left.Tables);
        relation.Tables.AddRange(right.Tables);
        if (residual.Count > 0)
        {
            var condition = residual.Aggregate((a, b) => new BinaryExpr("AND", a, b, a.Position));
            var bound = new ExpressionBinder(scope, relation.Stream.Reader).BindCondition(condition, "ON");
            relation.Stream = relation.Stream.Where(bound, $"join condition {condition.Text}");
            log.Add(depth, $"Where {condition.Text}");
        }
        return relation;
    }

    private static string Ticks(long ticks) => ticks < 0 ? $"- {TimeSpan.FromTicks(-ticks)}" : $"+ {TimeSpan.FromTicks(ticks)}";

    private static IEnumerable<Expr> Conjuncts(Expr expr) =>
        expr is BinaryExpr { Operator: "AND" } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [expr];

    /// <summary>0 when every column of the expression is on the left, 1 when all are on the right, null otherwise.</summary>
    private static int? Side(Expr expr, Scope scope, int leftCount)
    {
        var sides = ExpressionBinder.ColumnsIn(expr).Select(c => scope.Resolve(c).Index < leftCount ? 0 : 1).Distinct().ToList();
        return sides.Count == 1 ? sides[0] : null;
    }

    private static bool IsWindowColumn(Expr expr) => expr is ColumnExpr c && WindowColumns.Contains(c.Name, StringComparer.OrdinalIgnoreCase);

    private static bool ReferencesWindow(Expr expr) => ExpressionBinder.ColumnsIn(expr).Any(IsWindowColumn);

    /// <summary>A bound on right.time − left.time from a condition between the two time attributes (± intervals), if it is one.</summary>
    private static (long? Lower, long? Upper)? TimeBounds(Expr conjunct, Scope scope, int leftCount, Relation left, Relation right)
    {
        (int Side, long Offset)? Time(Expr e)
        {
            long offset = 0;
            if (e is BinaryExpr { Operator: "+" or "-" } b && b.Right is IntervalExpr interval)
            {
                offset = b.Operator == "+" ? interval.Value.Ticks : -interval.Value.Ticks;
                e = b.Left;
            }
            if (e is not ColumnExpr column) return null;
            var resolved = scope.Resolve(column);
            if (resolved.Index < leftCount) return left.TimeColumn == resolved.Index ? (0, offset) : null;
            return right.TimeColumn == resolved.Index - leftCount ? (1, offset) : null;
        }

        if (conjunct is BetweenExpr { Negated: false } between && Time(between.Operand) is { } x && Time(between.Low) is { } lo && Time(between.High) is { } hi
            && lo.Side == hi.Side && lo.Side != x.Side)
        {
            return x.Side == 1 ? (lo.Offset - x.Offset, hi.Offset - x.Offset) : (x.Offset - hi.Offset, x.Offset - lo.Offset);
        }
        if (conjunct is BinaryExpr { Operator: "<" or "<=" or ">" or ">=" } compare && Time(compare.Left) is { } a && Time(compare.Right) is { } b2 && a.Side != b2.Side)
        {
            // Normalise to right.t OP left.t + d.
            string op = compare.Operator;
            var (r, l) = a.Side == 1 ? (a, b2) : (b2, a);
            if (a.Side == 0) op = op switch { "<" => ">", "<=" => ">=", ">" => "<", _ => "<=" };
            long d = l.Offset - r.Offset;
            return op switch
            {
                ">=" => (d, null),
                ">" => (d + 1, null),
                "<=" => (null, d),
                _ => (null, d - 1),
            };
        }
        return null;
    }

    private static Func<Row, RowKey> KeySelector(List<Func<Row, object?>> keys)
    {
        var array = keys.ToArray();
        if (array.Length == 1)
        {
            var only = array[0];
            return row => new RowKey([only(row)]);
        }
        return row =>
        {
            var values = new object?[array.Length];
            for (int i = 0; i < array.Length; i++) values[i] = array[i](row);
            return new RowKey(values);
        };
    }

    // GROUP BY

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
        var (items, having) = BindGroupedClauses(new ExpressionBinder(relation.Scope, grouped.Reader, context), query);
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

    // SELECT list

    private (DataStream<Row>, SqlSchema, List<(SelectItem, Typed)>) PlanProjection(Relation relation, SelectQuery query)
    {
        var binder = new ExpressionBinder(relation.Scope, relation.Stream.Reader);
        var items = new List<(SelectItem, Typed)>();
        foreach (var item in query.Items)
        {
            if (!item.IsStar)
            {
                items.Add((item, binder.Bind(item.Expression!)));
                continue;
            }
            var columns = relation.Scope.Columns.Where(c => item.StarQualifier is null || string.Equals(c.Qualifier, item.StarQualifier, StringComparison.OrdinalIgnoreCase)).ToList();
            if (columns.Count == 0)
            {
                throw SqlException.At(item.Position, $"unknown table or alias '{item.StarQualifier}'{Suggestions.DidYouMean(item.StarQualifier!, relation.Scope.Columns.Select(c => c.Qualifier).OfType<string>())}");
            }
            foreach (var column in columns)
            {
                var expr = new ColumnExpr(column.Qualifier, column.Name, item.Position);
                items.Add((new SelectItem(expr, column.Name, null, item.Position), binder.Bind(expr)));
            }
        }
        return Project(relation.Stream, items);
    }

    private (DataStream<Row>, SqlSchema, List<(SelectItem, Typed)>) Project(RowStream input, List<(SelectItem Item, Typed Bound)> items)
    {
        var columns = items.Select((x, i) => new SqlColumn(x.Item.Alias ?? (x.Item.Expression as ColumnExpr)?.Name ?? $"EXPR${i}", x.Bound.Type.Kind == SqlTypeKind.Null ? SqlType.String : x.Bound.Type)).ToList();
        var twice = columns.Select((c, i) => (c.Name, i)).GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw SqlException.At(items[twice.Last().i].Item.Position,
                $"the result would have two columns named '{twice.Key}'; give one an alias (… AS {twice.Key}_2), so that every column of the result has its own name.");
        }
        var projection = ExpressionBinder.NewRow([.. items.Select(x => x.Bound)]);
        string text = string.Join(", ", items.Select((x, i) => x.Item.Expression!.Text + (x.Item.Alias is null || x.Item.Alias == (x.Item.Expression as ColumnExpr)?.Name ? string.Empty : $" AS {x.Item.Alias}")));
        log.Add(1, $"Select {text}");
        return (input.Select(projection, $"select {text}"), new SqlSchema(columns), items);
    }

    // ORDER BY, LIMIT

    private static Func<IEnumerable<Row>, List<Row>>? PlanOrderAndLimit(SelectQuery query, Relation relation, SqlSchema schema, List<(SelectItem Item, Typed Bound)> items)
    {
        if (query.OrderBy.Count == 0 && query.Limit is null) return null;
        if (!relation.Bounded)
        {
            string clause = query.OrderBy.Count > 0 ? "ORDER BY" : "LIMIT";
            string tables = string.Join(", ", relation.Tables.Select(t => $"'{t}'"));
            throw SqlException.At(query.OrderBy.Count > 0 ? query.OrderBy[0].Expression.Position : query.Position,
                $"{clause} needs the whole result, and the unbounded table {tables} never ends. Sort or cut the output downstream, or read a bounded table (a filesystem table without 'source.monitor-interval'); windowed results already come in order of window end per key.");
        }
        var keys = new List<(int Index, bool Descending)>();
        foreach (var order in query.OrderBy)
        {
            int index = order.Expression switch
            {
                LiteralExpr { Value: int position } when position >= 1 && position <= schema.Columns.Count => position - 1,
                LiteralExpr literal => throw SqlException.At(literal.Position, $"ORDER BY {literal.Text}: a position must be between 1 and {schema.Columns.Count}."),
                ColumnExpr { Qualifier: null } column when schema.IndexOf(column.Name) >= 0 => schema.IndexOf(column.Name),
                _ => items.FindIndex(i => i.Item.Expression is not null && string.Equals(i.Item.Expression.Text, order.Expression.Text, StringComparison.OrdinalIgnoreCase)),
            };
            if (index < 0)
            {
                throw SqlException.At(order.Expression.Position,
                    $"ORDER BY {order.Expression.Text} must name a column of the result, by name, alias or position{Suggestions.DidYouMean(order.Expression.Text, schema.Columns.Select(c => c.Name))}");
            }
            keys.Add((index, order.Descending));
        }
        int? limit = query.Limit;
        return rows =>
        {
            var list = rows.ToList();
            if (keys.Count > 0) list.Sort((a, b) => CompareRows(a, b, keys));
            return limit is int n && list.Count > n ? list.GetRange(0, n) : list;
        };
    }

    /// <summary>Compares by the keys; NULL sorts last either way (as DuckDB does).</summary>
    private static int CompareRows(Row a, Row b, List<(int Index, bool Descending)> keys)
    {
        foreach (var (index, descending) in keys)
        {
            object? x = a[index], y = b[index];
            int c = (x, y) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                (string s, string t) => (descending ? -1 : 1) * string.CompareOrdinal(s, t),
                _ => (descending ? -1 : 1) * Comparer<object>.Default.Compare(x, y),
            };
            if (c != 0) return c;
        }
        return 0;
    }
}
